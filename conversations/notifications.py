"""What the shopper hears about their order, in the conversation it came from: the payment
link, a request to authenticate, a decline, the receipt, shipping, refunds, cancellation.

Registered in settings.SOUK_ORDER_LISTENERS; orders and payments announce events
(orders/events.py) and never import the chat. Messaging windows are respected, as each
channel's adapter states them (`reply_window`): where only templates may be sent now (WhatsApp,
more than 24 hours after the shopper's last message) an update is recorded as not deliverable
instead of being sent and refused; Messenger updates go out with the POST_PURCHASE_UPDATE tag
(channels_adapters, outbound).
"""

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext, pgettext

from channels_adapters import messages as m
from channels_adapters.base import PERMANENT_WINDOW_CLOSED
from conversations.checkout_flow import address_text
from conversations.composer import conversation_reply_window
from conversations.engine.offers import menus_offered
from conversations.language import shopper_language
from conversations.models import Conversation
from conversations.payloads import encode
from conversations.phrases import say
from conversations.services import conversation_send
from orders.models import Order
from orders.translations import line_title
from payments.decline_reasons import last_decline_reason
from payments.models import Payment, PaymentState
from payments.pay_page import delivery_options
from shops.money import format_amount


def _conversation(order: Order) -> Conversation | None:
    if not order.customer_id or not order.channel_id:
        return None
    return (
        Conversation.objects.select_related("identity", "channel", "shop", "customer")
        .filter(customer_id=order.customer_id, channel_id=order.channel_id)
        .first()
    )


def order_event_notify(event_type: str, order_id: int, details: dict) -> None:
    order = Order.objects.select_related("shop", "shipping_rate").filter(pk=order_id).first()
    if order is None:
        return
    conversation = _conversation(order)
    if conversation is None:
        return  # an order from the API or a channel since removed: nobody to tell here
    build = BUILDERS.get(event_type)
    if build is None:
        return
    messages = build(order, details, shopper_language(conversation))
    if not messages:
        return
    refused = PERMANENT_WINDOW_CLOSED if _window_closed(conversation) else ""
    with transaction.atomic():
        if not refused:
            # A number typed next answers this news ("1. Track my order"), not an older menu.
            messages = menus_offered(conversation, messages)
        conversation_send(
            conversation=conversation, messages=messages, post_purchase=True, refused=refused
        )


def _window_closed(conversation: Conversation) -> bool:
    # Free-form order news may go wherever the channel allows messages or tags for it; only a
    # window that admits nothing but templates stops it.
    return conversation_reply_window(conversation=conversation).template_only


def _money(order: Order, amount: int, lang: str) -> str:
    return format_amount(amount, order.currency, lang)


def _delivery_still_to_choose(order: Order) -> bool:
    # The payment page offers the delivery options when the chat left the choice to it
    # (Stripe Checkout, the test page): a paid one may still be added to the total, so the
    # link must not promise the goods' total alone.
    return any(rate.amount > 0 for rate in delivery_options(order))


def _pay_link(order: Order, details: dict, lang: str) -> list[m.OutboundMessage]:
    total = _money(order, order.total, lang)
    plus_delivery = _delivery_still_to_choose(order)
    text = say(
        "pay_link_plus_delivery" if plus_delivery else "pay_link",
        lang,
        number=order.number,
        total=total,
        minutes=settings.SOUK_RESERVATION_MINUTES,
    )
    button = (
        say("pay_button_plain", lang) if plus_delivery else say("pay_button", lang, total=total)
    )
    options = (
        m.Button(button, url=details["url"]),
        m.Button(say("cancel", lang), encode("cancel")),
    )
    return [m.QuickReplies(text, options)]


def _payment_action(order: Order, details: dict, lang: str) -> list[m.OutboundMessage]:
    text = say("payment_action", lang, number=order.number)
    options = (
        m.Button(say("confirm_button", lang), url=details["url"]),
        m.Button(say("cancel", lang), encode("cancel")),
    )
    return [m.QuickReplies(text, options)]


def _payment_failed(order: Order, details: dict, lang: str) -> list[m.OutboundMessage]:
    # From the decline code: the provider's own message is English.
    reason = last_decline_reason(order.pk, lang)
    text = say("payment_failed", lang, number=order.number, reason=reason)
    total = _money(order, order.total, lang)
    options = (
        m.Button(say("pay_button", lang, total=total), encode("pay")),
        m.Button(say("cancel", lang), encode("cancel")),
    )
    return [m.QuickReplies(text, options)]


