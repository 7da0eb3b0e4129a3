// Souk chat widget: what a brand pastes into its own site.
//
//   <script src="https://<souk>/chat/widget.js" data-shop="<shop slug>" async></script>
//
// Optional: data-color="#8a4b08" (the bubble and the chat's accent), data-label="Chat with us".
// It draws a round button in the bottom-right corner; a click opens the shop's chat
// (/chat/<slug>/embed/) in a frame beside it, full screen on a phone. Styles are set on the
// elements themselves (no stylesheet, no inline <style>), so a strict policy on the brand's
// site does not block them, and the brand's own CSS does not reach into the chat.
(function () {
  "use strict";

  const script = document.currentScript;
  if (!script || !script.dataset.shop || window.__soukWidget) return;
  window.__soukWidget = true;

  const HEX = /^#[0-9a-fA-F]{6}$/;
  const SLUG = /^[-a-zA-Z0-9_]+$/;
  const shop = script.dataset.shop;
  if (!SLUG.test(shop)) return;
  const color = HEX.test(script.dataset.color || "") ? script.dataset.color : "#8a4b08";
  const label = script.dataset.label || "Chat";
  const origin = new URL(script.src, window.location.href).origin;
  const chatUrl = new URL(`/chat/${shop}/embed/`, origin);
  chatUrl.searchParams.set("color", color);
  const PHONE = window.matchMedia("(max-width: 480px)");

  function style(node, rules) {
    Object.assign(node.style, rules);
    return node;
  }

  const CHAT_ICON =
    "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z";
  const CLOSE_ICON = "M6 6l12 12M18 6 6 18";

  function icon(path, stroke) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "28");
    svg.setAttribute("height", "28");
    svg.setAttribute("aria-hidden", "true");
    const shape = document.createElementNS(ns, "path");
    shape.setAttribute("d", path);
    if (stroke) {
      shape.setAttribute("fill", "none");
      shape.setAttribute("stroke", "#fff");
      shape.setAttribute("stroke-width", "2.5");
      shape.setAttribute("stroke-linecap", "round");
    } else {
      shape.setAttribute("fill", "#fff");
    }
    svg.append(shape);
    return svg;
  }

  const bubble = style(document.createElement("button"), {
    position: "fixed",
    right: "20px",
    bottom: "20px",
    width: "60px",
    height: "60px",
    borderRadius: "50%",
    border: "0",
    padding: "0",
    background: color,
    boxShadow: "0 4px 16px rgba(0,0,0,.25)",
    cursor: "pointer",
    zIndex: "2147483000",
    display: "grid",
    placeItems: "center",
  });
  bubble.type = "button";
  bubble.className = "souk-chat-bubble";
  bubble.setAttribute("aria-label", label);
  bubble.setAttribute("aria-expanded", "false");
  bubble.title = label;
  bubble.append(icon(CHAT_ICON, false));

  let frame = null;

  function place() {
    if (!frame) return;
    const phone = PHONE.matches;
    style(frame, {
      right: phone ? "0" : "20px",
      bottom: phone ? "0" : "92px",
      width: phone ? "100%" : "380px",
      height: phone ? "100%" : "min(640px, calc(100vh - 120px))",
      borderRadius: phone ? "0" : "16px",
    });
  }

  function open() {
    if (!frame) {
      frame = style(document.createElement("iframe"), {
        position: "fixed",
        border: "0",
        background: "#fff",
        boxShadow: "0 8px 40px rgba(0,0,0,.25)",
        zIndex: "2147483001",
      });
      frame.className = "souk-chat-frame";
      frame.title = label;
      frame.src = chatUrl.href;
      frame.allow = "geolocation";
      place();
      document.body.append(frame);
    }
    frame.hidden = false;
    bubble.setAttribute("aria-expanded", "true");
    bubble.replaceChildren(icon(CLOSE_ICON, true));
    // On a phone the chat covers the page: the button that closes it moves to the top
    // corner, over the chat's header, clear of its composer.
    style(bubble, { zIndex: "2147483002" });
    if (PHONE.matches) style(bubble, { top: "8px", bottom: "auto", width: "44px", height: "44px" });
  }

  function close() {
    frame.hidden = true;
    bubble.setAttribute("aria-expanded", "false");
    bubble.replaceChildren(icon(CHAT_ICON, false));
    style(bubble, { top: "auto", bottom: "20px", width: "60px", height: "60px" });
    bubble.focus();
  }

  bubble.addEventListener("click", () => (frame && !frame.hidden ? close() : open()));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && frame && !frame.hidden) close();
  });
  PHONE.addEventListener("change", place);

  function mount() {
    document.body.append(bubble);
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
