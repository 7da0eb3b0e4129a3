// The inbox: keyboard shortcuts, and live refreshes of the list and of the open conversation
// when live.js announces a change (`souk:live` events on document). Loaded as a file (no
// inline script: CSP); the pages work without it, only less promptly.
(function () {
  "use strict";

  var LIST_DELAY_MS = 300; // several events in a burst make one refresh
  var THREAD_DELAY_MS = 150;
  var BOTTOM_SLACK_PX = 40;

  function byId(id) {
    return document.getElementById(id);
  }

  // --- Keyboard shortcuts -------------------------------------------------------------------

  function openShortcuts() {
    var dialog = byId("shortcuts-dialog");
    if (dialog && typeof dialog.showModal === "function" && !dialog.open) dialog.showModal();
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-shortcuts-open]")) openShortcuts();
  });

  function typingIn(target) {
    if (!target || !target.closest) return false;
    return Boolean(target.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']"));
  }

  // j / k: the next or previous conversation of the list (the first one when none is open).
  // The list as it was when a conversation was opened from it is remembered: opening one marks
  // it read, which moves it below the unread ones, and "next" must not jump around.
  var ORDER_KEY = "souk:inbox:order";

  function listLinks() {
    return Array.prototype.slice.call(document.querySelectorAll("#inbox-results .inbox-item a"));
  }

  function rememberOrder() {
    var order = listLinks().map(function (link) {
      return { id: link.dataset.conversationId, href: link.href };
    });
    try {
      window.sessionStorage.setItem(ORDER_KEY, JSON.stringify(order));
    } catch (error) {
      /* no storage: j and k follow the list as it is now */
    }
  }

  function rememberedOrder() {
    try {
      var order = JSON.parse(window.sessionStorage.getItem(ORDER_KEY) || "[]");
      return Array.isArray(order) ? order : [];
    } catch (error) {
      return [];
    }
  }

  function move(step) {
    var current = (byId("inbox") || { dataset: {} }).dataset.conversationId || "";
    var order = rememberedOrder();
    var index = current ? order.findIndex(function (item) { return item.id === current; }) : -1;
    if (index < 0) {
      rememberOrder();
      order = rememberedOrder();
      index = order.findIndex(function (item) { return item.id === current; });
    }
    if (!order.length) return;
    var target = index < 0 ? order[step > 0 ? 0 : order.length - 1] : order[index + step];
    if (target) window.location.assign(target.href);
  }

  // A conversation opened with a click: the list it was chosen from is the one j and k follow.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("#inbox-results .inbox-item a");
    if (link) rememberOrder();
  });

  function focusField(id) {
    var field = byId(id);
    if (!field) return false;
    field.scrollIntoView({ block: "center" });
    field.focus();
    return true;
  }

  function submit(formId) {
    var form = byId(formId);
    if (!form) return;
    // requestSubmit goes through the submit listeners, so data-confirm still asks first.
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  }

  var SHORTCUTS = {
    j: function () { move(1); },
    k: function () { move(-1); },
    r: function () { focusField("composer-text"); },
    n: function () { focusField("note-text"); },
    e: function () { submit("action-resolve"); },
    t: function () { submit("action-take-over"); },
    "?": openShortcuts,
  };

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typingIn(event.target) || document.querySelector("dialog[open]")) return;
    var action = SHORTCUTS[event.key];
    if (!action) return;
    event.preventDefault(); // "r" must not type an "r" into the field it focuses
    action();
  });

  // --- Live refreshes ---------------------------------------------------------------------

  var root = byId("inbox");
  if (!root || !window.htmx) return;
  var listUrl = root.dataset.listUrl;
  var threadUrl = root.dataset.threadUrl;
  var current = root.dataset.conversationId || "";
  var listTimer = null;
  var threadTimer = null;

  function atBottom(element) {
    return element.scrollHeight - element.scrollTop - element.clientHeight < BOTTOM_SLACK_PX;
  }

  function refreshList() {
    var results = byId("inbox-results");
    if (!results || !listUrl) return;
    // The conversation link that had the focus keeps it after the swap.
    var focused = document.activeElement;
    var focusedId = focused && results.contains(focused) ? focused.dataset.conversationId : "";
    // Only the results are swapped: the filters, and a search being typed, stay as they are.
    window.htmx
      .ajax("GET", listUrl, { target: "#inbox-results", select: "#inbox-results", swap: "outerHTML" })
      .then(function () {
        if (!focusedId) return;
        var again = document.querySelector('#inbox-results a[data-conversation-id="' + focusedId + '"]');
        if (again) again.focus({ preventScroll: true });
      });
  }

  // What arrives while the tab is in the background is shown, but not marked read until the
  // page is in view again.
  var readLater = false;

  function refreshThread() {
    var thread = byId("thread");
    if (!thread || !threadUrl) return;
    var stick = atBottom(thread);
    var top = thread.scrollTop;
    var inView = document.visibilityState === "visible";
    readLater = !inView;
    var url = threadUrl + (threadUrl.indexOf("?") < 0 ? "?" : "&") + (inView ? "read=1" : "read=0");
    window.htmx.ajax("GET", url, { target: "#thread", swap: "outerHTML" }).then(function () {
      var fresh = byId("thread");
      if (!fresh) return;
      fresh.scrollTop = stick ? fresh.scrollHeight : top;
    });
  }

  function later(timer, run, delay) {
    window.clearTimeout(timer);
    return window.setTimeout(run, delay);
  }

  document.addEventListener("souk:live", function (event) {
    var live = event.detail || {};
    var data = live.data || {};
    var kind = live.kind || "";
    if (kind.indexOf("conversation.") === 0 || kind.indexOf("message.") === 0) {
      listTimer = later(listTimer, refreshList, LIST_DELAY_MS);
    }
    if (!current || String(data.conversation_id) !== current || kind === "typing") return;
    // Opening or refreshing the thread marks it read, which is announced too: not a change
    // the thread has to show.
    if (kind === "conversation.updated" && data.change === "read") return;
    threadTimer = later(threadTimer, refreshThread, THREAD_DELAY_MS);
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && readLater) refreshThread();
  });

  // The composer (its own module) says when it has sent a reply.
  document.addEventListener("souk:composer-sent", function () {
    threadTimer = later(threadTimer, refreshThread, 0);
  });

  // The latest message in view when the conversation opens.
  var thread = byId("thread");
  if (thread) thread.scrollTop = thread.scrollHeight;
})();
