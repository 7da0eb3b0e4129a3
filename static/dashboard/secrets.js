// Secrets shown once (API keys, webhook signing secrets): a "Copy" button next to the text.
// <button data-copy="#element-id" hidden> is shown only where the clipboard can be written;
// without it (or without JavaScript) the text stays selectable by hand.
(function () {
  "use strict";

  function ready() {
    if (!navigator.clipboard || !window.isSecureContext) return;
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.hidden = false;
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy]");
    if (!button) return;
    var source = document.querySelector(button.dataset.copy);
    if (!source) return;
    var label = button.textContent;
    navigator.clipboard.writeText(source.textContent.trim()).then(
      function () {
        button.textContent = "Copied";
        setTimeout(function () {
          button.textContent = label;
        }, 2000);
      },
      function () {
        button.textContent = "Select the text and copy it";
      }
    );
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
