"""Generated from the URL configuration and the role table, so every page is covered:

- every URL, every role and every method it accepts: 403 exactly when shops/roles.py says the
  role lacks the permission, and never a 500 (even for an empty POST);
- every URL naming an object, with another shop's object: 404 for GET and POST, as for an id
  that does not exist;
- every URL signed out: sent to the sign-in page.
"""

import pytest
from django.test import Client

from shops.models import Role
from shops.roles import role_can
from tests.dashboard.conftest import member, signed_in
from tests.dashboard.dashboard_urls import dashboard_urls, names_objects, url_for

URLS = dashboard_urls()
ROLES = [Role.AGENT, Role.MANAGER, Role.OWNER]


def test_the_dashboard_has_its_pages():
    names = {str(url) for url in URLS}
    assert {"dashboard:overview", "dashboard:shop_switch"} <= names
    assert len(URLS) > 10


@pytest.mark.parametrize("url", URLS, ids=str)
def test_every_dashboard_view_declares_its_permissions(url):
    assert getattr(url.view, "dashboard_permissions", None), (
        f"{url} is not wrapped in shops.dashboard_access.dashboard_view"
    )


def _cases():
    for url in URLS:
        for role in ROLES:
            for method in sorted(set(url.permissions) - {"HEAD"}):
                yield pytest.param(url, role, method, id=f"{url}-{role}-{method}")


@pytest.mark.parametrize(("url", "role", "method"), list(_cases()))
def test_each_role_is_allowed_exactly_what_the_table_says(shop, url, role, method):
    client = signed_in(member(shop, role))
    path = url_for(url, shop)
    response = client.get(path) if method == "GET" else client.post(path, {})
    allowed = role_can(role, url.permissions[method])
    if allowed:
        assert response.status_code not in (403, 500), (path, response.status_code)
    else:
        assert response.status_code == 403, (path, response.status_code)


@pytest.mark.parametrize("url", [u for u in URLS if names_objects(u)], ids=str)
def test_another_shops_objects_are_not_found(shop, other_shop, url):
    client = signed_in(member(shop, Role.OWNER))
    path = url_for(url, other_shop)
    for method in sorted(set(url.permissions) - {"HEAD"}):
        response = client.get(path) if method == "GET" else client.post(path, {})
        assert response.status_code == 404, (method, path, response.status_code)


@pytest.mark.parametrize("url", URLS, ids=str)
def test_signed_out_visitors_are_sent_to_sign_in(client, shop, url):
    path = url_for(url, shop)
    response = client.get(path)
    if "GET" not in url.permissions:
        assert response.status_code in (302, 405)
        response = client.post(path, {})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("url", [u for u in URLS if "POST" in u.permissions], ids=str)
def test_every_form_post_needs_the_csrf_token(shop, url):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member(shop, Role.OWNER))
    response = client.post(url_for(url, shop), {})
    assert response.status_code == 403
    assert b"CSRF" in response.content
