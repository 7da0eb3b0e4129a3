"""A manager on a phone, in a real browser: connects a Telegram bot (the fake Telegram),
disconnects it through the confirmation dialog, then previews a dress on every channel, all
under the dashboard's strict CSP and within 390 px."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, expect

from catalog.services import product_create
from channels_adapters.models import ChannelAccount
from shops.models import Role
from tests.browser.dashboard import signed_in_member
from tests.conftest import image_bytes
from tests.fakes.conftest_plugin import fake_telegram  # noqa: F401

WIDTH = 390


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": WIDTH, "height": 844}}


@pytest.fixture
def manager_page(page: Page, live_server, shop, settings, fake_telegram, console_errors):  # noqa: F811
    # Telegram wants an https webhook URL; media show as same-site paths whatever this is.
    settings.SOUK_PUBLIC_URL = "https://souk.example.com"
    settings.TELEGRAM_API_URL = fake_telegram.url
    return signed_in_member(page, live_server.url, shop, Role.MANAGER, console_errors)


def fits_the_screen(page: Page) -> bool:
    page.wait_for_load_state("load")  # measured with the page's stylesheets applied
    return page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def test_a_manager_connects_and_disconnects_a_telegram_bot(
    manager_page: Page,
    shop,
    fake_telegram,  # noqa: F811
):
    page = manager_page
    page.get_by_role("link", name="Channels", exact=True).click()
    expect(page.get_by_role("heading", name="Channels", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Web chat")).to_be_visible()
    assert fits_the_screen(page)

    page.get_by_role("link", name="Connect a Telegram bot").click()
    # The connect page speaks the shop's language (French).
    page.get_by_label("Jeton du bot").fill("999:not-a-real-token")
    page.get_by_role("button", name="Connecter").click()
    expect(page.locator(".form-errors")).to_contain_text("Telegram refused the token")
    expect(page.get_by_label("Jeton du bot")).to_have_value("")  # a secret is never shown back

    page.get_by_label("Jeton du bot").fill(fake_telegram.token)
    page.get_by_role("button", name="Connecter").click()
    expect(page.locator(".flash")).to_contain_text("is connected")
    account = ChannelAccount.objects.get(shop=shop, kind="telegram")
    card = page.locator(f"section[aria-labelledby='channel-{account.pk}']")
    expect(card).to_contain_text("there is nothing to paste")
    assert fits_the_screen(page)
    page.screenshot(path="/tmp/dashboard-channels.png", full_page=True)

    card.get_by_role("button", name="Disconnect").click()
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_contain_text("will stop getting replies")
    dialog.get_by_role("button", name="Confirm").click()
    expect(page.locator(".flash")).to_contain_text("is disconnected")
    assert not ChannelAccount.objects.filter(pk=account.pk).exists()


def test_a_manager_previews_a_dress_on_every_channel(manager_page: Page, shop):
    page = manager_page
    product_create(
        shop=shop,
        title="Robe portefeuille",
        description="Une robe rouge en lin.",
        variants=[
            {"sku": f"ROBE-{size}", "name": size, "price": 4990, "stock": 3}
            for size in ("36", "38", "40", "42", "44")
        ],
        images=[SimpleUploadedFile("robe.jpg", image_bytes(), content_type="image/jpeg")],
    )
    page.get_by_role("link", name="Channels", exact=True).click()
    page.get_by_role("link", name="Preview on every channel").click()

    # Choosing submits the picker by itself (data-autosubmit).
    page.get_by_label("Product", exact=True).select_option(label="Robe portefeuille")

    for app in ("Messenger", "Telegram", "WhatsApp", "SMS", "Web chat"):
        expect(page.get_by_role("heading", name=app, exact=True)).to_be_visible()
    whatsapp = page.locator(".phone-whatsapp")
    expect(whatsapp).to_contain_text("More than 3 choices → list message")
    expect(page.locator(".phone-sms")).to_contain_text("(1-5)")
    photo = page.locator(".phone-telegram img.bubble-photo")
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.naturalWidth") > 0  # served, and allowed by the CSP
    assert fits_the_screen(page)
    page.screenshot(path="/tmp/dashboard-preview.png", full_page=True)
