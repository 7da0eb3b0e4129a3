from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from conversations.inbox_selectors import UNREAD
from conversations.models import (
    Conversation,
    ConversationStatus,
    Customer,
    CustomerIdentity,
    Message,
)
from orders.transitions import PaymentStatus
from payments.models import PaymentMethod
from shops.models import Shop


def conversation_list(*, shop: Shop) -> QuerySet[Conversation]:
    return Conversation.objects.for_shop(shop).select_related("customer", "channel", "identity")


def conversation_messages(*, conversation: Conversation) -> QuerySet[Message]:
    return Message.objects.filter(conversation=conversation).select_related("outbound", "author")


def conversations_waiting_count(*, shop: Shop) -> int:
    """The Inbox link's badge: open conversations handed to a person in which the shopper
    wrote something nobody of the team has read yet."""
    return (
        Conversation.objects.for_shop(shop)
        .filter(UNREAD, handed_off=True, status=ConversationStatus.OPEN)
        .count()
    )


# -- The dashboard's customer pages ------------------------------------------------------------
PAID = (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)


def customers_with_totals(*, shop: Shop) -> QuerySet[Customer]:
    """Customers with `orders_count` and `total_spent` (paid, net of refunds, minor units)
    computed in the same query, and their identities (with channels) in one more."""
    return (
        Customer.objects.for_shop(shop)
        .annotate(
            orders_count=Count("orders"),
            total_spent=Coalesce(
                Sum(
                    F("orders__total") - F("orders__refunded_total"),
                    filter=Q(orders__payment_status__in=PAID),
                ),
                0,
            ),
        )
        .prefetch_related(
            Prefetch("identities", queryset=CustomerIdentity.objects.select_related("channel"))
        )
    )


def customer_admin_list(*, shop: Shop, query: str = "") -> QuerySet[Customer]:
    """The shop's customers, most recently seen first, searched by name, phone or e-mail."""
    customers = customers_with_totals(shop=shop)
    text = query.strip()
    if text:
        customers = customers.filter(
            Q(name__icontains=text) | Q(phone__icontains=text) | Q(email__icontains=text)
        )
    return customers.order_by(F("last_seen_at").desc(nulls_last=True), "-id")


def customer_admin_detail(*, shop: Shop) -> QuerySet[Customer]:
    """As customers_with_totals, with the cards they saved; pick one with
    get_for_shop_or_404."""
    return customers_with_totals(shop=shop).prefetch_related(
        Prefetch("payment_methods", queryset=PaymentMethod.objects.filter(is_active=True))
    )


def customer_conversations(*, customer: Customer) -> QuerySet[Conversation]:
    return (
        Conversation.objects.filter(shop_id=customer.shop_id, customer=customer)
        .select_related("channel")
        .order_by(F("last_message_at").desc(nulls_last=True), "-id")
    )
