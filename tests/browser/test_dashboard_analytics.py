"""The analytics page in a real browser on a phone-sized screen: Chart.js (served from
/static/, under the strict CSP) draws the three charts from the page's JSON block, the tables
stay, the page fits 390 px, the periods switch and the orders CSV downloads."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from orders.models import FunnelStep
from shops.models import Role
from tests.browser.dashboard import signed_in_member
from tests.dashboard.analytics_helpers import ago, conversation, message, order, step
from tests.dashboard.conftest import member


@pytest.fixture
def owner(browser, live_server, shop, console_errors):
    context = browser.new_context(viewport={"width": 390, "height": 844}, accept_downloads=True)
    page = signed_in_member(context.new_page(), live_server.url, shop, Role.OWNER, console_errors)
    yield page
    context.close()


def _busy_week(shop) -> None:
    agent = member(shop, Role.AGENT, email="lea@example.com")
    for n, kind in enumerate(("telegram", "webchat", "whatsapp", "telegram")):
        chat = conversation(shop, kind, started=ago(days=n + 1), name=f"Client {n}")
        step(chat, FunnelStep.PRODUCT_VIEWED, ago(days=n + 1))
        if n % 2 == 0:
            step(chat, FunnelStep.ADDED_TO_CART, ago(days=n + 1))
            step(chat, FunnelStep.CHECKOUT_STARTED, ago(days=n + 1))
            if n == 0:
                message(chat, ago(days=n + 1, hours=2), author=agent)
            order(shop, chat, 4990 + n * 1000, paid_at=ago(days=n + 1))


def test_an_owner_reads_the_weeks_figures_charts_and_exports_the_orders(
    shop, owner: Page, live_server, console_errors
):
    _busy_week(shop)

    owner.get_by_role("link", name="Analytics", exact=True).first.click()
    expect(owner.locator("h1")).to_have_text("Analytics")
    expect(owner.get_by_role("link", name="Last 7 days")).to_have_attribute("aria-current", "page")
    revenue = owner.locator('[data-figure="revenue"] .value')
    expect(revenue).to_have_text("119,80\u00a0€")

    for chart in ("series", "funnel", "attribution"):
        box = owner.locator(f'[data-chart="{chart}"]')
        expect(box).to_be_visible()
        width = box.locator("canvas").evaluate("canvas => canvas.width")
        assert width > 100, (chart, width)
    assert owner.evaluate("typeof window.Chart") == "function"
    expect(owner.get_by_role("row", name="The bot")).to_be_visible()
    expect(owner.get_by_role("row", name="lea@example.com")).to_be_visible()
    # Nothing wider than a phone: charts and tables scroll inside their panels.
    assert owner.evaluate("document.documentElement.scrollWidth") <= 390

    with owner.expect_download() as download:
        owner.get_by_role("link", name="Orders (CSV)").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("number;placed_at;paid_at;channel")
    assert len(text.splitlines()) == 3  # the header and the two orders placed this week

    owner.get_by_role("link", name="Today").click()
    expect(owner.get_by_role("link", name="Today")).to_have_attribute("aria-current", "page")
    expect(owner.locator('[data-chart="series"]')).to_be_visible()
    expect(owner.get_by_text("No order was paid in this period.")).to_be_visible()
