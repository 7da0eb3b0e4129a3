"""A returning shopper reorders in the web chat in a real browser: after a first purchase whose
card she chose to save on the pay page, one message, "OK", and the same order is paid (issue
10: one message with a saved card). Every action is counted as in the five-actions test."""

from playwright.sync_api import Page, expect

from orders.models import Order
from tests.browser.pay_page import pay_with_card
from tests.browser.test_webchat_five_actions import (  # noqa: F401 (fixtures)
    ADDRESS,
    DRESS,
    Shopper,
    browser_context_args,
    demo_chat,
)


def test_a_returning_shopper_with_a_saved_card_reorders_with_one_ok(demo_chat: Page, context):  # noqa: F811
    page, shopper = demo_chat, Shopper(demo_chat)
    expect(page.locator(".msg-out").first).to_be_visible()
    shopper.types("robe rouge")
    card = page.locator(".carousel").last.locator(".card").filter(has_text=DRESS)
    shopper.taps(card.locator(".card-button").first)
    shopper.taps(page.locator(".chips").last.locator(".chip").filter(has_text="38").first)
    with context.expect_page() as opened:
        shopper.taps(page.locator(".chips").last.locator("a.chip").first)
    pay_page = opened.value
    pay_page.locator(".pay-choice", has_text="Colissimo").locator("input").check()
    pay_page.locator('[name="save_card"]').check()  # her explicit choice, never pre-ticked
    asked = {n: v for n, v in ADDRESS.items() if pay_page.locator(f'[name="{n}"]').count()}
    pay_with_card(pay_page, **asked)
    # The payment, the receipt and its news run in the request: give a loaded machine time.
    expect(pay_page.locator(".pay-ok")).to_be_visible(timeout=30_000)
    pay_page.close()
    expect(page.locator(".msg-out").filter(has_text="n°1001")).not_to_have_count(0)
    shopper.actions.clear()  # another day

    shopper.types("OK")

    expect(page.locator(".msg-out").filter(has_text="n°1002 est réglée")).not_to_have_count(0)
    second = Order.objects.get(number=1002)
    assert (second.payment_status, second.total) == ("paid", Order.objects.get(number=1001).total)
    assert [line.sku for line in second.lines.all()] == ["RPR-38"]
    assert shopper.actions == ["typed 'OK'"]