def _payment_unavailable(order: Order, details: dict, lang: str) -> list[m.OutboundMessage]:
    options = (
        m.Button(say("try_again", lang), encode("pay")),
        m.Button(say("cancel", lang), encode("cancel")),
    )
    return [m.QuickReplies(say("payment_unavailable", lang), options)]


def receipt(order: Order, lang: str) -> m.Receipt:
    lines = list(order.lines.select_related("variant__product"))
    payment = (
        Payment.objects.filter(order=order, state=PaymentState.SUCCEEDED)
        .select_related("method")
        .first()
    )
    method = payment.method.label if payment and payment.method else ""
    return m.Receipt(
        order_number=f"#{order.number}",
        recipient_name=order.contact_name,
        currency=order.currency,
        lines=tuple(
            m.ReceiptLine(
                # The size or colour in the title: text receipts show titles only.
                title=line_title(line, lang, order.shop.language),
                quantity=line.quantity,
                price=_money(order, line.line_total, lang),
                amount=line.line_total,
            )
            for line in lines
        ),
        subtotal=_money(order, order.subtotal, lang),
        shipping=_shipping(order, lang),
        total=_money(order, order.total, lang),
        subtotal_amount=order.subtotal,
        shipping_amount=order.shipping_total,
        total_amount=order.total,
        payment_method=method,
        address=address_text(order, lang),
        heading=say("receipt_heading", lang, number=order.number),
        labels=tuple(
            (key, say(key, lang))
            for key in ("subtotal", "shipping", "total_label", "paid_with", "ship_to", "line_price")
        ),
    )


def _shipping(order: Order, lang: str) -> str:
    if order.shipping_total:
        return _money(order, order.shipping_total, lang)
    with translation.override(lang):
        # "Shipping: free" (a pickup or a free-delivery threshold), never "0,00 €".
        return pgettext("delivery", "free")


def track_order(order: Order, lang: str) -> m.Button:
    """A tap the bot answers with where `order` is now (conversations/engine/table.py): with
    a tracking link or without, paid, preparing, shipped or delivered."""
    with translation.override(lang):
        return m.Button(gettext("Track my order"), encode("order", order.pk))


def next_steps(order: Order, lang: str) -> m.QuickReplies:
    """After the receipt: what happens now, and the two things a shopper wants next."""
    with translation.override(lang):
        text = gettext(
            "We will write here when order #%(number)s ships. Ask “where is my order?” at any "
            "time to follow it."
        ) % {"number": order.number}
        shop_again = m.Button(gettext("Shop again"), encode("browse"))
    return m.QuickReplies(text, (track_order(order, lang), shop_again))


def _paid(order: Order, details: dict, lang: str) -> list[m.OutboundMessage]:
    return [receipt(order, lang), next_steps(order, lang)]


def _fulfilled(order: Order, details: dict, lang: str) -> list[m.OutboundMessage]:
    text = say("shipped", lang, number=order.number)
    tracking = order.tracking_number
    if tracking:
        text += "\n" + say("tracking", lang, tracking=tracking)
    options = [track_order(order, lang)]
    if order.tracking_url:
        options.insert(0, m.Button(say("track_button", lang), url=order.tracking_url))
    return [m.QuickReplies(text, tuple(options))]


def _refunded(order: Order, details: dict, lang: str) -> list[m.OutboundMessage]:
    amount = _money(order, int(details.get("amount") or 0), lang)
    return [m.Text(say("refunded", lang, amount=amount, number=order.number))]


def _cancelled(order: Order, details: dict, lang: str) -> list[m.OutboundMessage]:
    if details.get("by") == "customer":
        return []  # the bot already answered the shopper's own Cancel
    if details.get("reason") == "expired":
        return [m.Text(say("cancelled_expired", lang, number=order.number))]
    return [m.Text(say("cancelled_by_shop", lang, number=order.number, shop=order.shop.name))]


def _paid_too_late(order: Order, details: dict, lang: str) -> list[m.OutboundMessage]:
    return [m.Text(say("paid_too_late", lang, number=order.number))]


BUILDERS = {
    "order.payment_link": _pay_link,
    "order.payment_action": _payment_action,
    "order.payment_failed": _payment_failed,
    "order.payment_unavailable": _payment_unavailable,
    "order.paid": _paid,
    "order.fulfilled": _fulfilled,
    "order.refunded": _refunded,
    "order.cancelled": _cancelled,
    "order.paid_too_late": _paid_too_late,
}
