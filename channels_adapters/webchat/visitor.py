"""Who is chatting: a random visitor id in a signed, HttpOnly cookie, one per shop.

The id is the visitor's identity on the shop's web chat channel (CustomerIdentity.external_id);
the signature means a page cannot claim another visitor's id. The cookie is salted and scoped
to the shop's chat path, so two shops never see the same id for one person.
"""

import secrets

from django.conf import settings
from django.core import signing

from channels_adapters.webchat.wire import VISITOR_ID

COOKIE_NAME = "souk_visitor"
MAX_AGE = 365 * 24 * 3600


def _salt(shop_slug: str) -> str:
    return f"souk.webchat.visitor:{shop_slug}"


def cookie_path(shop_slug: str) -> str:
    return f"/chat/{shop_slug}/"


def visitor_new() -> str:
    return secrets.token_urlsafe(18)


def visitor_from_request(request, *, shop_slug: str) -> str | None:
    """The visitor id when the cookie is present and its signature is ours; else None."""
    try:
        visitor = request.get_signed_cookie(COOKIE_NAME, salt=_salt(shop_slug), max_age=MAX_AGE)
    except (KeyError, signing.BadSignature):
        return None
    return visitor if VISITOR_ID.match(visitor) else None


def visitor_cookie_set(response, *, visitor: str, shop_slug: str) -> None:
    response.set_signed_cookie(
        COOKIE_NAME,
        visitor,
        salt=_salt(shop_slug),
        max_age=MAX_AGE,
        path=cookie_path(shop_slug),
        httponly=True,
        samesite="Lax",
        # Same policy as the session cookie: Secure unless DEBUG, overridable by environment.
        secure=settings.SESSION_COOKIE_SECURE,
    )
