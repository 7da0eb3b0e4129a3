"""The dashboard's current shop and its permission check, in one place.

- `CurrentShopMiddleware` gives every request `request.dashboard` (DashboardAccess): the
  signed-in user's membership in the shop chosen in the session (the header's shop switcher),
  or their first shop. Resolved lazily, so requests that never look (API, webhooks) pay nothing.
  Inside a dashboard view, `request.shop` and `request.membership` are set and never None.
  URLs never carry a shop: a dashboard URL names an object of the current shop only, and an id
  of another shop is simply not found (404).
- `dashboard_view(permission, post=…)` wraps every dashboard view: sign-in required (a
  redirect to the sign-in page, or `HX-Redirect` for htmx), a membership required, then the
  permission from shops/roles.py for the request's method (403 page when missing). The
  declared permissions stay on the view (`view.dashboard_permissions`) so tests can walk every
  URL and check each role against the table.
"""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render, resolve_url
from django.utils import timezone
from django.utils.functional import SimpleLazyObject, cached_property

from shops.models import Membership, Shop
from shops.roles import permissions_for_template, role_can

SESSION_SHOP_KEY = "dashboard_shop_id"
SAFE_METHODS = ("GET", "HEAD")


def memberships_of(user) -> list[Membership]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        Membership.objects.filter(user=user).select_related("shop").order_by("shop__name", "id")
    )


class DashboardAccess:
    """Who is asking, in which shop: computed on first use, once per request."""

    def __init__(self, request: HttpRequest):
        self.request = request

    @cached_property
    def memberships(self) -> list[Membership]:
        return memberships_of(self.request.user)

    @cached_property
    def membership(self) -> Membership | None:
        if not self.memberships:
            return None
        chosen = self.request.session.get(SESSION_SHOP_KEY)
        for membership in self.memberships:
            if membership.shop_id == chosen:
                return membership
        return self.memberships[0]

    @property
    def shop(self) -> Shop | None:
        return self.membership.shop if self.membership else None

    @property
    def role(self) -> str | None:
        return self.membership.role if self.membership else None


class CurrentShopMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.dashboard = DashboardAccess(request)
        return self.get_response(request)


def shop_switch(request: HttpRequest, *, shop_id: int) -> Membership | None:
    """Makes `shop_id` the current shop if the user works there; None (→ 404) otherwise."""
    for membership in request.dashboard.memberships:
        if membership.shop_id == shop_id:
            request.session[SESSION_SHOP_KEY] = shop_id
            return membership
    return None


def _to_sign_in(request: HttpRequest) -> HttpResponse:
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = resolve_url(settings.LOGIN_URL)
        return response
    return redirect_to_login(request.get_full_path())


def dashboard_view(permission: str | None, *, post: str | None = None) -> Callable:
    """`permission` for GET/HEAD (None: an action, POST only), `post` (if given) for POST;
    any other method is a 405."""
    permissions = {"GET": permission, "HEAD": permission} if permission else {}
    if post is not None:
        permissions["POST"] = post
    for name in set(permissions.values()):
        role_can(None, name)  # an unknown permission fails at import, not at request time

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return _to_sign_in(request)
            needed = permissions.get(request.method)
            if needed is None:
                return HttpResponseNotAllowed(sorted(set(permissions)))
            access: DashboardAccess = request.dashboard
            if access.membership is None:
                return render(request, "dashboard/no_shop.html", status=403)
            if not role_can(access.role, needed):
                raise PermissionDenied(needed)
            request.membership, request.shop = access.membership, access.shop
            # Dates on every page read in the shop's time zone, not the server's.
            with timezone.override(access.shop.timezone):
                return view(request, *args, **kwargs)

        wrapper.dashboard_permissions = permissions
        return wrapper

    return decorate


def dashboard_context(request: HttpRequest) -> dict:
    """Template context: the current shop, the user's shops (switcher) and `can`. Lazy: pages
    that never use them (the web chat, the pay page) run no query for them."""
    access: DashboardAccess | None = getattr(request, "dashboard", None)
    if access is None:
        return {}
    return {
        "current_shop": SimpleLazyObject(lambda: access.shop),
        "current_role": SimpleLazyObject(lambda: access.role or ""),
        "my_memberships": SimpleLazyObject(lambda: access.memberships),
        "can": SimpleLazyObject(lambda: permissions_for_template(access.role)),
        "navigation": SimpleLazyObject(lambda: _navigation(request, access)),
    }


def _navigation(request: HttpRequest, access: DashboardAccess) -> list:
    # The shell (dashboard app) owns the menu; imported here so shops stays at the bottom.
    from dashboard.navigation import navigation_for

    match = getattr(request, "resolver_match", None)
    return navigation_for(role=access.role, current_url_name=match.url_name if match else "")
