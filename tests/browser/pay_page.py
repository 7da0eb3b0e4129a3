"""The shopper on the test provider's hosted pay page, in a real browser: fields are found by
their names, so the steps read the same whatever language the page speaks."""

from datetime import date

from playwright.sync_api import Page, expect

FUTURE_EXPIRY = f"12 / {(date.today().year + 3) % 100:02d}"


def pay_with_card(pay_page: Page, number: str = "4242 4242 4242 4242", **details: str) -> None:
    """Fills the card (and any detail field the page asks: name → value) and pays once."""
    for name, value in details.items():
        field = pay_page.locator(f'[name="{name}"]')
        if field.evaluate("node => node.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    pay_page.locator('[name="card_number"]').fill(number)
    pay_page.locator('[name="expiry"]').fill(FUTURE_EXPIRY)
    pay_page.locator('[name="cvc"]').fill("123")
    pay_page.locator("button.pay-button").click()


def expect_paid(pay_page: Page) -> None:
    expect(pay_page.locator(".pay-ok")).to_be_visible()
