"""An owner, in a real browser under the strict CSP: creates an API key, copies it (shown once),
revokes it through the confirmation dialog; adds a webhook endpoint, sends a test event and
reads the delivery in the log; then the same pages on a 390 px wide phone."""

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from shops.models import ApiKey, Role, WebhookDelivery
from shops.webhooks import services
from tests.browser.dashboard import signed_in_member
from tests.fakes.receiver import FakeReceiver


@pytest.fixture
def owner_page(page: Page, live_server, shop, console_errors):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    return signed_in_member(page, live_server.url, shop, Role.OWNER, console_errors)


@pytest.fixture
def receiver(settings):
    settings.SOUK_WEBHOOK_TIMEOUT_SECONDS = 2
    with FakeReceiver() as fake:
        yield fake


def test_an_owner_creates_copies_and_revokes_a_key(owner_page: Page, shop):
    page = owner_page
    page.get_by_role("link", name="API keys").click()
    expect(page.get_by_role("heading", name="API keys", level=1)).to_be_visible()

    page.get_by_label("Name").fill("ERP sync")
    page.get_by_role("button", name="Create key").click()

    secret = page.locator("#new-key-secret")
    expect(secret).to_have_text(re.compile(r"^souk_[\w-]{40,}$"))
    raw_key = secret.inner_text()
    copy = page.locator('button[data-copy="#new-key-secret"]')
    # Shown by secrets.js where the clipboard can be written (hidden without JavaScript).
    expect(copy).to_be_visible()
    expect(copy).to_have_text("Copy the key")
    copy.click()
    expect(copy).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == raw_key
    page.screenshot(path="/tmp/api-key-created.png", full_page=True)

    page.reload()
    expect(page.locator("#new-key-secret")).to_have_count(0)

    # Revoking asks first, in the dialog, saying what will happen; Cancel changes nothing.
    page.get_by_role("button", name="Revoke ERP sync").click()
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_contain_text("Every integration using it stops working at once")
    dialog.get_by_role("button", name="Cancel").click()
    assert ApiKey.objects.get(shop=shop).revoked_at is None

    page.get_by_role("button", name="Revoke ERP sync").click()
    dialog.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("revoked: it no longer opens the API")).to_be_visible()
    expect(page.locator("table.list")).to_contain_text("Revoked")
    assert ApiKey.objects.get(shop=shop).revoked_at is not None


def test_an_owner_adds_an_endpoint_and_sends_a_test_event(owner_page: Page, shop, receiver):
    page = owner_page
    page.get_by_role("link", name="Webhooks").click()
    page.get_by_role("link", name="Add an endpoint").first.click()

    page.get_by_label("URL").fill("https://10.0.0.8/hook")
    page.get_by_label("order.paid: an order was paid").check()
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.locator(".field.has-error")).to_contain_text("Must be a public address")

    page.get_by_label("URL").fill(receiver.endpoint_url())
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.locator("#webhook-secret")).to_have_text(re.compile(r"^whsec_"))

    page.get_by_role("button", name="Send test event").click()
    expect(page.get_by_text("Test event sent")).to_be_visible()
    row = page.locator("table.list tbody tr").first
    expect(row).to_contain_text("ping")
    expect(row).to_contain_text("Succeeded")
    assert receiver.requests[0].json["type"] == "ping"
    assert WebhookDelivery.objects.get().status == "succeeded"
    expect(page.locator("#webhook-secret")).to_have_count(0)  # shown once, before the test

    row.get_by_role("link", name="ping").click()
    expect(page.get_by_role("heading", name="Payload sent")).to_be_visible()
    expect(page.locator("pre").last).to_contain_text('"type": "ping"')


LONG_URL = "https://hooks.example.com/souk/" + "very-long-path-segment/" * 6 + "?token=abcdef"


@pytest.mark.parametrize("path", ["api-keys/", "webhooks/", "payments/", "endpoint", "delivery"])
def test_the_settings_pages_fit_a_phone(owner_page: Page, live_server, shop, path):
    page = owner_page
    if path in ("endpoint", "delivery"):
        endpoint, _ = services.webhook_endpoint_create(
            shop=shop, url=LONG_URL, events=["order.paid"]
        )
        delivery = WebhookDelivery.objects.create(
            shop=shop,
            endpoint=endpoint,
            event_id=uuid.uuid4(),
            event_type="order.paid",
            payload={"type": "order.paid", "data": {"note": "x" * 300}},
            response_body="y" * 500,
        )
        path = f"webhooks/{endpoint.pk}/" + (
            f"deliveries/{delivery.pk}/" if path == "delivery" else ""
        )
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/dashboard/settings/{path}")
    expect(page.locator("h1")).to_be_visible()
    page.screenshot(
        path=f"/tmp/settings-{path.strip('/').replace('/', '-')}-phone.png", full_page=True
    )
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{path} is {overflow}px wider than the phone"
