"""The demo shop's past month: channels, shoppers, their conversations and their orders, so every
dashboard page has something true to show (`manage.py demo`).

Orders go through the real services (cart, checkout, the test payment provider, fulfilment,
refunds, cancellation), so totals, stock, payments and each order's timeline are what the
product itself would have written. Two things are the demo's own: the channels other than the
web chat are placeholders (no platform is reachable from a demo), so nothing is sent to them
— orders are placed without a channel, then attached to the shopper's channel — and the
history is spread over the last weeks by moving timestamps back.
Idempotent: a second run finds the demo customers and adds nothing.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from catalog.models import Variant
from channels_adapters.models import ChannelAccount, ChannelKind, OutboundMessage, OutboundStatus
from channels_adapters.selectors import whatsapp_templates_for
from channels_adapters.setup import webchat_channel
from channels_adapters.whatsapp.templates_services import whatsapp_template_add
from conversations.models import Conversation, Customer, CustomerIdentity, Direction, Message
from orders import checkout as checkouts
from orders import lifecycle
from orders.models import FunnelEvent, FunnelStep, Order, ShippingRate
from orders.services import cart_add, cart_open
from payments import services as payments
from payments.providers.registry import provider_for
from shops.models import Shop, User

DEMO_CHANNELS = (
    # kind, external id, name
    (ChannelKind.TELEGRAM, "7000000001", "@maisonsouk_bot (demo)"),
    (ChannelKind.MESSENGER, "100000000000001", "Maison Souk page (demo)"),
    (ChannelKind.WHATSAPP, "200000000000001", "+33 7 00 00 00 01 (demo)"),
    (ChannelKind.SMS, "+33700000001", "+33 7 00 00 00 01 (demo)"),
)


@dataclass(frozen=True)
class DemoShopper:
    name: str
    phone: str
    channel: str
    external_id: str
    language: str = "fr"


SHOPPERS = (
    DemoShopper("Léa Martin", "+33612000001", ChannelKind.WEBCHAT, "demo-visitor-lea"),
    DemoShopper("Hugo Bernard", "+33612000002", ChannelKind.TELEGRAM, "5100000002"),
    DemoShopper("Camille Dubois", "+33612000003", ChannelKind.MESSENGER, "6100000000000003"),
    DemoShopper("Inès Moreau", "+33612000004", ChannelKind.WHATSAPP, "33612000004"),
    DemoShopper("Lucas Petit", "+33612000005", ChannelKind.SMS, "+33612000005"),
    DemoShopper("Chloé Laurent", "+33612000006", ChannelKind.TELEGRAM, "5100000006"),
    DemoShopper("Nora Haddad", "+33612000007", ChannelKind.WEBCHAT, "demo-visitor-nora"),
    DemoShopper("Tom Garcia", "+447700900008", ChannelKind.WHATSAPP, "447700900008", "en"),
)

# (shopper index, days ago, [(sku prefix, quantity)], what happened after it was placed)
ORDERS = (
    (0, 26, [("MS-ROBE-", 1)], "delivered"),
    (1, 21, [("MS-CHEMISE-", 2)], "delivered"),
    (2, 15, [("MS-FOULARD-", 1), ("MS-CEINTURE-", 1)], "refunded_part"),
    (3, 11, [("MS-ROBE-", 1)], "shipped"),
    (4, 8, [("MS-CABAS-", 1)], "refunded"),
    (5, 5, [("MS-MARINIERE-", 1)], "shipped"),
    (6, 3, [("MS-CHEMISE-", 1)], "cancelled"),
    (0, 2, [("MS-FOULARD-", 2)], "paid"),
    (7, 1, [("MS-ROBE-", 1)], "paid"),
    (2, 0, [("MS-CEINTURE-", 1)], "pending"),
)

TRANSCRIPTS = {
    # shopper index: [(direction, text)], the last exchange of each conversation
    1: [
        ("in", "Bonjour, la chemise existe en bleu ?"),
        ("out", "Oui : Chemise en lin, bleu ciel, du S au XL."),
    ],
    3: [("in", "Ma robe est partie ?"), ("out", "Oui, commande expédiée avec Colissimo.")],
    4: [("in", "STOP"), ("out", "Vous ne recevrez plus de messages. Répondez START pour revenir.")],
    6: [
        ("in", "Je voudrais parler à quelqu'un pour une retouche"),
        ("out", "Une personne de l'équipe vous répond ici même."),
    ],
    7: [
        ("in", "Hi! Do you ship to London?"),
        # Written by the demo's manager: the order that follows is attributed to them.
        ("agent", "Hello Tom! Yes: 4-5 days to London, and the wrap dress runs true to size."),
    ],
}
AGENT_EMAIL = "manager@souk.test"  # shops.demo.DEMO_TEAM
HANDED_OFF = {6}
# Rows dated with the order, moved back with it: (model, lookup from it to the order).
HISTORY_MODELS = (
    ("payments.Payment", "order"),
    ("payments.Refund", "payment__order"),
    ("orders.OrderEvent", "order"),
)


# Templates "approved in WhatsApp Manager" for the demo number: what the inbox offers once the
# 24-hour window has closed. (name, language, body, parameter labels)
DEMO_WHATSAPP_TEMPLATES = (
    (
        "suivi_commande",
        "fr",
        "Bonjour {{1}}, votre commande {{2}} est en route. Répondez ici pour toute question.",
        ("Prénom", "Numéro de commande"),
    ),
    (
        "order_follow_up",
        "en",
        "Hello {{1}}, a person from our team has an answer about {{2}}. Reply to continue.",
        ("First name", "Subject"),
    ),
)


def demo_channels(shop: Shop) -> dict[str, ChannelAccount]:
    accounts = {ChannelKind.WEBCHAT: webchat_channel(shop=shop)}
    for kind, external_id, name in DEMO_CHANNELS:
        account = ChannelAccount.objects.filter(kind=kind, external_id=external_id).first()
        if account is None:
            account = ChannelAccount.objects.create(
                shop=shop,
                kind=kind,
                external_id=external_id,
                name=name,
                credentials={"demo": True},
            )
        accounts[kind] = account
    whatsapp = accounts[ChannelKind.WHATSAPP]
    if not whatsapp_templates_for(channel=whatsapp).exists():
        for name, language, body, labels in DEMO_WHATSAPP_TEMPLATES:
            whatsapp_template_add(
                channel=whatsapp, name=name, language=language, body_text=body, param_labels=labels
            )
    return accounts


def demo_activity(shop: Shop) -> int:
    """Seeds the shoppers, conversations and orders; returns how many orders it created."""
    if Customer.objects.for_shop(shop).filter(name=SHOPPERS[0].name).exists():
        return 0
    accounts = demo_channels(shop)
    now = timezone.now()
    conversations = [_shopper(shop, spec, accounts[spec.channel], now) for spec in SHOPPERS]
    for index, conversation in enumerate(conversations):
        _transcript(conversation, TRANSCRIPTS.get(index, []), now - timedelta(hours=index * 5))
        if index in HANDED_OFF:
            conversation.handed_off, conversation.handed_off_at = True, now - timedelta(hours=2)
            conversation.save(update_fields=["handed_off", "handed_off_at"])
    rate = ShippingRate.objects.for_shop(shop).order_by("position", "id").first()
    created = 0
    for shopper, days_ago, lines, outcome in ORDERS:
        conversation = conversations[shopper]
        order = _place(shop, conversation.customer, lines, rate)
        if order is None:
            continue
        _play(order, outcome)
        _backdate(order, conversation.channel, now - timedelta(days=days_ago, hours=3))
        _funnel_steps(conversation, now - timedelta(days=days_ago, hours=3))
        created += 1
    return created


def _shopper(shop, spec: DemoShopper, account, now) -> Conversation:
    customer = Customer.objects.create(
        shop=shop, name=spec.name, phone=spec.phone, language=spec.language, last_seen_at=now
    )
    identity = CustomerIdentity.objects.create(
        shop=shop, customer=customer, channel=account, external_id=spec.external_id
    )
    return Conversation.objects.create(
        shop=shop,
        customer=customer,
        identity=identity,
        channel=account,
        opted_out=spec.channel == ChannelKind.SMS,
    )


def _transcript(conversation: Conversation, lines, when) -> None:
    """Past messages as they were logged: the outgoing ones delivered."""
    agent = User.objects.filter(email=AGENT_EMAIL).first()
    for offset, (said_by, text) in enumerate(lines):
        at = when + timedelta(minutes=offset)
        direction = Direction.INBOUND if said_by == "in" else Direction.OUTBOUND
        outbound = None
        if direction == Direction.OUTBOUND:
            outbound = OutboundMessage.objects.create(
                shop_id=conversation.shop_id,
                channel=conversation.channel,
                recipient=conversation.identity.external_id,
                conversation_key=str(conversation.pk),
                message={"type": "text", "text": text},
                payloads=[],
                status=OutboundStatus.SENT,
                sent_at=at,
            )
        message = Message.objects.create(
            shop_id=conversation.shop_id,
            conversation=conversation,
            direction=direction,
            kind="text",
            text=text,
            body={"type": "text", "text": text},
            outbound=outbound,
            author=agent if said_by == "agent" else None,
        )
        Message.objects.filter(pk=message.pk).update(created_at=at)
    if lines:
        # The conversation started with its first message, not when the demo ran.
        Conversation.objects.filter(pk=conversation.pk).update(
            created_at=when, last_message_at=when + timedelta(minutes=len(lines) - 1)
        )


def _place(shop, customer, lines, rate) -> Order | None:
    variants = []
    for prefix, quantity in lines:
        variant = (
            Variant.objects.for_shop(shop)
            .filter(sku__startswith=prefix, product__active=True)
            .filter(stock__gte=quantity + 1)
            .order_by("id")
            .first()
        )
        if variant is not None:
            variants.append((variant, quantity))
    if not variants:
        return None
    cart = cart_open(shop=shop, owner_key=f"customer:{customer.pk}")
    for variant, quantity in variants:
        cart_add(cart=cart, variant=variant, quantity=quantity)
    checkout = checkouts.checkout_start(
        cart=cart,
        customer=customer,
        contact_name=customer.name,
        contact_phone=customer.phone,
        shipping_address={"text": "12 rue de la Roquette, 75011 Paris"},
        shipping_rate=rate,
    )
    return checkouts.checkout_complete(checkout=checkout)


def _pay(order: Order) -> Order:
    payment = payments.payment_link_start(order=order)
    provider = provider_for("test")
    provider.link_create(payment)
    outcome = provider.pay_on_page(payment, "4242424242424242", save=True)
    payments.payment_outcome_record(payment=payment, outcome=outcome)
    order.refresh_from_db()
    return order


def _play(order: Order, outcome: str) -> None:
    if outcome == "pending":
        return
    if outcome == "cancelled":
        lifecycle.order_cancel(order=order, reason="Le client a changé d'avis")
        return
    order = _pay(order)
    if outcome in ("shipped", "delivered"):
        order = lifecycle.order_fulfil(
            order=order,
            tracking_number=f"6A{order.number}0042FR",
            tracking_url=f"https://www.laposte.fr/outils/suivre-vos-envois?code=6A{order.number}0042FR",
        )
    if outcome == "delivered":
        lifecycle.order_mark_delivered(order=order)
    if outcome == "refunded_part":
        payments.refund_create(order=order, amount=order.total // 3, reason="Ceinture abîmée")
    if outcome == "refunded":
        payments.refund_create(order=order, reason="Retour en boutique")


def _funnel_steps(conversation: Conversation, ordered_at) -> None:
    """The steps the shopper took before that order, as the bot records them, for the
    analytics' funnel (placed by the demo itself, they were not recorded)."""
    steps = (FunnelStep.PRODUCT_VIEWED, FunnelStep.ADDED_TO_CART, FunnelStep.CHECKOUT_STARTED)
    for minutes, step in zip((6, 4, 2), steps, strict=True):
        row = FunnelEvent.objects.create(
            shop_id=conversation.shop_id,
            channel_kind=conversation.channel.kind,
            conversation_id=conversation.pk,
            customer_id=conversation.customer_id,
            step=step,
        )
        at = ordered_at - timedelta(minutes=minutes)
        FunnelEvent.objects.filter(pk=row.pk).update(created_at=at)


def _backdate(order: Order, channel: ChannelAccount, at) -> None:
    """Attach the order to the shopper's channel and move its history back to `at`."""
    order = Order.objects.get(pk=order.pk)
    shift = timezone.now() - at
    moved = {"created_at": at, "channel": channel, "channel_kind": channel.kind}
    for field in ("paid_at", "fulfilled_at", "cancelled_at", "updated_at"):
        value = getattr(order, field)
        if value is not None:
            moved[field] = value - shift
    with transaction.atomic():
        Order.objects.filter(pk=order.pk).update(**moved)
        for model_label, lookup in HISTORY_MODELS:
            try:
                model = apps.get_model(model_label)
            except LookupError:
                continue
            for row in model.objects.filter(**{lookup: order}):
                model.objects.filter(pk=row.pk).update(created_at=row.created_at - shift)
