"""The dashboard shell: signing in, the current shop and its switcher, the 403 page, CSRF, the
Content-Security-Policy and brute-force throttling."""

import re
import uuid

import pytest
from django.test import Client

from shops.dashboard_access import SESSION_SHOP_KEY
from shops.models import Role, User
from tests.dashboard.conftest import member, signed_in

PASSWORD = "a-long-test-password"


def sign_in(client: Client, email: str, password: str = PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_signing_in_lands_on_the_overview_of_the_users_shop(client, shop):
    user = member(shop, Role.OWNER, "lea@example.com")
    response = client.get("/dashboard/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")

    response = sign_in(client, user.email)
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    page = client.get("/dashboard/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Maison Rouge" in html
    assert "lea@example.com" in html


def test_a_wrong_password_says_so_and_signs_nobody_in(client, shop):
    member(shop, Role.OWNER, "lea@example.com")
    response = sign_in(client, "lea@example.com", "wrong-password")
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert client.get("/dashboard/").status_code == 302


def test_repeated_failed_sign_ins_are_refused_for_a_while(client, shop, sign_in_throttled):
    email = f"lea-{uuid.uuid4().hex[:8]}@example.com"  # the limit's counter may be in Redis
    member(shop, Role.OWNER, email)
    pages = [sign_in(client, email, "guess").content.decode() for _ in range(6)]
    throttled = "Too many failed login attempts"
    assert throttled not in pages[0]
    assert throttled in pages[-1]  # allauth's login_failed limit: 5 per 5 minutes per account
    # Even the right password is refused while the account is throttled.
    assert throttled in sign_in(client, email).content.decode()
    assert client.get("/dashboard/").status_code == 302


def test_nobody_signs_up_from_an_open_form(client, db):
    response = client.post(
        "/accounts/signup/",
        {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert not User.objects.filter(email="new@example.com").exists()
    assert response.status_code in (200, 403)
    assert "closed" in response.content.decode().lower()


def test_a_user_without_a_shop_is_told_so(client, db):
    user = User.objects.create_user("lonely@example.com", PASSWORD)
    response = signed_in(user).get("/dashboard/")
    assert response.status_code == 403
    assert "No shop yet" in response.content.decode()


def test_a_user_in_two_shops_switches_from_the_header(shop, other_shop):
    user = member(shop, Role.AGENT, "both@example.com")
    member(other_shop, Role.OWNER, "both@example.com")
    client = signed_in(user)
    html = client.get("/dashboard/").content.decode()
    assert 'name="shop_id"' in html and "Other Brand" in html and "Maison Rouge" in html

    response = client.post("/dashboard/shop/switch/", {"shop_id": other_shop.pk})
    assert response.status_code == 302
    assert client.session[SESSION_SHOP_KEY] == other_shop.pk
    heading = re.search(r"<h1>(.*?)</h1>", client.get("/dashboard/").content.decode())
    assert heading.group(1) == "Other Brand"


def test_switching_to_a_shop_one_does_not_work_for_is_not_found(shop, other_shop):
    client = signed_in(member(shop, Role.OWNER))
    response = client.post("/dashboard/shop/switch/", {"shop_id": other_shop.pk})
    assert response.status_code == 404
    assert client.post("/dashboard/shop/switch/", {"shop_id": "x"}).status_code == 404
    assert SESSION_SHOP_KEY not in client.session


def test_the_menu_shows_only_what_the_role_may_open(shop):
    agent_html = signed_in(member(shop, Role.AGENT)).get("/dashboard/").content.decode()
    owner_html = signed_in(member(shop, Role.OWNER)).get("/dashboard/").content.decode()
    for owner_only in ("API keys", "Team", "Webhooks"):
        assert owner_only in owner_html
        assert owner_only not in agent_html
    assert "Orders" in agent_html


def test_a_forbidden_page_is_a_403_page_in_the_dashboard(shop):
    client = signed_in(member(shop, Role.AGENT))
    response = client.get("/dashboard/settings/api-keys/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "You cannot do that here" in html and "agent" in html


def test_posts_without_a_csrf_token_are_refused(shop):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member(shop, Role.OWNER))
    response = client.post("/dashboard/shop/switch/", {"shop_id": shop.pk})
    assert response.status_code == 403


@pytest.mark.parametrize("path", ["/dashboard/", "/accounts/login/"])
def test_pages_carry_a_strict_content_security_policy_and_no_inline_script(client, shop, path):
    if path == "/dashboard/":
        client = signed_in(member(shop, Role.OWNER))
    response = client.get(path)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    html = response.content.decode()
    # Every <script> loads a file; none carries code.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert " style=" not in html


def test_htmx_and_the_stylesheet_come_from_our_own_static_files(shop):
    html = signed_in(member(shop, Role.OWNER)).get("/dashboard/").content.decode()
    sources = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert any("htmx" in src for src in sources)
    assert all(src.startswith("/static/") for src in sources)


def test_pagination_links_keep_the_query_and_name_their_own_parameter(rf):
    from django.core.paginator import Paginator
    from django.template.loader import render_to_string

    request = rf.get("/dashboard/settings/team/", {"page": "2", "invitations_page": "2"})
    invitations = Paginator(range(60), 25).page(2)
    html = render_to_string(
        "dashboard/_pagination.html",
        {"page": invitations, "param": "invitations_page", "label": "Pages of invitations"},
        request=request,
    )
    assert 'aria-label="Pages of invitations"' in html
    assert 'href="?page=2&amp;invitations_page=1"' in html
    assert 'href="?page=2&amp;invitations_page=3"' in html
    assert "Page 2 of 3" in html
    single = Paginator(range(5), 25).page(1)
    assert "pagination" not in render_to_string(
        "dashboard/_pagination.html", {"page": single}, request=request
    )
