"""Live updates in a real browser (static/dashboard/live.js): an event written on the server
reaches an open dashboard page within 2 seconds; while the server cannot be reached the page
says "Reconnecting…", then catches up with everything written meanwhile, each event once; a
reload resumes from the stored cursor; the Inbox link shows how many conversations wait."""

import time

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from shops.live import live_event
from shops.live_models import LiveEvent
from shops.models import Role
from tests.browser.dashboard import signed_in_member
from tests.dashboard.dashboard_urls import _conversation

EVENTS_ROUTE = "**/dashboard/live/events/**"
# What Chromium logs for a request the test itself made fail.
FAILED_LOAD = "Failed to load resource"

# Every souk:live event the page dispatches (installed in each page the tab loads). Checks in
# the page are functions, never strings: the CSP forbids evaluating strings.
LISTEN = """
window.heard = [];
document.addEventListener("souk:live", (e) => window.heard.push(e.detail));
"""


def heard(page: Page) -> list[int]:
    return page.evaluate("window.heard.map((e) => e.id)")


def settled_poll(page: Page) -> None:
    """Waits until live.js has a cursor (its first answer arrived)."""
    page.wait_for_function(
        "() => Object.keys(sessionStorage).some((k) => k.startsWith('souk:live:'))"
    )


@pytest.fixture
def agent_page(page: Page, live_server, shop, console_errors) -> Page:
    page.add_init_script(LISTEN)
    signed_in_member(page, live_server.url, shop, Role.AGENT, console_errors)
    settled_poll(page)
    return page


def test_an_event_reaches_an_open_page_within_two_seconds(agent_page: Page, shop):
    page = agent_page
    live_event(shop_id=shop.pk, kind="conversation.created", data={"conversation_id": 7})
    written = time.monotonic()
    page.wait_for_function(
        "() => window.heard.some((e) => e.kind === 'conversation.created'"
        " && e.data.conversation_id === 7)",
        timeout=2000,
    )
    assert time.monotonic() - written < 2
    expect(page.locator("#live-status")).to_be_hidden()


def test_offline_it_says_reconnecting_then_catches_up_with_each_event_once(
    agent_page: Page, shop, console_errors
):
    page = agent_page
    page.route(EVENTS_ROUTE, lambda route: route.abort())
    status = page.get_by_role("status").filter(has_text="Reconnecting…")
    expect(status).to_be_visible(timeout=5000)

    missed = []
    for n in range(3):
        live_event(shop_id=shop.pk, kind="typing", data={"conversation_id": n})
        missed.append(LiveEvent.objects.latest("id").pk)
    time.sleep(1.5)  # more failed polls: still reconnecting, nothing heard
    expect(status).to_be_visible()
    assert not set(missed) & set(heard(page))

    page.unroute(EVENTS_ROUTE)
    expect(status).to_be_hidden(timeout=10_000)
    page.wait_for_function(f"() => {missed!r}.every((id) => window.heard.some((e) => e.id === id))")
    time.sleep(1.5)  # later polls offer the recent events again: announced once only
    ids = heard(page)
    assert [i for i in ids if i in missed] == missed
    console_errors[:] = [e for e in console_errors if FAILED_LOAD not in e]


def test_a_reload_resumes_from_the_stored_cursor(agent_page: Page, shop, console_errors):
    page = agent_page
    page.route(EVENTS_ROUTE, lambda route: route.abort())
    # Written while the page could not hear, long enough ago that a new page would start
    # after it: only a resumed cursor finds it.
    event = LiveEvent.objects.create(
        shop=shop,
        kind="typing",
        data={"conversation_id": 1},
        created_at=timezone.now() - timezone.timedelta(minutes=5),
    )
    page.reload()
    expect(page.get_by_role("status").filter(has_text="Reconnecting…")).to_be_visible()
    page.unroute(EVENTS_ROUTE)
    page.wait_for_function(f"() => window.heard.some((e) => e.id === {event.pk})", timeout=10_000)
    console_errors[:] = [e for e in console_errors if FAILED_LOAD not in e]


def test_the_inbox_link_shows_how_many_conversations_wait_for_a_person(agent_page: Page, shop):
    page = agent_page
    conversation = _conversation(shop)
    type(conversation).objects.filter(pk=conversation.pk).update(
        handed_off=True, last_message_at=timezone.now()
    )
    live_event(
        shop_id=shop.pk,
        kind="conversation.updated",
        data={"conversation_id": conversation.pk, "change": "handed_off"},
    )
    inbox = page.locator("nav.sidebar").get_by_role("link", name="Inbox")
    expect(inbox).to_have_accessible_name("Inbox (1 waiting for a person)", timeout=5000)
    expect(inbox.locator(".live-badge")).to_have_text("1 (1 waiting for a person)")


# The browser's own notifications cannot be observed from a test: this stands in for the
# Notification API (permission already granted) and puts the page in the background.
NOTIFICATIONS_GRANTED = """
window.shown = [];
window.Notification = class {
  constructor(title, options) { window.shown.push({ title, tag: options.tag }); }
  close() {}
  static permission = "granted";
  static requestPermission() { return Promise.resolve("granted"); }
};
document.hasFocus = () => false;
"""


def test_a_hand_off_raises_one_browser_notification_while_the_dashboard_is_in_the_background(
    page: Page, live_server, shop, console_errors
):
    live_event(
        shop_id=shop.pk,
        kind="conversation.updated",
        data={"conversation_id": 41, "change": "handed_off"},
    )  # before the page opened: it shows it already, no notification
    page.add_init_script(LISTEN + NOTIFICATIONS_GRANTED)
    signed_in_member(page, live_server.url, shop, Role.AGENT, console_errors)
    settled_poll(page)

    live_event(
        shop_id=shop.pk, kind="message.created", data={"conversation_id": 42, "direction": "in"}
    )
    live_event(
        shop_id=shop.pk,
        kind="conversation.updated",
        data={"conversation_id": 42, "change": "handed_off"},
    )
    page.wait_for_function("() => window.shown.length > 0")
    time.sleep(1.5)  # the same events offered again are not notified again
    assert page.evaluate("window.shown") == [
        {"title": "A shopper needs a person", "tag": "souk-needs-person-42"}
    ]
