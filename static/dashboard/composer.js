// The inbox composer (templates/conversations/inbox/_composer.html): the SMS segment counter,
// "/" saved replies, Ctrl/Cmd+Enter to send, the WhatsApp template picker and its preview, and
// a fresh copy of the rules when the shopper writes or the window closes. Loaded as a file
// (CSP); events are delegated to the document, so a composer htmx swaps in later just works.
//
// The SMS counting is channels_adapters/sms/gsm.py's (to_gsm, then segments), ported line for
// line: tests/browser/test_dashboard_composer.py runs both on the same examples.
(function (root) {
  "use strict";

  // --- SMS segments (3GPP TS 23.038), as gsm.py counts them ------------------------------------

  var GSM7_BASIC = new Set(
    Array.from(
      "@£$¥èéùìòÇ\nØø\rÅå" +
        "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ" +
        " !\"#¤%&'()*+,-./" +
        "0123456789:;<=>?" +
        "¡ABCDEFGHIJKLMNO" +
        "PQRSTUVWXYZÄÖÑÜ§" +
        "¿abcdefghijklmno" +
        "pqrstuvwxyzäöñüà"
    )
  );
  var GSM7_EXTENSION = new Set(Array.from("\f^{}\\[~]|€"));
  var GSM7 = { single: 160, segment: 153 };
  var UCS2 = { single: 70, segment: 67 };

  // Typographic characters with a GSM-7 stand-in (gsm._TO_GSM, Twilio's Smart Encoding).
  var TO_GSM = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
    "\u00b4": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"', "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-",
    "\u2014": "-", "\u2015": "-", "\u2212": "-", "\u2022": "-", "\u00b7": "-",
    "\u2026": "...", "\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u2009": " ", "\u2002": " ",
    "\u2003": " ", "\t": " ", "\u200b": "", "\u00ad": "", "\ufeff": ""
  };

  function toGsm(text) {
    var out = "";
    for (var ch of text) {
      out += Object.prototype.hasOwnProperty.call(TO_GSM, ch) ? TO_GSM[ch] : ch;
    }
    return out;
  }

  // Characters are code points, as Python's str: an emoji outside the BMP costs 2 UTF-16 units.
  function costs(text) {
    var chars = Array.from(text);
    var gsm = chars.every(function (c) {
      return GSM7_BASIC.has(c) || GSM7_EXTENSION.has(c);
    });
    if (gsm) {
      return { encoding: "gsm7", costs: chars.map(function (c) { return GSM7_EXTENSION.has(c) ? 2 : 1; }) };
    }
    return { encoding: "ucs2", costs: chars.map(function (c) { return c.codePointAt(0) > 0xffff ? 2 : 1; }) };
  }

  // {encoding, segments} of `text` as one message: an escape sequence or a surrogate pair is
  // never cut across segments, so a character that does not fit starts the next one.
  function segments(text) {
    var counted = costs(text);
    var sizes = counted.encoding === "gsm7" ? GSM7 : UCS2;
    var total = counted.costs.reduce(function (a, b) { return a + b; }, 0);
    if (total === 0) return { encoding: counted.encoding, segments: 0 };
    if (total <= sizes.single) return { encoding: counted.encoding, segments: 1 };
    var count = 1;
    var used = 0;
    counted.costs.forEach(function (cost) {
      if (used + cost > sizes.segment) {
        count += 1;
        used = 0;
      }
      used += cost;
    });
    return { encoding: counted.encoding, segments: count };
  }

  function money(amount, currency, exponent, language) {
    var locale = { fr: "fr-FR", en: "en-US" }[language] || String(language || "en").replace("_", "-");
    var value = amount / Math.pow(10, exponent);
    try {
      return new Intl.NumberFormat(locale, { style: "currency", currency: currency }).format(value);
    } catch (error) {
      return value.toFixed(exponent) + " " + currency;
    }
  }

  // What the counter says: the same sentence as channels_adapters/sms/cost.py (reply_cost).
  function smsLine(text, price) {
    var counted = segments(toGsm(text));
    var each = money(price.cost, price.currency, price.exponent, price.language);
    if (counted.segments === 0) return "SMS: each segment ~" + each;
    var count = counted.segments === 1 ? "1 segment" : "≈ " + counted.segments + " segments";
    var total = money(counted.segments * price.cost, price.currency, price.exponent, price.language);
    var line = "SMS: " + count + " · ~" + total;
    if (counted.encoding === "ucs2") line += " · UCS-2: special characters make segments shorter";
    return line;
  }

  var api = { toGsm: toGsm, segments: segments, smsLine: smsLine };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  root.SoukComposer = api;
  if (typeof document === "undefined") return;

  // --- The page ---------------------------------------------------------------------------------

  function composerOf(el) {
    return el && el.closest ? el.closest("[data-composer]") : null;
  }

  function updateCount(textarea) {
    var composer = composerOf(textarea);
    var counter = composer && composer.querySelector("#composer-count");
    if (!counter) return;
    counter.textContent = smsLine(textarea.value, {
      cost: Number(counter.dataset.segmentCost),
      currency: counter.dataset.currency,
      exponent: Number(counter.dataset.exponent),
      language: counter.dataset.language
    });
  }

  // Saved replies: "/" then letters, at the start of the text or after a space.
  function slashToken(textarea) {
    var upto = textarea.value.slice(0, textarea.selectionStart);
    var match = /(^|\s)\/([^\s/]*)$/.exec(upto);
    if (!match) return null;
    return { start: upto.length - match[2].length - 1, end: upto.length, query: match[2].toLowerCase() };
  }

  function cannedList(textarea) {
    var composer = composerOf(textarea);
    return composer && composer.querySelector("#composer-canned");
  }

  function visibleOptions(list) {
    return Array.from(list.querySelectorAll("[role=option]")).filter(function (o) { return !o.hidden; });
  }

  function setActive(textarea, list, option) {
    list.querySelectorAll("[role=option]").forEach(function (o) {
      o.setAttribute("aria-selected", o === option ? "true" : "false");
    });
    if (option) {
      textarea.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      textarea.removeAttribute("aria-activedescendant");
    }
  }

  function closeCanned(textarea) {
    var list = cannedList(textarea);
    if (!list) return;
    list.hidden = true;
    setActive(textarea, list, null);
  }

  function suggest(textarea) {
    var list = cannedList(textarea);
    if (!list) return;
    var token = slashToken(textarea);
    var shown = 0;
    list.querySelectorAll("[role=option]").forEach(function (option) {
      var match = token !== null && option.dataset.shortcut.toLowerCase().indexOf(token.query) === 0;
      option.hidden = !match;
      if (match) shown += 1;
    });
    if (!shown) {
      closeCanned(textarea);
      return;
    }
    list.hidden = false;
    setActive(textarea, list, visibleOptions(list)[0]);
  }

  function insertCanned(textarea, option) {
    var token = slashToken(textarea);
    if (!token) return;
    var text = option.dataset.text;
    textarea.value = textarea.value.slice(0, token.start) + text + textarea.value.slice(token.end);
    var caret = token.start + text.length;
    textarea.setSelectionRange(caret, caret);
    closeCanned(textarea);
    updateCount(textarea);
    textarea.focus();
  }

  function submit(form) {
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  }

  document.addEventListener("input", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-composer-text]")) {
      updateCount(el);
      suggest(el);
    } else if (el.matches && el.matches(".composer-template input")) {
      updatePreview(el.closest(".composer-template"));
    }
  });

  document.addEventListener("keydown", function (event) {
    var textarea = event.target;
    if (!textarea.matches || !textarea.matches("[data-composer-text]")) return;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      closeCanned(textarea);
      if (textarea.form) submit(textarea.form);
      return;
    }
    var list = cannedList(textarea);
    if (!list || list.hidden) return;
    var options = visibleOptions(list);
    var active = list.querySelector("[aria-selected=true]");
    var index = options.indexOf(active);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      setActive(textarea, list, options[(index + step + options.length) % options.length]);
    } else if ((event.key === "Enter" || event.key === "Tab") && !event.shiftKey && active) {
      event.preventDefault();
      insertCanned(textarea, active);
    } else if (event.key === "Escape") {
      event.preventDefault();
      closeCanned(textarea);
    }
  });

  // mousedown, not click: the textarea keeps its focus and its caret.
  document.addEventListener("mousedown", function (event) {
    var option = event.target.closest && event.target.closest("#composer-canned [role=option]");
    if (!option) return;
    event.preventDefault();
    var textarea = composerOf(option).querySelector("[data-composer-text]");
    if (textarea) insertCanned(textarea, option);
  });

  // --- WhatsApp templates: the chosen one's fields, and what the shopper will read ----------------

  function updatePreview(fieldset) {
    var preview = fieldset && fieldset.querySelector(".composer-preview");
    if (!preview) return;
    var labels = (preview.dataset.labels || "").split("|");
    preview.textContent = preview.dataset.body.replace(/\{\{\s*(\d+)\s*\}\}/g, function (whole, n) {
      var input = fieldset.querySelector('input[data-param="' + n + '"]');
      var value = input ? input.value.trim() : "";
      return value || "[" + (labels[Number(n) - 1] || n) + "]";
    });
  }

  function showTemplate(select) {
    var composer = composerOf(select);
    composer.querySelectorAll(".composer-template").forEach(function (fieldset) {
      fieldset.hidden = fieldset.dataset.template !== select.value;
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-composer-template]")) {
      showTemplate(event.target);
    }
  });

  // --- Keeping the rules current --------------------------------------------------------------

  // A fresh composer from the server, unless the agent is typing: their text is never lost
  // (a reply sent after the window closed is refused with the text kept).
  function refresh(composer) {
    if (!composer || !document.contains(composer) || !window.htmx) return;
    var textarea = composer.querySelector("[data-composer-text]");
    if (textarea && textarea.value.trim()) return;
    var target = composer.closest("#composer");
    if (!target) return;
    // `source`: htmx queues requests per element; without it every htmx.ajax call queues on
    // <body> and drops all but the last of a burst (the thread's refresh among them).
    window.htmx.ajax("GET", composer.dataset.composerUrl, {
      source: target,
      target: target,
      swap: "innerHTML",
    });
  }

  var DAY = 24 * 3600 * 1000;

  function init(scope) {
    (scope.matches && scope.matches("[data-composer]") ? [scope] : Array.from(scope.querySelectorAll("[data-composer]")))
      .forEach(function (composer) {
        if (composer.dataset.ready) return;
        composer.dataset.ready = "yes";
        var select = composer.querySelector("[data-composer-template]");
        if (select) showTemplate(select);
        var textarea = composer.querySelector("[data-composer-text]");
        if (textarea) updateCount(textarea);
        var closes = Date.parse(composer.dataset.closesAt || "");
        if (!isNaN(closes) && closes - Date.now() < DAY) {
          setTimeout(function () { refresh(composer); }, Math.max(0, closes - Date.now()) + 1000);
        }
      });
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.detail.elt); });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "composer") return;
    init(target);
    var verb = event.detail.requestConfig && event.detail.requestConfig.verb;
    var textarea = target.querySelector("[data-composer-text]");
    if (verb === "post" && textarea) textarea.focus();
  });

  // Live events (static/dashboard/live.js): the shopper wrote, so the window may have opened
  // (or they sent STOP). Nothing else changes what the rules allow.
  document.addEventListener("souk:live", function (event) {
    var live = event.detail || {};
    var data = live.data || {};
    if (live.kind !== "message.created" || data.direction !== "in") return;
    document.querySelectorAll("[data-composer]").forEach(function (composer) {
      if (String(data.conversation_id) === composer.dataset.conversationId) refresh(composer);
    });
  });
})(typeof window !== "undefined" ? window : globalThis);
