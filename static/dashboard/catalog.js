// Catalog pages: what dashboard.js does not already cover. Loaded as a file (strict CSP).
(function () {
  "use strict";

  // A variant row ticked "Remove" is shown struck through: it goes only when the product is
  // saved, and unticking brings it back.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches('.variant-row input[type="checkbox"][name$="-DELETE"]')) return;
    var row = box.closest(".variant-row");
    if (row) row.classList.toggle("is-removed", box.checked);
  });

  // The product list's stock panel (loaded by htmx into a cell) closes with its "Close"
  // button; the focus goes back to the "Adjust" link that opened it.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-close-panel]");
    if (!button) return;
    var cell = button.closest("td[id]");
    if (!cell) return;
    cell.replaceChildren();
    var opener = document.querySelector('[aria-controls="' + cell.id + '"]');
    if (opener) opener.focus();
  });
})();
