"""A secret shown once: on the page the create form redirects to, then never again.

Between the POST that created it and the GET that shows it, the secret waits in the session,
encrypted with FIELD_ENCRYPTION_KEY (the session store never holds it in clear), bound to the
shop, the kind and the id of what it belongs to, for a few minutes at most. The page that shows
it takes it out of the session, so a reload or a second visit shows nothing; that page must not
be cached (`never_cache`). Never in a URL, never in a message, never logged.
"""

import time

from django.http import HttpRequest

from shops.crypto import decrypt_json, encrypt_json

SESSION_KEY = "dashboard_secret_once"
MAX_AGE_SECONDS = 10 * 60


def secret_keep(request: HttpRequest, *, kind: str, object_id: int, secret: str) -> None:
    request.session[SESSION_KEY] = encrypt_json(
        {
            "shop": request.shop.pk,
            "kind": kind,
            "id": object_id,
            "secret": secret,
            "at": time.time(),
        }
    )


def secret_take(request: HttpRequest, *, kind: str, object_id: int | None = None) -> dict | None:
    """{"id", "secret"} when a secret of `kind` (and `object_id`, if given) for the current
    shop is waiting, removing it from the session. Another page's secret is left waiting;
    an expired one is dropped."""
    token = request.session.get(SESSION_KEY)
    if not token:
        return None
    try:
        kept = decrypt_json(token)
    except ValueError:  # encrypted with a key since rotated away: nothing to show
        kept = {}
    if time.time() - kept.get("at", 0) > MAX_AGE_SECONDS:
        del request.session[SESSION_KEY]
        return None
    mine = kept.get("shop") == request.shop.pk and kept.get("kind") == kind
    if not mine or object_id not in (None, kept.get("id")):
        return None
    del request.session[SESSION_KEY]
    return {"id": kept["id"], "secret": kept["secret"]}
