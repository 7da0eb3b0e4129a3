"""The web chat's composer and its embeddable widget, in Chromium: several lines in one
message, the server's limit counted as the shopper types and a longer text refused whole;
arrows that scroll a carousel with a mouse; and the widget on a brand's page, served from
another site, opening the chat in a bubble of the brand's colour."""

import threading
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Page, expect

from catalog.services import product_create
from channels_adapters.models import InboundEvent
from channels_adapters.webchat.wire import MAX_TEXT_CHARS
from conversations.models import Message

BRAND_COLOUR = "#0a7e8c"


def watch(page: Page, console_errors: list[str]) -> Page:
    page.on("console", lambda msg: msg.type == "error" and console_errors.append(msg.text))
    page.on("pageerror", lambda exc: console_errors.append(str(exc)))
    expect.set_options(timeout=10_000)
    return page


@pytest.fixture
def phone(browser, playwright):
    context = browser.new_context(**playwright.devices["Pixel 7"])
    yield context
    context.close()


@pytest.fixture
def chat(phone, live_server, settings, shop, console_errors) -> Page:
    settings.SOUK_PUBLIC_URL = live_server.url
    page = watch(phone.new_page(), console_errors)
    page.goto(f"{live_server.url}/chat/{shop.slug}/")
    expect(page.locator(".msg-out").first).to_be_visible()  # the bot's greeting
    return page


def test_the_composer_sends_several_lines_and_refuses_a_text_over_the_limit(chat: Page, shop):
    page = chat
    composer = page.locator("#chat-input")
    composer.fill("Bonjour,")
    composer.press("Shift+Enter")
    composer.press_sequentially("une robe rouge en 38 ?")
    expect(composer).to_have_value("Bonjour,\nune robe rouge en 38 ?")
    composer.press("Enter")
    sent = page.locator(".msg-in .bubble").last
    expect(sent).to_have_text("Bonjour,\nune robe rouge en 38 ?")
    expect(composer).to_have_value("")

    counter = page.locator("#chat-counter")
    expect(counter).to_be_hidden()  # nothing to count yet
    composer.fill("a" * 1700)
    expect(counter).to_have_text(f"1700 / {MAX_TEXT_CHARS}")

    too_long = "a" * (MAX_TEXT_CHARS + 1)
    composer.fill(too_long)
    expect(counter).to_have_text(f"{MAX_TEXT_CHARS + 1} / {MAX_TEXT_CHARS}")
    expect(counter).to_have_class("chat-counter over")
    alert = page.locator("#chat-too-long")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text(str(MAX_TEXT_CHARS))
    bubbles = page.locator(".msg-in").count()
    composer.press("Enter")
    page.locator(".chat-send").click()
    # Refused here: nothing sent, nothing cut, the text still there to shorten.
    expect(composer).to_have_value(too_long)
    expect(page.locator(".msg-in")).to_have_count(bubbles)

    composer.press("End")
    composer.press("Backspace")
    expect(alert).to_be_hidden()
    composer.press("Enter")
    expect(composer).to_have_value("")
    expect(page.locator(".msg-in.pending")).to_have_count(0)
    stored = InboundEvent.objects.order_by("-id").first()
    assert stored.payload["text"] == "a" * MAX_TEXT_CHARS


def test_arrows_scroll_a_carousel_with_a_mouse(
    browser, live_server, settings, shop, console_errors
):
    settings.SOUK_PUBLIC_URL = live_server.url
    for n, colour in enumerate(("rouge", "bleue", "verte", "noire"), start=1):
        product_create(
            shop=shop,
            title=f"Robe {colour}",
            variants=[{"sku": f"R-{n}", "name": "38", "price": 4990, "stock": 5}],
        )
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = watch(context.new_page(), console_errors)
    page.goto(f"{live_server.url}/chat/{shop.slug}/")
    page.locator("#chat-input").fill("robe")
    page.locator("#chat-input").press("Enter")

    strip = page.locator(".carousel").last
    expect(strip.locator(".card").nth(2)).to_be_attached()  # three cards: wider than the chat
    frame = page.locator(".carousel-frame").last
    previous, following = frame.locator(".carousel-previous"), frame.locator(".carousel-next")
    expect(previous).to_be_hidden()  # at the start
    expect(following).to_be_visible()
    expect(page.locator(".typing")).to_have_count(0)  # the log has stopped moving
    following.click()
    page.wait_for_function("s => s.scrollLeft > 0", arg=strip.element_handle())
    expect(previous).to_be_visible()  # a way back, once moved
    context.close()


class _BrandSite(BaseHTTPRequestHandler):
    """A brand's home page with the snippet pasted in, on another site than Souk."""

    def do_GET(self):
        body = (
            "<!doctype html><html><head><title>Brand</title></head><body>"
            "<h1>Our brand</h1>"
            f'<script src="{self.server.souk}/chat/widget.js" data-shop="{self.server.slug}" '
            f'data-color="{BRAND_COLOUR}" async></script>'
            "</body></html>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def brand_site(live_server, shop):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _BrandSite)
    server.souk, server.slug = live_server.url, shop.slug
    threading.Thread(target=partial(server.serve_forever, poll_interval=0.1), daemon=True).start()
    # "localhost" and "127.0.0.1" are different sites: the chat is a third-party frame here.
    yield f"http://localhost:{server.server_address[1]}/"
    server.shutdown()


def test_the_widget_opens_the_chat_on_a_brands_site(
    browser, brand_site, live_server, settings, shop, console_errors
):
    settings.SOUK_PUBLIC_URL = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = watch(context.new_page(), console_errors)
    page.goto(brand_site)

    bubble = page.locator(".souk-chat-bubble")
    expect(bubble).to_be_visible()
    assert bubble.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(10, 126, 140)"
    box = bubble.bounding_box()
    assert box["x"] > 1280 - 120 and box["y"] > 800 - 120  # the bottom-right corner

    bubble.click()
    expect(bubble).to_have_attribute("aria-expanded", "true")
    chat = page.frame_locator(".souk-chat-frame")
    expect(chat.locator("h1")).to_have_text(shop.name)
    expect(chat.locator(".msg-out").first).to_be_visible()  # the bot greeted, through the frame

    chat.locator("#chat-input").fill("bonjour")
    chat.locator("#chat-input").press("Enter")
    expect(chat.locator(".msg-in .bubble").last).to_have_text("bonjour")
    expect(chat.locator(".msg-in.pending, .msg-in.failed")).to_have_count(0)  # stored
    assert Message.objects.filter(direction="in", text="bonjour").count() == 1
    accent = chat.locator("html").evaluate(
        "html => getComputedStyle(html).getPropertyValue('--accent').trim()"
    )
    assert accent == BRAND_COLOUR

    bubble.click()
    expect(page.locator(".souk-chat-frame")).to_be_hidden()
    context.close()
