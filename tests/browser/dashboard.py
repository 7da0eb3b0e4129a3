"""What every dashboard browser test does: watch the console (a CSP violation or a script
error shows up there, and no page may have one) and sign in through the real sign-in page."""

from playwright.sync_api import Page, expect

from tests.dashboard.conftest import PASSWORD, member


def watch_console(page: Page, errors: list[str]) -> Page:
    page.on(
        "console",
        lambda msg: msg.type == "error" and errors.append(f"{page.url}: {msg.text}"),
    )
    page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
    return page


def sign_in(page: Page, base_url: str, email: str, password: str = PASSWORD) -> Page:
    expect.set_options(timeout=10_000)
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(f"{base_url}/dashboard/")
    return page


def signed_in_member(page: Page, base_url: str, shop, role: str, errors: list[str], **kwargs):
    """`page`, watched, signed in as a new `role` member of `shop`; `page.user` is them."""
    user = member(shop, role, **kwargs)
    sign_in(watch_console(page, errors), base_url, user.email)
    page.user = user
    return page
