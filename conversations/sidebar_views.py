"""The inbox's commerce sidebar (issue 9, part 4): the shopper, their cart and orders beside the
chat, and what an agent does for them from there.

The conversation page loads the sidebar with htmx into its `#sidebar`. Every action posts from
inside it and gets the whole sidebar back, refreshed, with a line saying what happened (or the
form again with its errors); without htmx it redirects back to the conversation with that line
as a message. Writes go through conversations.sidebar and, for orders, the same services and
forms as the order page (orders.lifecycle, payments.services, orders.dashboard_forms).
"""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

from catalog.models import Variant
from conversations import sidebar
from conversations.models import Conversation
from conversations.showcase import item_name
from conversations.sidebar_forms import (
    CartAddForm,
    CartLineForm,
    PaymentRequestForm,
    ProductSearchForm,
    SendCategoryForm,
    SendProductForm,
)
from orders import checkout as checkouts
from orders import lifecycle
from orders.dashboard_forms import CancelForm, FulfilForm, RefundForm
from orders.dashboard_views import REFUNDABLE, order_actions
from orders.models import EventSource, Order
from orders.stock import NotEnoughStock
from orders.transitions import InvalidTransition
from payments.services import PaymentError, order_cancel_and_refund, refund_create, refund_left
from shops.dashboard_access import dashboard_view
from shops.money import format_amount
from shops.tenancy import get_for_shop_or_404

TEMPLATE = "conversations/inbox/_sidebar.html"


def _conversation(request, conversation_id: int) -> Conversation:
    return get_for_shop_or_404(
        sidebar.sidebar_conversation(shop=request.shop), shop=request.shop, pk=conversation_id
    )


def _order(request, order_id: int) -> Order:
    orders = Order.objects.select_related("customer")  # who the confirmations name
    return get_for_shop_or_404(orders, shop=request.shop, pk=order_id)


def _money(request, amount: int) -> str:
    return format_amount(amount, request.shop.currency, request.shop.language)


def _conversation_url(conversation: Conversation) -> str:
    """The conversation's page; the customer's page while the inbox page does not exist."""
    try:
        return reverse("dashboard:inbox_conversation", args=[conversation.pk])
    except NoReverseMatch:
        return reverse("dashboard:customer_detail", args=[conversation.customer_id])


# -- The order panel -----------------------------------------------------------------------------
def _order_panel(request, order: Order, **forms) -> dict:
    """An order's actions as on its page: the same forms, and the same sentences saying what
    happens and what the shopper is told."""
    return {"order": order, **order_actions(order, request.shop, **forms)}


# -- Rendering -----------------------------------------------------------------------------------
def _render(
    request,
    conversation: Conversation,
    *,
    notice: str = "",
    error: str = "",
    query: str = "",
    order_panel: dict | None = None,
    **forms,
) -> HttpResponse:
    data = sidebar.sidebar_for(conversation=conversation)
    context = {
        "conversation": conversation,
        "side": data,
        "notice": notice,
        "error": error,
        "query": query,
        "results": sidebar.product_search(shop=request.shop, query=query) if query else [],
        "search_form": ProductSearchForm(initial={"q": query}),
        "category_form": forms.get("category_form")
        or SendCategoryForm(shop=request.shop, categories=data.categories),
        "payment_form": forms.get("payment_form")
        or PaymentRequestForm(customer=data.customer, rates=data.rates),
        "payment_open": "payment_form" in forms,
        "order_panel": order_panel,
    }
    return render(request, TEMPLATE, context)


def _done(request, conversation: Conversation, notice: str, **extra) -> HttpResponse:
    """After an action: the refreshed sidebar (htmx), or back to the conversation."""
    if request.htmx:
        return _render(request, conversation, notice=notice, **extra)
    messages.success(request, notice)
    return redirect(_conversation_url(conversation))


def _refused(request, conversation: Conversation, error: str, **extra) -> HttpResponse:
    """Nothing was done: the sidebar says why (htmx), or the conversation does."""
    if request.htmx:
        return _render(request, conversation, error=error, **extra)
    messages.error(request, error)
    return redirect(_conversation_url(conversation))


