"""Dashboard: the shop's webhook endpoints (settings/webhooks/), each with its delivery log and a
"Send test event" button. The same services and selectors as /api/v1/webhooks/
(shops.webhooks); the signing secret is shown once, on the endpoint's page right after it was
created (shops.secret_once)."""

import json
from datetime import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from shops.dashboard_access import dashboard_view
from shops.models import WebhookDelivery, WebhookEndpoint
from shops.secret_once import secret_keep, secret_take
from shops.tenancy import get_for_shop_or_404
from shops.webhooks import selectors, services
from shops.webhooks.forms import WebhookEndpointEditForm, WebhookEndpointForm

ENDPOINTS_PER_PAGE = 25
DELIVERIES_PER_PAGE = 25
SHOWN_ONCE = "webhook_secret"
# The log lists many deliveries: their bodies are read on the delivery's own page only.
LOG_DEFERRED = ("payload", "response_body", "attempt_log", "error")


def _endpoint(request, endpoint_id: int) -> WebhookEndpoint:
    return get_for_shop_or_404(WebhookEndpoint.objects, shop=request.shop, pk=endpoint_id)


def _save(form, write) -> bool:
    """Runs the service with the form's data; its ValidationError goes beside the field it
    names (or above the form). True when saved."""
    if not form.is_valid():
        return False
    try:
        write(form.cleaned_data)
    except ValidationError as exc:
        form.add_error(None, exc)
        return False
    return True


@dashboard_view("webhooks.manage")
def webhook_list(request):
    endpoints = selectors.webhook_endpoint_list(shop=request.shop).defer("secret")
    page = Paginator(endpoints, ENDPOINTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "shops/webhooks/list.html", {"page": page})


@dashboard_view("webhooks.manage", post="webhooks.manage")
def webhook_create(request):
    form = WebhookEndpointForm(request.POST if request.method == "POST" else None)
    created = {}

    def create(data):
        created["endpoint"], created["secret"] = services.webhook_endpoint_create(
            shop=request.shop, **data
        )

    if request.method == "POST" and _save(form, create):
        endpoint = created["endpoint"]
        secret_keep(request, kind=SHOWN_ONCE, object_id=endpoint.pk, secret=created["secret"])
        messages.success(request, "Endpoint added. Copy its signing secret below.")
        return redirect("dashboard:webhook_detail", endpoint_id=endpoint.pk)
    return render(request, "shops/webhooks/form.html", {"form": form, "endpoint": None})


@never_cache  # right after creation this page shows the signing secret
@dashboard_view("webhooks.manage")
def webhook_detail(request, endpoint_id: int):
    endpoint = _endpoint(request, endpoint_id)
    deliveries = (
        selectors.webhook_delivery_list(endpoint=endpoint)
        .defer(*LOG_DEFERRED)
        .order_by("-created_at", "-id")
    )
    page = Paginator(deliveries, DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    new_secret = secret_take(request, kind=SHOWN_ONCE, object_id=endpoint.pk)
    return render(
        request,
        "shops/webhooks/detail.html",
        {"endpoint": endpoint, "page": page, "new_secret": new_secret},
    )


@dashboard_view("webhooks.manage", post="webhooks.manage")
def webhook_edit(request, endpoint_id: int):
    endpoint = _endpoint(request, endpoint_id)
    if request.method == "POST":
        form = WebhookEndpointEditForm(request.POST)

        def update(data):
            services.webhook_endpoint_update(endpoint=endpoint, **data)

        if _save(form, update):
            messages.success(request, "Endpoint saved.")
            return redirect("dashboard:webhook_detail", endpoint_id=endpoint.pk)
    else:
        form = WebhookEndpointEditForm(
            initial={
                "url": endpoint.url,
                "events": endpoint.events,
                "description": endpoint.description,
                "is_active": endpoint.is_active,
            }
        )
    return render(request, "shops/webhooks/form.html", {"form": form, "endpoint": endpoint})


@dashboard_view(None, post="webhooks.manage")
def webhook_toggle(request, endpoint_id: int):
    """Enables or disables the endpoint (the button says which)."""
    endpoint = _endpoint(request, endpoint_id)
    active = request.POST.get("is_active") == "1"
    services.webhook_endpoint_update(endpoint=endpoint, is_active=active)
    if active:
        messages.success(request, "Endpoint enabled: new events are delivered to it again.")
    else:
        messages.success(request, "Endpoint disabled: no events are delivered to it.")
    return redirect("dashboard:webhook_detail", endpoint_id=endpoint.pk)


@dashboard_view(None, post="webhooks.manage")
def webhook_delete(request, endpoint_id: int):
    endpoint = _endpoint(request, endpoint_id)
    services.webhook_endpoint_delete(endpoint=endpoint, deleted_by=request.user)
    messages.success(request, "Endpoint deleted, with its delivery log.")
    return redirect("dashboard:webhook_list")


@dashboard_view(None, post="webhooks.manage")
def webhook_test(request, endpoint_id: int):
    endpoint = _endpoint(request, endpoint_id)
    services.webhook_endpoint_ping(endpoint=endpoint)
    messages.success(request, "Test event sent: its delivery is at the top of the log below.")
    return redirect("dashboard:webhook_detail", endpoint_id=endpoint.pk)


@dashboard_view("webhooks.manage")
def webhook_delivery(request, endpoint_id: int, delivery_id: int):
    endpoint = _endpoint(request, endpoint_id)
    delivery = get_for_shop_or_404(
        WebhookDelivery.objects, shop=request.shop, pk=delivery_id, endpoint=endpoint
    )
    payload = json.dumps(delivery.payload, indent=2, ensure_ascii=False, sort_keys=True)
    attempts = [_attempt(entry) for entry in delivery.attempt_log or []]
    return render(
        request,
        "shops/webhooks/delivery.html",
        {"endpoint": endpoint, "delivery": delivery, "payload": payload, "attempts": attempts},
    )


def _attempt(entry: dict) -> dict:
    """An attempt_log entry, its time as a datetime for the template's date filter."""
    try:
        at = datetime.fromisoformat(entry.get("at", ""))
    except (TypeError, ValueError):
        at = None
    return {**entry, "at": at}
