// Souk live updates: every dashboard page polls the shop's live events (shops/live.py) and
// announces each one once, as `document.dispatchEvent(new CustomEvent("souk:live", {detail}))`
// with detail = {id, kind, data, at}; the inbox, the composer and the sidebar listen for them.
//
// The cursor comes from the server and only moves past events that can no longer be joined by
// an older one still committing, so the same recent events may come back on the next call: they
// are announced once (ids seen). Cursor and ids live in sessionStorage, per shop: a reload, or a
// laptop waking up, resumes where it stopped and misses nothing. Polls every second while the
// page is visible, every 15 s when hidden, and backs off (up to 30 s) while the server cannot be
// reached, saying "Reconnecting…" until it answers again.
//
// Also: the Inbox link's badge (conversations waiting for a person, unread), and an optional
// browser notification when a shopper asks for a person, once allowed with a click on a
// <button data-live-notify> (never asked on page load).
(function () {
  "use strict";

  // Included by the layout, and possibly by a page as well: one poller per page.
  if (window.soukLive) return;
  var status = document.getElementById("live-status");
  if (!status || !status.dataset.events || !window.fetch) return;
  window.soukLive = { running: true };

  var EVENTS_URL = status.dataset.events;
  var BADGE_URL = status.dataset.badge || "";
  var INBOX_URL = status.dataset.inbox || "";
  var CONVERSATION_URL = status.dataset.conversation || ""; // ends with /0/
  var STORE_KEY = "souk:live:" + (status.dataset.shop || "");

  var VISIBLE_MS = 1000;
  var HIDDEN_MS = 15000;
  var MAX_BACKOFF_MS = 30000;
  var TIMEOUT_MS = 10000;
  var BADGE_DELAY_MS = 400;
  // The server keeps a week of events; after a longer silence some may be gone: reload.
  var STALE_MS = 6 * 24 * 3600 * 1000;
  var MAX_SEEN = 2000;

  var state = load();
  var firstCall = state.cursor === null; // a new page already shows what just happened
  var failures = 0;
  var timer = null;
  var inFlight = false;
  var stopped = false;
  var badgeTimer = null;

  function load() {
    var empty = { cursor: null, seen: [], okAt: 0 };
    try {
      var saved = JSON.parse(window.sessionStorage.getItem(STORE_KEY) || "null");
      if (!saved || typeof saved.cursor !== "number" || !Array.isArray(saved.seen)) return empty;
      return { cursor: saved.cursor, seen: saved.seen.filter(Number.isInteger), okAt: +saved.okAt || 0 };
    } catch (error) {
      return empty; // storage refused (private mode): this page's memory only
    }
  }

  function save() {
    try {
      window.sessionStorage.setItem(STORE_KEY, JSON.stringify(state));
    } catch (error) {
      /* keep going without persistence */
    }
  }

  var seen = new Set(state.seen);

  function setOnline(online) {
    status.hidden = online;
  }

  function backoff() {
    var base = Math.min(MAX_BACKOFF_MS, 1000 * Math.pow(2, failures - 1));
    return base / 2 + Math.random() * (base / 2);
  }

  function schedule(delay) {
    if (stopped) return;
    window.clearTimeout(timer);
    if (delay === undefined) {
      delay = failures ? backoff() : document.hidden ? HIDDEN_MS : VISIBLE_MS;
    }
    timer = window.setTimeout(poll, delay);
  }

  function stop() {
    // Signed out, or no longer allowed in this shop: nothing to poll.
    stopped = true;
    window.clearTimeout(timer);
    setOnline(true);
  }

  function deliver(events) {
    events.forEach(function (event) {
      if (seen.has(event.id)) return;
      seen.add(event.id);
      document.dispatchEvent(new CustomEvent("souk:live", { detail: event }));
      if (touchesBadge(event)) badgeSoon();
      if (!firstCall) maybeNotify(event);
    });
  }

  function remember(cursor) {
    state.cursor = cursor;
    state.okAt = Date.now();
    var kept = [];
    seen.forEach(function (id) {
      if (id > cursor) kept.push(id); // the server never sends ids at or below the cursor again
    });
    kept.sort(function (a, b) {
      return a - b;
    });
    kept = kept.slice(-MAX_SEEN);
    seen = new Set(kept);
    state.seen = kept;
    save();
  }

  function poll() {
    timer = null;
    if (stopped || inFlight) return;
    if (state.okAt && Date.now() - state.okAt > STALE_MS) {
      state = { cursor: null, seen: [], okAt: 0 };
      save();
      window.location.reload();
      return;
    }
    inFlight = true;
    var controller = window.AbortController ? new AbortController() : null;
    var deadline = controller
      ? window.setTimeout(function () {
          controller.abort();
        }, TIMEOUT_MS)
      : null;
    var url = EVENTS_URL + (state.cursor === null ? "" : "?after=" + encodeURIComponent(state.cursor));
    window
      .fetch(url, {
        credentials: "same-origin",
        cache: "no-store",
        headers: { Accept: "application/json" },
        signal: controller ? controller.signal : undefined,
      })
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (response.redirected || response.status === 403 || (response.ok && !json)) {
          stop();
          return null;
        }
        if (!response.ok) throw new Error("live events: HTTP " + response.status);
        return response.json();
      })
      .then(function (body) {
        if (!body) return;
        failures = 0;
        setOnline(true);
        deliver(body.events || []);
        firstCall = false;
        remember(body.cursor);
      })
      .catch(function () {
        failures += 1;
        setOnline(false);
      })
      .then(function () {
        window.clearTimeout(deadline);
        inFlight = false;
        schedule();
      });
  }

  function now() {
    // Poll at once (the tab came back, the network returned), unless a poll is under way.
    if (stopped || inFlight) return;
    schedule(0);
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      now();
      badgeSoon();
    }
  });
  window.addEventListener("online", function () {
    failures = 0;
    now();
  });
  window.addEventListener("offline", function () {
    setOnline(false);
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) now(); // back from the browser's page cache
  });

  // --- The Inbox link's badge --------------------------------------------------------------

  function touchesBadge(event) {
    if (event.kind.indexOf("conversation.") === 0) return true;
    return event.kind === "message.created" && event.data && event.data.direction === "in";
  }

  function inboxLink() {
    if (!INBOX_URL) return null;
    return document.querySelector('nav.sidebar a[href="' + INBOX_URL + '"]');
  }

  function showBadge(count) {
    var link = inboxLink();
    if (!link) return;
    var badge = link.querySelector(".live-badge");
    if (!count) {
      if (badge) badge.remove();
      return;
    }
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "live-badge";
      link.appendChild(badge);
    }
    var shown = count > 99 ? "99+" : String(count);
    var number = document.createElement("span");
    number.setAttribute("aria-hidden", "true");
    number.textContent = shown;
    var words = document.createElement("span");
    words.className = "visually-hidden";
    words.textContent = " (" + count + " waiting for a person)";
    badge.replaceChildren(number, words);
  }

  function refreshBadge() {
    badgeTimer = null;
    if (!BADGE_URL || !inboxLink()) return;
    window
      .fetch(BADGE_URL, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok && !response.redirected ? response.json() : null;
      })
      .then(function (body) {
        if (body && typeof body.waiting === "number") showBadge(body.waiting);
      })
      .catch(function () {
        /* the next change or poll tries again */
      });
  }

  function badgeSoon() {
    window.clearTimeout(badgeTimer);
    badgeTimer = window.setTimeout(refreshBadge, BADGE_DELAY_MS);
  }

  // --- Browser notifications for "needs a person" -----------------------------------------

  var canNotify = "Notification" in window;

  function notifyButtons() {
    return document.querySelectorAll("[data-live-notify]");
  }

  function updateNotifyButtons() {
    var asked = !canNotify || window.Notification.permission !== "default";
    notifyButtons().forEach(function (button) {
      button.hidden = asked;
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-live-notify]");
    if (!button || !canNotify) return;
    var asked = window.Notification.requestPermission(updateNotifyButtons);
    if (asked && asked.then) asked.then(updateNotifyButtons);
  });

  function maybeNotify(event) {
    if (!canNotify || window.Notification.permission !== "granted") return;
    if (event.kind !== "conversation.updated" || !event.data || event.data.change !== "handed_off") return;
    if (!document.hidden && document.hasFocus()) return; // the page itself shows it
    var id = event.data.conversation_id;
    var notice = new window.Notification("A shopper needs a person", {
      body: "Open the conversation to answer them.",
      tag: "souk-needs-person-" + id, // one per conversation, however many tabs are open
    });
    notice.onclick = function () {
      window.focus();
      if (CONVERSATION_URL && id) window.location.assign(CONVERSATION_URL.replace(/\/0\/$/, "/" + id + "/"));
      notice.close();
    };
  }

  // Buttons can arrive later, in a fragment htmx swaps in.
  document.addEventListener("htmx:load", updateNotifyButtons);

  updateNotifyButtons();
  badgeSoon();
  poll();
})();