def _first_error(form) -> str:
    for errors in form.errors.values():
        return str(errors[0])
    return "Nothing was done."


def _query(request) -> str:
    # The search the agent sent from stays on screen after the action.
    form = ProductSearchForm(request.POST)
    return form.cleaned_data["q"].strip() if form.is_valid() else ""


# -- Pages ---------------------------------------------------------------------------------------
@dashboard_view("inbox.use")
def sidebar_panel(request, conversation_id: int):
    return _render(request, _conversation(request, conversation_id))


@dashboard_view("inbox.use")
def sidebar_products(request, conversation_id: int):
    """The product picker's results (htmx, as the agent types)."""
    conversation = _conversation(request, conversation_id)
    form = ProductSearchForm(request.GET)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    return render(
        request,
        "conversations/inbox/_sidebar_results.html",
        {
            "conversation": conversation,
            "query": query,
            "results": sidebar.product_search(shop=request.shop, query=query),
        },
    )


@dashboard_view("orders.manage")
def sidebar_order(request, conversation_id: int, order_id: int):
    """An order's actions, opened under the sidebar's order list (htmx)."""
    conversation = _conversation(request, conversation_id)
    order = _order(request, order_id)
    if not request.htmx:
        return redirect("dashboard:order_detail", order_id=order.pk)
    return render(
        request,
        "conversations/inbox/_sidebar_order.html",
        {"conversation": conversation, **_order_panel(request, order)},
    )


# -- Sending the bot's messages ------------------------------------------------------------------
@dashboard_view(None, post="inbox.use")
def send_product(request, conversation_id: int):
    conversation = _conversation(request, conversation_id)
    query = _query(request)
    form = SendProductForm(request.POST, shop=request.shop)
    if not form.is_valid():
        return _refused(request, conversation, _first_error(form), query=query)
    product = form.cleaned_data["product"]
    try:
        sidebar.product_card_send(conversation=conversation, product=product, author=request.user)
    except sidebar.NothingToSend as exc:
        return _refused(request, conversation, str(exc), query=query)
    return _done(request, conversation, f"Product card sent: {product.title}.", query=query)


@dashboard_view(None, post="inbox.use")
def send_category(request, conversation_id: int):
    conversation = _conversation(request, conversation_id)
    form = SendCategoryForm(request.POST, shop=request.shop)
    if not form.is_valid():
        return _refused(request, conversation, _first_error(form), category_form=form)
    category = form.picked()
    try:
        carousel = sidebar.category_carousel_send(
            conversation=conversation, category=category, author=request.user
        )
    except sidebar.NothingToSend as exc:
        return _refused(request, conversation, str(exc), category_form=form)
    name = category.name if category else "every product"
    count = len(carousel.cards)
    return _done(
        request, conversation, f"Carousel sent: {name} ({count} product{'s' * (count != 1)})."
    )


# -- The cart ------------------------------------------------------------------------------------
@dashboard_view(None, post="inbox.use")
def cart_add(request, conversation_id: int):
    conversation = _conversation(request, conversation_id)
    query = _query(request)
    form = CartAddForm(request.POST, shop=request.shop)
    if not form.is_valid():
        return _refused(request, conversation, _first_error(form), query=query)
    variant, quantity = form.cleaned_data["variant"], form.cleaned_data["quantity"]
    try:
        sidebar.agent_cart_add(conversation=conversation, variant=variant, quantity=quantity)
    except NotEnoughStock as exc:
        return _refused(
            request,
            conversation,
            f"Only {exc.available} of {item_name(variant)} in stock (the cart included).",
            query=query,
        )
    item = item_name(variant)
    return _done(request, conversation, f"Added to the cart: {quantity} x {item}.", query=query)


