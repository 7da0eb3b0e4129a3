"""The live events a dashboard page polls (static/dashboard/live.js), and the inbox badge."""

from django.http import HttpRequest, JsonResponse

from shops.dashboard_access import dashboard_view
from shops.live import live_events_after


def _cursor(value: str | None) -> int | None:
    """A non-negative integer, or None (absent or not a number: start from now)."""
    if value is None or not value.isdigit() or len(value) > 19:
        return None
    return int(value)


def _no_store(response: JsonResponse) -> JsonResponse:
    response["Cache-Control"] = "no-store"
    return response


@dashboard_view("inbox.use")
def live_events(request: HttpRequest) -> JsonResponse:
    """`?after=<cursor>` → {"events": [{id, kind, data, at}, …], "cursor": <next cursor>}."""
    page = live_events_after(shop=request.shop, after=_cursor(request.GET.get("after")))
    return _no_store(JsonResponse({"events": page.events, "cursor": page.cursor}))


@dashboard_view("inbox.use")
def live_badge(request: HttpRequest) -> JsonResponse:
    """{"waiting": n}: open conversations waiting for a person with a message nobody read."""
    # Conversations sit above shops; imported here so shops keeps importing nothing of them.
    from conversations.selectors import conversations_waiting_count

    return _no_store(JsonResponse({"waiting": conversations_waiting_count(shop=request.shop)}))
