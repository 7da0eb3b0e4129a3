// Souk web chat: draws the conversation log and posts what the shopper types or taps.
// Shop and shopper data reach the page only through textContent and checked http(s) URLs,
// never through innerHTML. Each message carries a client_id made here, so a POST retried after
// a network error is stored once by the server.
(function () {
  "use strict";

  const FAST_MS = 700; // while a reply is expected
  const SLOW_MS = 5000; // otherwise, while the tab is visible (a person may answer later)
  const FAST_WINDOW_MS = 10000; // how long a reply is waited for at the fast pace
  const SETTLE_MS = 2100; // after a reply, stay fast: the rest of the answer may follow
  const PAGE = 100; // the server's page size: a full page means there is more

  const config = JSON.parse(document.getElementById("chat-config").textContent);
  const strings = config.strings;
  const log = document.getElementById("chat-log");
  const form = document.getElementById("chat-composer");
  const input = document.getElementById("chat-input");
  const counter = document.getElementById("chat-counter");
  const tooLong = document.getElementById("chat-too-long");
  const locationButton = document.getElementById("chat-location");
  const csrfToken = form.elements.csrfmiddlewaretoken.value;
  const maxChars = config.maxChars;
  const COUNTER_FROM = 0.8; // the counter shows once four fifths of the limit are used
  const LOCATION_PAYLOAD = "location"; // messages.SHARE_LOCATION: the bot asks where to deliver
  // The visitor's languages, in their order: the server answers in the first one it speaks
  // (the page's lang attribute is the shop's choice, not the visitor's).
  const languages = (navigator.languages && navigator.languages.length
    ? Array.from(navigator.languages)
    : [navigator.language]
  )
    .filter(Boolean)
    .slice(0, 10);

  // Inside a brand's site (the widget) the visitor is a signed token kept in this frame's own
  // storage and sent as a header: browsers withhold cookies from third-party frames.
  // The key names the site around the frame too: where a browser does not partition a
  // frame's storage by site, another site embedding the same chat still starts afresh.
  const visitorHeaders = {};
  if (config.visitorToken) {
    const ancestors = window.location.ancestorOrigins;
    const around = (ancestors && ancestors.length && ancestors[0]) || document.referrer || "";
    let site = "";
    try {
      site = around ? new URL(around).origin : "";
    } catch (error) {
      site = "";
    }
    const key = `souk-visitor:${config.storageKey}:${site}`;
    let token = config.visitorToken;
    try {
      token = window.localStorage.getItem(key) || token;
      window.localStorage.setItem(key, token);
    } catch (error) {
      // Storage refused (a strict privacy mode): this page's token lasts as long as the page.
    }
    visitorHeaders[config.visitorHeader] = token;
  }
  const credentials = config.visitorToken ? "omit" : "same-origin";

  let lastId = 0;
  let fastUntil = 0;
  let awaiting = false;
  let timer = null;
  let polling = false;
  let pollAgain = false;
  const pending = new Map(); // client_id -> the shopper's bubble, shown before the server has it
  // Set when the last tap came from the keyboard: the answer's first button then takes the
  // focus, so a keyboard user goes on with Enter and Tab as a finger would with taps.
  let keyboardUser = false;

  // --- DOM helpers ---------------------------------------------------------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function safeUrl(url) {
    if (!url) return "";
    try {
      const parsed = new URL(url, window.location.href);
      return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : "";
    } catch (error) {
      return "";
    }
  }

  function uuid4() {
    if (window.crypto.randomUUID) return window.crypto.randomUUID();
    // randomUUID needs a secure context; a phone trying the demo over plain http on the LAN
    // still has getRandomValues.
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function nearBottom() {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 120;
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  // --- rendering -----------------------------------------------------------------------------

  function row(direction) {
    return el("div", `msg msg-${direction}`);
  }

  function bubble(text) {
    return el("div", "bubble", text);
  }

  // `shown` is what the shopper's bubble says after the tap (defaults to the button title).
  function actionButton(button, className, shown) {
    const url = safeUrl(button.url);
    if (button.url) {
      if (!url) return null;
      const link = el("a", className, button.title);
      link.href = url;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      return link;
    }
    if (!button.payload) return null;
    const tap = el("button", className, button.title);
    tap.type = "button";
    const title = shown || button.title;
    tap.addEventListener("click", (event) => {
      keyboardUser = event.detail === 0; // a click made by Enter or Space counts no presses
      send({ payload: button.payload, title });
    });
    return tap;
  }

  // The bot offers to use the shopper's location: the browser asks their permission, and the
  // coordinates go to the bot as a shared location (as Telegram and WhatsApp send one).
  function locationChip(option) {
    if (!navigator.geolocation) return null;
    const chip = el("button", "chip chip-location", option.title);
    chip.type = "button";
    chip.addEventListener("click", shareLocation);
    return chip;
  }

  function shareLocation() {
    navigator.geolocation.getCurrentPosition(
      (position) => {
        const { latitude, longitude } = position.coords;
        send({ latitude, longitude });
      },
      () => showComposerNote(strings.location_denied),
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  }

  function image(url, alt, className) {
    const img = el("img", className);
    img.src = url;
    img.alt = alt || "";
    img.loading = "lazy";
    img.decoding = "async";
    return img;
  }

  function card(data) {
    const node = el("article", "card");
    const imageUrl = safeUrl(data.image_url);
    if (imageUrl) node.append(image(imageUrl, data.title, "card-image"));
    const body = el("div", "card-body");
    body.append(el("h2", "card-title", data.title));
    if (data.price) body.append(el("p", "card-price", data.price));
    if (data.subtitle) body.append(el("p", "card-subtitle", data.subtitle));
    node.append(body);
    const actions = el("div", "card-actions");
    for (const button of data.buttons || []) {
      // "Choisir" alone would not say which product was chosen.
      const shown = data.title ? `${button.title} — ${data.title}` : button.title;
      const action = actionButton(button, "card-button", shown);
      if (action) actions.append(action);
    }
    // Short buttons (+1, -1, Remove) sit side by side; longer ones stack.
    if (actions.childElementCount > 1 && (data.buttons || []).every((b) => b.title.length <= 10)) {
      actions.classList.add("card-actions-row");
    }
    if (actions.childElementCount) node.append(actions);
    return node;
  }

  // A mouse cannot swipe: beside a strip wider than the chat, arrows scroll it a card at a
  // time (CSS shows them only where there is a pointer that hovers, on a wide screen).
  function carouselWithArrows(strip) {
    const frame = el("div", "carousel-frame");
    const previous = el("button", "carousel-arrow carousel-previous", "‹");
    const next = el("button", "carousel-arrow carousel-next", "›");
    previous.type = next.type = "button";
    previous.setAttribute("aria-label", strings.previous);
    next.setAttribute("aria-label", strings.next);
    previous.tabIndex = next.tabIndex = -1; // the strip itself scrolls with the arrow keys
    const step = () => (strip.querySelector(".card")?.offsetWidth || 240) + 10;
    previous.addEventListener("click", () => strip.scrollBy({ left: -step(), behavior: "smooth" }));
    next.addEventListener("click", () => strip.scrollBy({ left: step(), behavior: "smooth" }));
    const update = () => {
      previous.hidden = strip.scrollLeft <= 2;
      next.hidden = strip.scrollLeft + strip.clientWidth >= strip.scrollWidth - 2;
    };
    strip.addEventListener("scroll", update, { passive: true });
    window.addEventListener("resize", update);
    window.requestAnimationFrame(update);
    frame.append(previous, strip, next);
    return frame;
  }

  function outbound(body) {
    const node = row("out");
    if (body.type === "quick_replies") {
      if (body.text) node.append(bubble(body.text));
      const chips = el("div", "chips");
      for (const option of body.options || []) {
        const chip =
          option.payload === LOCATION_PAYLOAD ? locationChip(option) : actionButton(option, "chip");
        if (chip) chips.append(chip);
      }
      if (chips.childElementCount) node.append(chips);
    } else if (body.type === "carousel") {
      if (body.text) node.append(bubble(body.text));
      const strip = el("div", "carousel");
      strip.tabIndex = 0; // scrollable with the arrow keys
      for (const data of body.cards || []) strip.append(card(data));
      const more = body.more && actionButton(body.more, "card-more");
      if (more) strip.append(more);
      node.append(carouselWithArrows(strip));
    } else if (body.type === "image") {
      const url = safeUrl(body.url);
      const figure = el("figure", "bubble bubble-image");
      if (url) figure.append(image(url, body.caption, "msg-image"));
      if (body.caption) figure.append(el("figcaption", "", body.caption));
      node.append(figure);
    } else if (body.text) {
      node.append(bubble(body.text));
    } else {
      return null;
    }
    return node;
  }

  function inbound(body) {
    const located = body.type === "location" || body.latitude !== undefined;
    const shown = body.text || (located ? strings.location_sent : body.title);
    if (!shown) return null; // the page's own "start" tap: nothing the shopper said
    const node = row("in");
    node.append(bubble(shown));
    return node;
  }

  function typingIndicator() {
    let node = log.querySelector(".typing");
    if (!node) {
      node = row("out");
      node.classList.add("typing");
      node.setAttribute("role", "status");
      const dots = el("div", "bubble typing-dots");
      dots.append(el("span", "visually-hidden", strings.typing));
      for (let i = 0; i < 3; i += 1) {
        const dot = el("span", "dot");
        dot.setAttribute("aria-hidden", "true");
        dots.append(dot);
      }
      node.append(dots);
    }
    return node;
  }

  function showTyping(on) {
    const stick = nearBottom();
    if (on) log.append(typingIndicator()); // (re)placed last
    else log.querySelector(".typing")?.remove();
    if (stick) scrollToEnd();
  }

  // Quick replies answer the latest message only (as in Messenger): older chips go.
  function lastMessage() {
    const messages = log.querySelectorAll(".msg:not(.typing)");
    return messages[messages.length - 1];
  }

  function keepLastChips() {
    const last = lastMessage();
    for (const chips of log.querySelectorAll(".chips")) {
      if (last && last.contains(chips)) continue;
      // The focus must not vanish with the chip that had it.
      if (chips.contains(document.activeElement)) log.focus({ preventScroll: true });
      chips.remove();
    }
  }

  function focusAnswer() {
    if (document.activeElement === input) return; // never take the focus from someone typing
    const target = lastMessage()?.querySelector(".chip, .card-button, .card-more");
    if (target) target.focus({ preventScroll: true });
  }

  function append(node) {
    const typing = log.querySelector(".typing");
    log.insertBefore(node, typing);
  }

  function render(entries) {
    const stick = nearBottom();
    for (const entry of entries) {
      lastId = Math.max(lastId, entry.id);
      const body = entry.body || {};
      const mine = entry.direction === "in" && pending.get(body.client_id);
      if (mine) {
        pending.delete(body.client_id);
        mine.classList.remove("pending", "failed"); // stored after all: nothing to retry
        mine.querySelector(".failed-note")?.remove();
        append(mine); // moved after anything that arrived before the server stored it
        continue;
      }
      const node = entry.direction === "in" ? inbound(body) : outbound(body);
      // A person of the shop answered (not the bot): their name above the message.
      if (node && entry.author) node.prepend(el("p", "msg-author", entry.author));
      if (node) append(node);
    }
    keepLastChips();
    locationButton.hidden = !(navigator.geolocation && lastMessage()?.querySelector(".chip-location"));
    if (keyboardUser && entries.some((entry) => entry.direction === "out")) focusAnswer();
    if (stick) scrollToEnd();
  }

  // --- talking to the server -----------------------------------------------------------------

  function schedule(delay) {
    window.clearTimeout(timer);
    timer = window.setTimeout(poll, delay);
  }

  function scheduleNext(gotFull) {
    const now = Date.now();
    if (gotFull) return schedule(0);
    if (now < fastUntil) return schedule(FAST_MS);
    if (awaiting) {
      awaiting = false; // slow to answer (a person, perhaps): keep listening, quietly
      showTyping(false);
    }
    if (document.visibilityState === "visible") schedule(SLOW_MS);
  }

  async function poll() {
    if (polling) {
      pollAgain = true;
      return;
    }
    polling = true;
    let entries = [];
    try {
      const response = await fetch(`${config.messagesUrl}?after=${lastId}`, {
        headers: { Accept: "application/json", ...visitorHeaders },
        credentials,
        cache: "no-store",
      });
      if (response.ok) entries = await response.json();
    } catch (error) {
      // Offline for a moment: the next poll catches up from lastId.
    }
    polling = false;
    if (entries.length) {
      if (entries.some((entry) => entry.direction === "out")) {
        awaiting = false;
        showTyping(false);
        fastUntil = Math.max(fastUntil, Date.now() + SETTLE_MS);
      }
      render(entries);
    }
    if (pollAgain) {
      pollAgain = false;
      return schedule(0);
    }
    scheduleNext(entries.length >= PAGE);
  }

  function markFailed(node, message, status) {
    if (!node) {
      // The page's own "start" tap has no bubble to offer a retry on: try again by itself,
      // unless the server refused it for good.
      if (status === 0 || status === 429 || status >= 500) {
        window.setTimeout(() => post(message, null), 3000);
      }
      return;
    }
    node.classList.remove("pending");
    node.classList.add("failed");
    node.querySelector(".failed-note")?.remove();
    const note = el("div", "failed-note", `${strings.not_sent} `);
    const retry = el("button", "retry", strings.retry);
    retry.type = "button";
    retry.addEventListener("click", () => {
      // A forbidden answer means the visitor cookie or CSRF token is gone: a reload renews both.
      if (status === 403) return window.location.reload();
      note.remove();
      node.classList.remove("failed");
      node.classList.add("pending");
      post(message, node);
    });
    note.append(retry);
    node.append(note);
  }

  async function post(message, node) {
    awaiting = true;
    fastUntil = Date.now() + FAST_WINDOW_MS;
    showTyping(true);
    let status = 0;
    try {
      const response = await fetch(config.messagesUrl, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": csrfToken,
          ...visitorHeaders,
        },
        credentials,
        body: JSON.stringify(message),
      });
      status = response.status;
    } catch (error) {
      status = 0;
    }
    if (status !== 202) {
      // The answer was lost but the log already has the message (a later poll saw it).
      if (node && !pending.has(message.client_id)) return schedule(0);
      awaiting = false;
      showTyping(false);
      markFailed(node, message, status);
      return;
    }
    schedule(0);
  }

  // What the shopper typed or tapped: shown at once, confirmed when the log has it.
  function send(fields) {
    const message = { client_id: uuid4(), languages, ...fields };
    const node = inbound(message);
    if (node) {
      node.classList.add("pending");
      pending.set(message.client_id, node);
      append(node);
      keepLastChips();
      scrollToEnd();
    }
    post(message, node);
  }

  // --- the composer ----------------------------------------------------------------------------

  // Counted as the server counts: characters (code points), surrounding spaces left out.
  function typedLength() {
    return [...input.value.trim()].length;
  }

  function fill(template, count) {
    return template.replace("{count}", count).replace("{limit}", maxChars);
  }

  function showComposerNote(text) {
    tooLong.textContent = text;
    tooLong.hidden = !text;
  }

  function updateComposer() {
    const count = typedLength();
    const over = count > maxChars;
    counter.textContent = count >= maxChars * COUNTER_FROM ? fill(strings.counter, count) : "";
    counter.classList.toggle("over", over);
    input.setAttribute("aria-invalid", over ? "true" : "false");
    // The note goes once the text fits again, or as soon as the shopper types after
    // another note (a refused location).
    showComposerNote(over ? fill(strings.too_long, count) : "");
    // Grows with its lines up to a limit (the CSS max-height), then scrolls.
    input.style.height = "auto";
    input.style.height = `${input.scrollHeight}px`;
  }

  function submit() {
    const text = input.value.trim();
    if (!text) return;
    const count = typedLength();
    if (count > maxChars) {
      // Refused here, said plainly: never cut, never sent to be refused by the server.
      showComposerNote(fill(strings.too_long, count));
      input.focus();
      return;
    }
    keyboardUser = false; // the focus stays in the composer
    input.value = "";
    updateComposer();
    send({ text });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });

  // Enter sends, Shift+Enter starts a new line (and an input method composing a word keeps
  // its Enter).
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  input.addEventListener("input", updateComposer);
  locationButton.addEventListener("click", shareLocation);

  if (config.accent) document.documentElement.style.setProperty("--accent", config.accent);

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") schedule(0);
  });

  // First visit: the page taps "start" itself so the bot greets and shows its menu.
  async function start() {
    await poll();
    if (lastId === 0 && !awaiting) send({ payload: "start" });
  }

  start();
})();
