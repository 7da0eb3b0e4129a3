"""In a real browser under the strict CSP: an owner invites a manager, revokes another
invitation through the confirmation dialog, and the invited person accepts on a 390 px wide
phone, lands in the shop and finds what a manager may do; the owner sets the shop's logo
(previewed before upload) and adds, reorders and deletes shipping rates."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from orders.models import ShippingRate
from shops.models import Invitation, Membership, Role, User
from tests.browser.dashboard import signed_in_member, watch_console
from tests.conftest import image_bytes

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True}


@pytest.fixture
def owner_page(page: Page, live_server, shop, console_errors):
    return signed_in_member(page, live_server.url, shop, Role.OWNER, console_errors)


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


def test_an_owner_invites_and_the_new_manager_joins_from_a_phone(
    owner_page: Page, browser: Browser, live_server, shop, settings, console_errors
):
    settings.SOUK_PUBLIC_URL = live_server.url
    page = owner_page
    page.get_by_role("link", name="Team").click()
    expect(page.get_by_role("heading", name="Team", level=1)).to_be_visible()

    page.get_by_label("E-mail address").fill("lea@example.com")
    page.get_by_label("Role", exact=True).select_option("manager")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text("Invitation sent to lea@example.com as Manager")).to_be_visible()
    page.get_by_label("E-mail address").fill("tom@example.com")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("cell", name="tom@example.com")).to_be_visible()

    # Revoking asks first, saying what happens; Cancel changes nothing.
    tom_row = page.get_by_role("row").filter(has_text="tom@example.com")
    tom_row.get_by_role("button", name="Revoke").click()
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_contain_text("The link in their e-mail stops working.")
    dialog.get_by_role("button", name="Cancel").click()
    assert Invitation.objects.get(email="tom@example.com").state == "pending"
    tom_row.get_by_role("button", name="Revoke").click()
    dialog.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("The invitation to tom@example.com is revoked.")).to_be_visible()
    assert Invitation.objects.get(email="tom@example.com").state == "revoked"

    [lea_mail] = [m for m in mail.outbox if m.to == ["lea@example.com"]]
    link = re.search(r"http://\S+/accounts/invitation/\S+/", lea_mail.body).group(0)

    phone = browser.new_context(**PHONE)
    lea = phone.new_page()
    watch_console(lea, console_errors)
    lea.goto(link)
    expect(lea.get_by_role("heading", name="Join Maison Rouge")).to_be_visible()
    no_sideways_scroll(lea)
    lea.get_by_label("Your name").fill("Léa Martin")
    lea.get_by_label("Password", exact=True).fill("short")
    lea.get_by_label("Password (again)").fill("short")
    lea.get_by_role("button", name="Create my account and join").click()
    expect(lea.get_by_text("This password is too short.")).to_be_visible()
    expect(lea.get_by_label("Your name")).to_have_value("Léa Martin")

    lea.get_by_label("Password", exact=True).fill("a-long-and-unusual-passphrase")
    lea.get_by_label("Password (again)").fill("a-long-and-unusual-passphrase")
    lea.get_by_role("button", name="Create my account and join").click()

    expect(lea).to_have_url(f"{live_server.url}/dashboard/")
    expect(lea.get_by_text("Welcome to the team of Maison Rouge, as manager.")).to_be_visible()
    no_sideways_scroll(lea)
    user = User.objects.get(email="lea@example.com")
    assert Membership.objects.get(user=user, shop=shop).role == Role.MANAGER
    # A manager's menu: shipping yes, team and shop settings no.
    expect(lea.get_by_role("link", name="Shipping")).to_have_count(1)
    expect(lea.get_by_role("link", name="Team")).to_have_count(0)
    lea.screenshot(path="/tmp/invitation-accepted-phone.png", full_page=True)
    phone.close()

    # Back on the owner's side, Léa is in the team, without two-factor yet.
    page.reload()
    row = page.get_by_role("row").filter(has_text="lea@example.com")
    expect(row).to_contain_text("Off")
    expect(row.get_by_label("Role of lea@example.com")).to_have_value("manager")


def test_an_owner_sets_the_logo_and_manages_shipping_rates(owner_page: Page, shop, tmp_path):
    page = owner_page
    # Until the page's load event, its deferred script may not listen for the file yet.
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name="Shop").click()
    logo = tmp_path / "logo.png"
    logo.write_bytes(image_bytes(fmt="PNG", size=(300, 120)))
    page.get_by_label("New logo image").set_input_files(str(logo))
    expect(page.locator("#logo-preview img")).to_have_attribute("alt", "Preview of logo.png")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The shop's profile is saved.")).to_be_visible()
    current = page.get_by_alt_text("Current logo of Maison Rouge")
    page.wait_for_function(
        "img => img.complete && img.naturalWidth === 300", arg=current.element_handle()
    )

    page.get_by_role("link", name="Shipping").click()
    for name, amount in (("Colissimo", "4,90"), ("Retrait boutique", "")):
        page.get_by_role("link", name="Add a rate").click()
        page.get_by_label("Name", exact=True).fill(name)
        if not amount:
            page.get_by_label("Kind").select_option("pickup")
        page.get_by_label("Cost (EUR)").fill(amount)
        page.get_by_role("button", name="Add the rate").click()
        expect(page.get_by_text(f"Shipping rate “{name}” added.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Colissimo")).to_contain_text("4,90\xa0€")

    page.get_by_role("button", name="Move Retrait boutique up").click()
    expect(page.locator("tbody tr").first).to_contain_text("Retrait boutique")
    assert [r.name for r in ShippingRate.objects.for_shop(shop)] == [
        "Retrait boutique",
        "Colissimo",
    ]

    page.get_by_role("row").filter(has_text="Colissimo").get_by_role(
        "button", name="Delete"
    ).click()
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_contain_text("orders already placed keep its name and cost")
    dialog.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Shipping rate “Colissimo” deleted.")).to_be_visible()
    assert [r.name for r in ShippingRate.objects.for_shop(shop)] == ["Retrait boutique"]
