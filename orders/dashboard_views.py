"""Dashboard pages of orders: the list (filters, search) and an order's page, with its
actions — ship, refund, cancel — through the same services as the API
(orders.lifecycle, payments.services). Each action is recorded on the order's timeline with
the person who did it."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from orders import lifecycle
from orders.dashboard_forms import CancelForm, FulfilForm, OrderFilterForm, RefundForm
from orders.models import EventSource, Order
from orders.selectors import order_admin_detail, order_admin_list, order_timeline
from orders.transitions import FulfillmentStatus, InvalidTransition, PaymentStatus
from payments.services import PaymentError, order_cancel_and_refund, refund_create, refund_left
from shops.dashboard_access import dashboard_view
from shops.money import format_amount
from shops.tenancy import get_for_shop_or_404

PAGE_SIZE = 25
REFUNDABLE = (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED)


@dashboard_view("orders.view")
def order_list(request):
    form = OrderFilterForm(request.GET)
    orders = order_admin_list(shop=request.shop, filters=form.filters())
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "orders/dashboard/order_list.html",
        {"form": form, "page": page, "orders": page.object_list},
    )


def _order(request, order_id: int) -> Order:
    orders = order_admin_detail(shop=request.shop)
    return get_for_shop_or_404(orders, shop=request.shop, pk=order_id)


def _shopper(order: Order) -> str:
    return order.contact_name or (order.customer.name if order.customer else "") or "The shopper"


def action_confirmations(order: Order, shop, refundable: int) -> dict[str, str]:
    """What each action's confirmation dialog says will happen, including what the shopper is
    told in the chat (conversations/notifications.py), or that nobody is."""
    who = _shopper(order)
    in_chat = bool(order.channel_id and order.customer_id)
    number = f"#{order.number}"

    def told(what: str) -> str:
        if in_chat:
            return f"{who} is told in the chat {what}."
        return "Nobody is told: this order did not come from a chat."

    if order.fulfillment_status == FulfillmentStatus.FULFILLED:
        fulfil = f"Replace the tracking of {number}? " + told(
            "that it is on its way, with the new tracking number and link"
        )
    else:
        fulfil = f"Mark {number} shipped? " + told(
            "that it is on its way, with the tracking number and link you entered"
        )
    refund = f"Refund the amount entered to {who} for {number}? " + told(
        "how much was refunded, once the payment provider confirms it"
    )
    if order.payment_status in REFUNDABLE and refundable > 0:
        left = format_amount(refundable, shop.currency, shop.language)
        cancel = f"Cancel {number} and refund {left} to {who}? The items go back in stock. " + told(
            f"that {shop.name} cancelled the order, then of the refund"
        )
    else:
        cancel = f"Cancel {number}? Its items go back in stock. " + told(
            f"that {shop.name} cancelled the order"
        )
    return {"fulfil": fulfil, "refund": refund, "cancel": cancel}


def order_actions(order: Order, shop, **forms) -> dict:
    """What may be done to an order now, the forms to do it (bound ones, with their errors,
    when given) and the sentences saying what the shopper is told: the order page and the
    inbox's sidebar show the same."""
    refundable = refund_left(order=order) if order.payment_status in REFUNDABLE else 0
    actions = {
        "fulfil": lifecycle.order_can_fulfil(order),
        "refund": refundable > 0,
        "cancel": lifecycle.order_can_cancel(order),
    }
    return {
        "actions": actions,
        "any_action": any(actions.values()),
        "refundable": refundable,
        "confirm": action_confirmations(order, shop, refundable),
        "fulfil_form": forms.get("fulfil_form")
        or FulfilForm(
            initial={
                "carrier": order.carrier,
                "tracking_number": order.tracking_number,
                "tracking_url": order.tracking_url,
            }
        ),
        "refund_form": forms.get("refund_form") or RefundForm(shop=shop, refundable=refundable),
        "cancel_form": forms.get("cancel_form") or CancelForm(),
    }


def _detail(request, order: Order, *, status: int = 200, **forms) -> object:
    payments = list(order.payments.all())
    refunds = sorted(
        (refund for payment in payments for refund in payment.refunds.all()),
        key=lambda refund: (refund.created_at, refund.pk),
    )
    context = {
        "order": order,
        "lines": list(order.lines.all()),
        "payments": payments,
        "refunds": refunds,
        "timeline": order_timeline(order=order),
        **order_actions(order, request.shop, **forms),
    }
    return render(request, "orders/dashboard/order_detail.html", context, status=status)


@dashboard_view("orders.view")
def order_detail(request, order_id: int):
    return _detail(request, _order(request, order_id))


def _back(order: Order):
    return redirect("dashboard:order_detail", order_id=order.pk)


def _refused(request, order: Order, exc: Exception):
    """The page was stale (someone else acted first) or the provider said no."""
    messages.error(request, f"Nothing was changed: {exc}")
    return _back(order)


@dashboard_view("orders.view", post="orders.manage")
def order_fulfil(request, order_id: int):
    order = _order(request, order_id)
    if request.method != "POST":
        return _back(order)
    form = FulfilForm(request.POST)
    if not form.is_valid():
        return _detail(request, order, status=400, fulfil_form=form)
    try:
        lifecycle.order_fulfil(
            order=order, actor=request.user, source=EventSource.DASHBOARD, **form.cleaned_data
        )
    except InvalidTransition as exc:
        return _refused(request, order, exc)
    messages.success(request, f"Order #{order.number} is marked shipped.")
    return _back(order)


@dashboard_view("orders.view", post="orders.manage")
def order_refund(request, order_id: int):
    order = _order(request, order_id)
    if request.method != "POST":
        return _back(order)
    refundable = refund_left(order=order) if order.payment_status in REFUNDABLE else 0
    form = RefundForm(request.POST, shop=request.shop, refundable=refundable)
    if not form.is_valid():
        return _detail(request, order, status=400, refund_form=form)
    amount = form.cleaned_data["amount"]
    try:
        refund_create(
            order=order,
            amount=amount,
            reason=form.cleaned_data["reason"],
            actor=request.user,
            source=EventSource.DASHBOARD,
        )
    except PaymentError as exc:
        form.add_error(None, str(exc))
        return _detail(request, order, status=400, refund_form=form)
    messages.success(
        request, f"Refund of {form.money(amount)} requested for order #{order.number}."
    )
    return _back(order)


@dashboard_view("orders.view", post="orders.manage")
def order_cancel(request, order_id: int):
    order = _order(request, order_id)
    if request.method != "POST":
        return _back(order)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _detail(request, order, status=400, cancel_form=form)
    try:
        order_cancel_and_refund(
            order=order,
            reason=form.cleaned_data["reason"],
            actor=request.user,
            source=EventSource.DASHBOARD,
        )
    except (InvalidTransition, PaymentError) as exc:
        return _refused(request, order, exc)
    messages.success(request, f"Order #{order.number} is cancelled.")
    return _back(order)