@dashboard_view(None, post="inbox.use")
def cart_line(request, conversation_id: int, variant_id: int):
    """The quantity of one item of the cart; 0 takes it out."""
    conversation = _conversation(request, conversation_id)
    variant = get_for_shop_or_404(
        Variant.objects.select_related("product"), shop=request.shop, pk=variant_id
    )
    item = item_name(variant)
    form = CartLineForm(request.POST)
    if not form.is_valid():
        return _refused(request, conversation, _first_error(form))
    quantity = form.cleaned_data["quantity"]
    try:
        changed = sidebar.agent_cart_line_set(
            conversation=conversation, variant=variant, quantity=quantity
        )
    except NotEnoughStock as exc:
        return _refused(request, conversation, f"Only {exc.available} of {item} in stock.")
    if changed is None:
        return _refused(request, conversation, f"{item} is not in the cart any more.")
    if quantity == 0:
        return _done(request, conversation, f"Taken out of the cart: {item}.")
    return _done(request, conversation, f"In the cart: {quantity} x {item}.")


# -- Asking for payment --------------------------------------------------------------------------
@dashboard_view(None, post="inbox.use")
def payment_request(request, conversation_id: int):
    conversation = _conversation(request, conversation_id)
    customer = conversation.customer
    rates = sidebar.delivery_rates(shop=request.shop)
    form = PaymentRequestForm(request.POST, customer=customer, rates=rates)
    if not form.is_valid():
        return _refused(
            request, conversation, "The payment link was not sent: see below.", payment_form=form
        )
    try:
        order = sidebar.payment_request_send(
            conversation=conversation, recipient=form.recipient(), author=request.user
        )
    except checkouts.EmptyCart:
        return _refused(request, conversation, "The cart is empty: add something first.")
    except NotEnoughStock as exc:
        item = item_name(exc.variant)
        return _refused(
            request,
            conversation,
            f"Only {exc.available} of {item} left: change the cart, nothing was reserved.",
        )
    except (checkouts.CheckoutError, sidebar.NothingToSend) as exc:
        return _refused(request, conversation, str(exc), payment_form=form)
    return _done(
        request,
        conversation,
        f"Order #{order.number} placed ({_money(request, order.total)}): the payment link is on "
        f"its way to {order.contact_name}.",
    )


# -- Order actions -------------------------------------------------------------------------------
def _order_refused(request, conversation, order, error: str, **forms) -> HttpResponse:
    panel = _order_panel(request, order, **forms)
    return _refused(request, conversation, error, order_panel=panel)


@dashboard_view(None, post="orders.manage")
def order_fulfil(request, conversation_id: int, order_id: int):
    conversation = _conversation(request, conversation_id)
    order = _order(request, order_id)
    form = FulfilForm(request.POST)
    if not form.is_valid():
        return _order_refused(
            request, conversation, order, "Nothing was changed: see below.", fulfil_form=form
        )
    try:
        lifecycle.order_fulfil(
            order=order, actor=request.user, source=EventSource.DASHBOARD, **form.cleaned_data
        )
    except InvalidTransition as exc:
        return _order_refused(request, conversation, order, f"Nothing was changed: {exc}")
    return _done(request, conversation, f"Order #{order.number} is marked shipped.")


@dashboard_view(None, post="orders.manage")
def order_refund(request, conversation_id: int, order_id: int):
    conversation = _conversation(request, conversation_id)
    order = _order(request, order_id)
    refundable = refund_left(order=order) if order.payment_status in REFUNDABLE else 0
    form = RefundForm(request.POST, shop=request.shop, refundable=refundable)
    if not form.is_valid():
        return _order_refused(
            request, conversation, order, "Nothing was refunded: see below.", refund_form=form
        )
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
        return _order_refused(
            request, conversation, order, "Nothing was refunded: see below.", refund_form=form
        )
    return _done(
        request,
        conversation,
        f"Refund of {form.money(amount)} requested for order #{order.number}.",
    )


@dashboard_view(None, post="orders.manage")
def order_cancel(request, conversation_id: int, order_id: int):
    conversation = _conversation(request, conversation_id)
    order = _order(request, order_id)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _order_refused(
            request, conversation, order, "Nothing was changed: see below.", cancel_form=form
        )
    try:
        order_cancel_and_refund(
            order=order,
            reason=form.cleaned_data["reason"],
            actor=request.user,
            source=EventSource.DASHBOARD,
        )
    except (InvalidTransition, PaymentError) as exc:
        return _order_refused(request, conversation, order, f"Nothing was changed: {exc}")
    return _done(request, conversation, f"Order #{order.number} is cancelled.")
