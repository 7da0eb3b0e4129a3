// The inbox's commerce sidebar (templates/conversations/inbox/_sidebar*.html): what plain htmx
// and dashboard.js do not cover. Loaded as a file (strict CSP).
(function () {
  "use strict";

  // Forms that ask first (data-confirm) are plain htmx forms: dashboard.js asks through
  // htmx's own confirm hook, and the request goes once the person confirms.

  // After an action the sidebar comes back whole. htmx keeps the focus on a control that is
  // still there (same id); when it is gone (the last line removed, the order placed), the
  // line saying what happened takes it, so keyboard users carry on from there.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || target.id !== "sidebar") return;
    var active = document.activeElement;
    if (active && active !== document.body && document.contains(active)) return;
    var notice = target.querySelector(".cs-notice");
    if (notice) notice.focus();
  });

  // Live: the shopper's cart and orders change while the agent looks (the bot, a payment, a
  // teammate). souk:live events (shops/live.py, static/dashboard/live.js) about this customer
  // refresh those parts of the sidebar only, so nothing typed elsewhere in it is lost. One
  // request per burst of events, its own (htmx.ajax would queue behind the page's other
  // requests and drop all but the last); an answer older than one already shown is ignored.
  var pending = {};
  var timer = null;
  var asked = 0;
  var shown = 0;

  function refresh() {
    timer = null;
    var root = document.querySelector("[data-sidebar-url]");
    var parts = Object.keys(pending);
    pending = {};
    if (!root || !parts.length) return;
    var number = ++asked;
    window
      .fetch(root.dataset.sidebarUrl, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("sidebar " + response.status);
        return response.text();
      })
      .then(function (html) {
        if (number < shown) return;
        shown = number;
        var fresh = new DOMParser().parseFromString(html, "text/html");
        parts.forEach(function (selector) {
          var now = document.querySelector(selector);
          var next = fresh.querySelector(selector);
          if (!now || !next) return;
          now.replaceWith(next);
          if (window.htmx) window.htmx.process(next);
        });
      })
      .catch(function () {
        // Offline or signed out: live.js says so; the next event asks again.
        parts.forEach(function (selector) {
          pending[selector] = true;
        });
      });
  }

  document.addEventListener("souk:live", function (event) {
    var live = event.detail || {};
    var data = live.data || {};
    var root = document.querySelector("[data-sidebar-customer]");
    if (!root || String(data.customer_id) !== root.dataset.sidebarCustomer) return;
    if (live.kind === "cart.updated") {
      pending["#cs-cart"] = true;
    } else if (live.kind === "order.updated") {
      // Placing an order closes the cart it came from; paying may save the shopper's card.
      pending["#cs-orders"] = true;
      pending["#cs-cart"] = true;
      pending["#cs-who"] = true;
    } else {
      return;
    }
    if (!timer) timer = window.setTimeout(refresh, 250);
  });
})();
