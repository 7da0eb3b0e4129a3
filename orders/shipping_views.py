"""Dashboard → Settings → Shipping: the shop's shipping rates (managers and owners). Writes go
through orders/shipping.py, as /api/v1/shipping-rates/ does."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from orders import shipping
from orders.models import ShippingRate
from orders.shipping_forms import ShippingRateForm
from shops.dashboard_access import dashboard_view
from shops.dashboard_forms import add_service_errors
from shops.tenancy import get_for_shop_or_404

RATES_PER_PAGE = 50


def _rate(request, rate_id: int) -> ShippingRate:
    return get_for_shop_or_404(ShippingRate.objects, shop=request.shop, pk=rate_id)


@dashboard_view("shipping.manage")
def shipping_list(request):
    rates = Paginator(shipping.shipping_rate_list(shop=request.shop), RATES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "orders/shipping/list.html", {"rates": rates})


def _posted(request):
    return request.POST if request.method == "POST" else None


def _form_page(request, form: ShippingRateForm, rate: ShippingRate | None = None):
    return render(request, "orders/shipping/form.html", {"form": form, "rate": rate})


@dashboard_view("shipping.manage", post="shipping.manage")
def shipping_create(request):
    form = ShippingRateForm(_posted(request), shop=request.shop)
    if request.method == "POST" and form.is_valid():
        try:
            rate = shipping.shipping_rate_create(
                shop=request.shop, actor=request.user, **form.service_fields()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Shipping rate “{rate.name}” added.")
            return redirect("dashboard:shipping_list")
    return _form_page(request, form)


@dashboard_view("shipping.manage", post="shipping.manage")
def shipping_edit(request, rate_id: int):
    rate = _rate(request, rate_id)
    form = ShippingRateForm(_posted(request), shop=request.shop, rate=rate)
    if request.method == "POST" and form.is_valid():
        try:
            rate = shipping.shipping_rate_update(
                rate=rate, actor=request.user, **form.service_fields()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Shipping rate “{rate.name}” saved.")
            return redirect("dashboard:shipping_list")
    return _form_page(request, form, rate)


@dashboard_view("shipping.manage", post="shipping.manage")
def shipping_active(request, rate_id: int):
    """POST active=0 stops offering the rate to shoppers; active=1 offers it again."""
    rate = _rate(request, rate_id)
    if request.method == "POST":
        active = request.POST.get("active") == "1"
        try:
            rate = shipping.shipping_rate_update(rate=rate, actor=request.user, is_active=active)
        except ValidationError as exc:  # a rate saved before today's rules: edit it first
            messages.error(request, f"“{rate.name}”: {' '.join(exc.messages)}")
        else:
            offered = "is offered to shoppers again" if active else "is no longer offered"
            messages.success(request, f"“{rate.name}” {offered}.")
    return redirect("dashboard:shipping_list")


@dashboard_view("shipping.manage", post="shipping.manage")
def shipping_move(request, rate_id: int):
    rate = _rate(request, rate_id)
    if request.method == "POST":
        shipping.shipping_rate_move(
            rate=rate, up=request.POST.get("direction") == "up", actor=request.user
        )
    return redirect("dashboard:shipping_list")


@dashboard_view("shipping.manage", post="shipping.manage")
def shipping_delete(request, rate_id: int):
    rate = _rate(request, rate_id)
    if request.method == "POST":
        shipping.shipping_rate_delete(rate=rate, actor=request.user)
        messages.success(request, f"Shipping rate “{rate.name}” deleted.")
    return redirect("dashboard:shipping_list")
