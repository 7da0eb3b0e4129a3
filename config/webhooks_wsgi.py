"""The platforms' webhooks (`/webhooks/…`) served without the middleware of pages.

A webhook is a machine's POST: no session, no signed-in user, no CSRF token (the views are
`csrf_exempt`; they check the platform's signature), no flash messages, no HTML to frame or
to guard with a Content-Security-Policy, no dashboard shop. Running the site's twelve
middleware around each one cost about 0.1 ms of CPU per request in process (0.16 to 0.20 ms
with them, 0.06 to 0.07 ms with these two, a bare view), on the hottest path of the site
(docs/performance.md, `intake`). What stays, in the site's order and with the site's
settings: SecurityMiddleware (HTTPS redirect, HSTS, nosniff) and CommonMiddleware (disallowed
user agents, trailing slashes). Same URLconf, same error handlers, same request signals
(database connections are handled as for any request).
"""

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

WEBHOOK_PREFIX = "/webhooks/"
WEBHOOK_MIDDLEWARE = frozenset(
    {
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.common.CommonMiddleware",
    }
)


class WebhookHandler(WSGIHandler):
    """Django's WSGI handler with only the site's middleware that a webhook needs."""

    def load_middleware(self, is_async=False):
        # BaseHandler reads settings.MIDDLEWARE itself: give it the webhooks' list while it
        # builds the chain (once, at start-up, before any request).
        site = settings.MIDDLEWARE
        settings.MIDDLEWARE = [name for name in site if name in WEBHOOK_MIDDLEWARE]
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = site


def with_lean_webhooks(site, webhooks=None):
    """A WSGI application sending `/webhooks/…` to `webhooks` (a WebhookHandler by default)
    and everything else to `site`."""
    webhooks = webhooks or WebhookHandler()

    def application(environ, start_response):
        if environ.get("PATH_INFO", "").startswith(WEBHOOK_PREFIX):
            return webhooks(environ, start_response)
        return site(environ, start_response)

    return application
