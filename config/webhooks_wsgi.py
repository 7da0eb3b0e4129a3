"""The platforms' webhooks (`/webhooks/…`) served without the middleware of pages.

A webhook is a machine's POST: no session, no signed-in user, no CSRF token (the views are
`csrf_exempt`; they check the platform's signature), no flash messages, no HTML to frame or
to guard with a Content-Security-Policy, no dashboard shop. Running the site's twelve
middleware around each one cost about 0.1 ms of CPU per request in process (0.16 to 0.20 ms
with them, 0.06 to 0.07 ms with these two, a bare view), on the hottest path of the site
(docs/performance.md, `intake`). What stays, in the site's order and with the site's
settings: SecurityMiddleware (HTTPS redirect, HSTS, nosniff) and CommonMiddleware (allowed
hosts, disallowed user agents, trailing slashes). Same URLconf, same error handlers, same
request signals (database connections are handled as for any request).

The busiest of them go further (`served_directly` views: Telegram's and Meta's POSTs, every
message of every shopper): their route is resolved once per path and remembered, and the two
middleware's hooks are called in place around the view, without Django's chain of middleware
and exception wrappers (in process, 0.70 → 0.65 ms of CPU per Messenger webhook;
docs/performance.md, "Issue 12, fifth pass"). What Django's handler does around the chain
stays: the request signals, the exception's response (`response_for_exception`: 400 for a
disallowed host, 500 through the site's handler), the log line of a 4xx or 5xx.
"""

import functools

from django.conf import settings
from django.core.handlers.exception import response_for_exception
from django.core.handlers.wsgi import WSGIHandler
from django.urls import Resolver404, get_resolver, set_urlconf
from django.utils.log import log_response
from django.utils.module_loading import import_string

WEBHOOK_PREFIX = "/webhooks/"
WEBHOOK_MIDDLEWARE = frozenset(
    {
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.common.CommonMiddleware",
    }
)


def _no_response(request):
    raise AssertionError("a webhook's middleware hooks are called one by one, never chained")


class WebhookHandler(WSGIHandler):
    """Django's WSGI handler with only the site's middleware that a webhook needs, and the
    direct path for `served_directly` views."""

    def load_middleware(self, is_async=False):
        # BaseHandler reads settings.MIDDLEWARE itself: give it the webhooks' list while it
        # builds the chain (once, at start-up, before any request).
        site = settings.MIDDLEWARE
        settings.MIDDLEWARE = [name for name in site if name in WEBHOOK_MIDDLEWARE]
        try:
            super().load_middleware(is_async)
            self._hooks = [import_string(name)(_no_response) for name in settings.MIDDLEWARE]
        finally:
            settings.MIDDLEWARE = site

    def get_response(self, request):
        match = (
            _direct_route(request.path_info, get_resolver(settings.ROOT_URLCONF))
            if request.method == "POST"
            else None
        )
        if match is None:
            return super().get_response(request)
        set_urlconf(settings.ROOT_URLCONF)
        request.resolver_match = match
        response = self._direct(request, match)
        response._resource_closers.append(request.close)
        if response.status_code >= 400:
            log_response(
                "%s: %s", response.reason_phrase, request.path, response=response, request=request
            )
        return response

    def _direct(self, request, match):
        """What the chain would do: each middleware's process_request, outermost first, then
        the view, then process_response back out. An exception becomes its response where
        Django's chain converts it (at the level that raised it), so the middleware outside
        that level still process the response (a 500 keeps its security headers)."""
        entered = []
        response = None
        try:
            for middleware in self._hooks:
                response = middleware.process_request(request)
                entered.append(middleware)
                if response is not None:
                    break
            else:
                try:
                    response = match.func(request, *match.args, **match.kwargs)
                except Exception as exc:
                    response = response_for_exception(request, exc)
        except Exception as exc:
            response = response_for_exception(request, exc)
        for middleware in reversed(entered):
            try:
                response = middleware.process_response(request, response)
            except Exception as exc:
                response = response_for_exception(request, exc)
        return response


@functools.lru_cache(maxsize=4096)
def _direct_route(path: str, resolver):
    """The route of a `served_directly` view at `path`, or None (any other view, or none):
    resolved once per path and resolver (Django builds a new resolver when its URL caches are
    cleared, so this cache follows). A path is a channel's webhook URL: there are as many as
    connected channels, and the cache keeps the busiest."""
    if not path.startswith(WEBHOOK_PREFIX):
        return None
    try:
        match = resolver.resolve(path)
    except Resolver404:
        return None
    return match if getattr(match.func, "served_directly", False) else None


def with_lean_webhooks(site, webhooks=None):
    """A WSGI application sending `/webhooks/…` to `webhooks` (a WebhookHandler by default)
    and everything else to `site`."""
    webhooks = webhooks or WebhookHandler()

    def application(environ, start_response):
        if environ.get("PATH_INFO", "").startswith(WEBHOOK_PREFIX):
            return webhooks(environ, start_response)
        return site(environ, start_response)

    return application
