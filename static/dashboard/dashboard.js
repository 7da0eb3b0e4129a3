// Souk dashboard: the few behaviours plain HTML and htmx do not cover. Loaded as a file
// (the Content-Security-Policy allows no inline script). Every behaviour is opt-in by a data-
// attribute, so pages stay declarative and work (less conveniently) without JavaScript.
(function () {
  "use strict";

  // htmx requests carry the CSRF token from the page's <meta>.
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) event.detail.headers["X-CSRFToken"] = meta.content;
  });

  // <form data-confirm="Refund 12,00 €? The shopper is told in the chat."> asks first, in a
  // <dialog> that says what will happen. Also on <button data-confirm> inside any form.
  function askThen(text, proceed) {
    var dialog = document.getElementById("confirm-dialog");
    if (!dialog || typeof dialog.showModal !== "function") {
      if (window.confirm(text)) proceed();
      return;
    }
    document.getElementById("confirm-text").textContent = text;
    dialog.returnValue = "";
    dialog.addEventListener(
      "close",
      function () {
        if (dialog.returnValue === "ok") proceed();
      },
      { once: true }
    );
    dialog.showModal();
    document.getElementById("confirm-ok").focus();
  }

  function isHtmx(el) {
    return ["hx-post", "hx-get", "hx-put", "hx-patch", "hx-delete"].some(function (name) {
      return el.hasAttribute(name) || el.hasAttribute("data-" + name);
    });
  }

  // htmx forms ask through htmx's own hook, so the request waits for the answer (cancelling
  // the submit event does not stop htmx, which would send it twice).
  document.addEventListener("htmx:confirm", function (event) {
    var text = event.detail.elt.dataset && event.detail.elt.dataset.confirm;
    if (!text) return;
    event.preventDefault();
    askThen(text, function () {
      event.detail.issueRequest(true);
    });
  });

  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      var submitter = event.submitter;
      var text = (submitter && submitter.dataset.confirm) || form.dataset.confirm;
      if (!text || form.dataset.confirmed === "yes" || isHtmx(form)) return;
      event.preventDefault();
      askThen(text, function () {
        form.dataset.confirmed = "yes";
        if (form.requestSubmit) form.requestSubmit(submitter || undefined);
        else form.submit();
        delete form.dataset.confirmed;
      });
    },
    true
  );

  // <select data-autosubmit> submits its form when changed (the shop switcher, filters).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) {
      if (el.form.requestSubmit) el.form.requestSubmit();
      else el.form.submit();
    }
  });

  // <input type="checkbox" data-check-all="name"> ticks every checkbox named `name`.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!el.matches || !el.matches("[data-check-all]")) return;
    var boxes = document.querySelectorAll('input[type="checkbox"][name="' + el.dataset.checkAll + '"]');
    boxes.forEach(function (box) {
      box.checked = el.checked;
    });
  });

  // <input type="file" data-preview="#target"> shows the chosen images before upload.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!el.matches || !el.matches("input[type=file][data-preview]")) return;
    var target = document.querySelector(el.dataset.preview);
    if (!target) return;
    target.replaceChildren();
    Array.prototype.forEach.call(el.files || [], function (file) {
      if (!file.type.startsWith("image/")) return;
      var img = document.createElement("img");
      img.alt = "Preview of " + file.name;
      img.src = URL.createObjectURL(file);
      img.className = "thumb";
      target.appendChild(img);
    });
  });

  // Formsets: <button data-formset-add="prefix"> clones <template id="prefix-empty"> into
  // #prefix-rows, replacing __prefix__ with the next index and bumping TOTAL_FORMS.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-formset-add]");
    if (!button) return;
    event.preventDefault();
    var prefix = button.dataset.formsetAdd;
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var template = document.getElementById(prefix + "-empty");
    var rows = document.getElementById(prefix + "-rows");
    if (!total || !template || !rows) return;
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    rows.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    var first =
      rows.lastElementChild &&
      rows.lastElementChild.querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
  });

  // Hide the no-JavaScript fallback buttons (e.g. "Switch" next to an auto-submitting select).
  document.documentElement.classList.add("js");
})();
