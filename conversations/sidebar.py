"""The shop beside the chat (the inbox's commerce sidebar): what an agent sees of the shopper —
who they are, their cart, their orders — and what the agent does for them from there: send a
product card or a category's carousel, fill the cart, ask for payment.

Every message is the bot's own (conversations.showcase builds it, the channel's adapter renders
it), sent with conversation_send and the agent as its author. The cart is the bot's cart of
the customer; a payment request is the bot's checkout (orders.checkout) and payment link
(payments.services), so the link, the receipt, a decline or the expiry reach this conversation
through conversations.notifications like any order the bot placed.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet

from catalog import selectors as catalog
from catalog.models import Category, Product, Variant
from channels_adapters import messages as m
from conversations import showcase
from conversations.bot import ShoppingBot
from conversations.composer import conversation_reply_window
from conversations.engine.offers import menus_offered
from conversations.engine.state import Step, state_dump, state_load
from conversations.language import shopper_language
from conversations.models import Conversation, Customer, CustomerIdentity
from conversations.payloads import encode
from conversations.phrases import say
from conversations.services import conversation_send
from orders import checkout as checkouts
from orders import services as carts
from orders.funnel import FunnelSource
from orders.models import Cart, CartLine, Checkout, CheckoutStatus, Order, ShippingRate
from orders.selectors import CartView, shipping_rates
from payments import selectors as payment_selectors
from payments import services as payments
from payments.models import PaymentMethod
from shops.models import Shop

RECENT_ORDERS = 5
SEARCH_RESULTS = 8


class NothingToSend(Exception):
    """What the agent asked for would send the shopper nothing (why is the message)."""


def cart_owner_key(customer: Customer) -> str:
    # The bot's key for the customer's cart (ShoppingBot._open_cart): one cart, both hands.
    return f"customer:{customer.pk}"


def funnel_source(conversation: Conversation) -> FunnelSource:
    """Steps an agent takes for the shopper count in the conversation's funnel too."""
    return FunnelSource(conversation.channel.kind, conversation.pk, conversation.customer_id)


# -- Reads ---------------------------------------------------------------------------------------
def sidebar_conversation(*, shop: Shop) -> QuerySet[Conversation]:
    """Conversations with what every sidebar request needs in the same query; pick one with
    get_for_shop_or_404."""
    return Conversation.objects.for_shop(shop).select_related(
        "customer", "channel", "identity", "shop"
    )


def open_cart(*, customer: Customer) -> Cart | None:
    """The customer's open cart, or None (reading never creates one)."""
    return Cart.objects.filter(
        shop_id=customer.shop_id, owner_key=cart_owner_key(customer), is_open=True
    ).first()


def cart_lines(cart: Cart | None) -> CartView | None:
    """The cart's lines, each named as the bot names it to the shopper (`item`), with its
    amount at today's price (`amount`)."""
    if cart is None:
        return None
    lines = list(
        CartLine.objects.filter(cart=cart).select_related("variant__product").order_by("id")
    )
    for line in lines:
        line.item = showcase.item_name(line.variant)
        line.amount = line.variant.price * line.quantity
    return CartView(cart, lines)


def saved_method(*, customer: Customer) -> PaymentMethod | None:
    """The card the bot would offer: the one saved with the shop's current provider."""
    return payment_selectors.saved_method_for(
        customer=customer, provider=payments.default_provider(shop_id=customer.shop_id)
    )


def recent_orders(*, customer: Customer) -> list[Order]:
    """The customer's latest orders, one more than shown (to know there are more)."""
    orders = Order.objects.filter(shop_id=customer.shop_id, customer=customer)
    return list(orders.order_by("-created_at", "-id")[: RECENT_ORDERS + 1])


def identities(*, customer: Customer) -> list[CustomerIdentity]:
    return list(
        CustomerIdentity.objects.filter(shop_id=customer.shop_id, customer=customer)
        .select_related("channel")
        .order_by("id")
    )


@dataclass
class Sidebar:
    conversation: Conversation
    customer: Customer
    identities: list[CustomerIdentity]
    saved_method: PaymentMethod | None
    cart: CartView | None
    orders: list[Order]
    more_orders: bool
    categories: list[Category]
    rates: list[ShippingRate]

    @property
    def cart_total(self) -> int:
        return self.cart.total if self.cart else 0


def sidebar_for(*, conversation: Conversation) -> Sidebar:
    """Everything the sidebar shows, in a fixed number of queries whatever the cart or the
    order history holds."""
    customer = conversation.customer
    orders = recent_orders(customer=customer)
    return Sidebar(
        conversation=conversation,
        customer=customer,
        identities=identities(customer=customer),
        saved_method=saved_method(customer=customer),
        cart=cart_lines(open_cart(customer=customer)),
        orders=orders[:RECENT_ORDERS],
        more_orders=len(orders) > RECENT_ORDERS,
        categories=categories(shop=conversation.shop),
        rates=delivery_rates(shop=conversation.shop),
    )


def categories(*, shop: Shop) -> list[Category]:
    return list(catalog.category_list(shop=shop).order_by("position", "id"))


def delivery_rates(*, shop: Shop) -> list[ShippingRate]:
    return list(shipping_rates(shop=shop))


def product_search(*, shop: Shop, query: str) -> list[Product]:
    """Active products matching the words, with variants and images, for the picker."""
    if not query.strip():
        return []
    products = catalog.product_list(shop=shop, query=query, active=True).order_by("title", "id")
    found = list(products[:SEARCH_RESULTS])
    for product in found:
        # What the shopper's card will say, and a thumbnail to recognise it.
        product.price_text = showcase.price_label(product, shop=shop, lang=shop.language)
        images = [image for image in product.images.all() if image.square]
        product.thumb = images[0] if images else None
        for variant in product.variants.all():
            variant.label = showcase.variant_label(variant) or product.title
    return found


def sendable_products(*, shop: Shop):
    return catalog.product_list(shop=shop, active=True)


def cart_variants(*, shop: Shop):
    """Variants an agent may put in a cart: those of active products."""
    return catalog.variant_list(shop=shop).filter(product__active=True)


# -- Sending the bot's messages ------------------------------------------------------------------
def _send(conversation: Conversation, messages: list[m.OutboundMessage], author) -> None:
    """As a person's reply (conversations.composer): within the channel's window, with the
    tag it asks for; never queued when the platform would refuse it."""
    if conversation.opted_out:
        raise NothingToSend("The shopper opted out of messages: nothing can be sent to them.")
    window = conversation_reply_window(conversation=conversation)
    if not window.open:
        raise NothingToSend(window.explanation)
    conversation_send(conversation=conversation, messages=messages, author=author, tag=window.tag)


def _offer_taps(conversation: Conversation, messages: list[m.OutboundMessage]) -> None:
    """As the bot does after a carousel: a shopper who answers "2" (SMS) picks the second
    card just sent, not an item of an older menu."""
    menus_offered(conversation, messages, step=Step.MENU)


def product_card_send(*, conversation: Conversation, product: Product, author) -> None:
    """The product's card as the bot shows it in a list; "Buy now" and "Add to cart" lead
    into the bot's flow."""
    shop = conversation.shop
    lang = shopper_language(conversation)
    card = m.Carousel((showcase.product_card(product, shop=shop, lang=lang),))
    with transaction.atomic():
        _send(conversation, [card], author)
        _offer_taps(conversation, [card])


def category_carousel_send(*, conversation: Conversation, category: Category | None, author):
    """The first page of the category's products (every product for None), exactly as the bot
    answers a shopper who picks that category, with "More" for the next page."""
    shop, lang = conversation.shop, shopper_language(conversation)
    category_id = category.pk if category else 0  # 0: every product, as the bot says it
    products = showcase.products_page(shop=shop, category_id=category_id or None, page=0)
    if not products:
        raise NothingToSend("No active product in this category: there is nothing to show.")
    carousel = showcase.products_carousel(
        products,
        shop=shop,
        lang=lang,
        intro=say("here_are", lang),
        more_payload=encode("cat", category_id, 1),
    )
    with transaction.atomic():
        _send(conversation, [carousel], author)
        _offer_taps(conversation, [carousel])
    return carousel


# -- The cart ------------------------------------------------------------------------------------
def agent_cart_add(*, conversation: Conversation, variant: Variant, quantity: int):
    """Raises orders.stock.NotEnoughStock when the cart would hold more than is in stock."""
    cart = carts.cart_open(shop=conversation.shop, owner_key=cart_owner_key(conversation.customer))
    return carts.cart_add(
        cart=cart, variant=variant, quantity=quantity, funnel=funnel_source(conversation)
    )


def agent_cart_line_set(*, conversation: Conversation, variant: Variant, quantity: int):
    """The quantity of the variant's line in the customer's cart (0 removes it); None when
    the cart holds no such line. Raises orders.stock.NotEnoughStock."""
    cart = open_cart(customer=conversation.customer)
    line = None
    if cart is not None:
        line = CartLine.objects.filter(cart=cart, variant=variant).select_related("variant").first()
    if line is None:
        return None
    return carts.cart_line_set_quantity(line=line, quantity=quantity)


# -- Asking for payment --------------------------------------------------------------------------
@dataclass(frozen=True)
class Recipient:
    """Who the order is for and where it goes, as the agent confirmed it."""

    contact_name: str
    contact_phone: str
    shipping_rate: ShippingRate | None
    shipping_address: dict


def remembered_address(customer: Customer) -> dict:
    return (customer.preferences or {}).get("address") or {}


def missing_details(recipient: Recipient, *, rates_exist: bool) -> list[str]:
    """What the order still lacks, by the checkout's own rule."""
    draft = Checkout(
        contact_name=recipient.contact_name,
        contact_phone=recipient.contact_phone,
        shipping_rate=recipient.shipping_rate,
        shipping_address=recipient.shipping_address,
    )
    return checkouts.missing_details(draft, rates_exist=rates_exist)


def payment_request_send(*, conversation: Conversation, recipient: Recipient, author) -> Order:
    """The customer's cart checked out and placed as an order of this conversation (its
    customer and channel), then a payment link: the link, and later the receipt, a decline or
    the expiry, reach the shopper here through conversations.notifications. The bot keeps the
    order in its state, so the link's Cancel button and a decline's Pay again work as for an
    order the bot placed.

    Raises orders.checkout.EmptyCart, orders.stock.NotEnoughStock (nothing reserved),
    orders.checkout.MissingDetails, or NothingToSend (the shopper opted out, or the channel's
    window is closed: then nothing is placed or reserved)."""
    if conversation.opted_out:
        raise NothingToSend("The shopper opted out of messages: the link could not reach them.")
    window = conversation_reply_window(conversation=conversation)
    if not window.open:
        # No order placed and no stock held for a link the channel would not deliver.
        raise NothingToSend(window.explanation)
    customer = conversation.customer
    with transaction.atomic():
        # The conversation first, as the bot's events lock it (conversations/services.py): the
        # same lock order, and a bot reply being written now is not overwritten below.
        locked = Conversation.objects.select_for_update().only("bot_state").get(pk=conversation.pk)
        cart = carts.cart_open(shop=conversation.shop, owner_key=cart_owner_key(customer))
        # A checkout the shopper left open (with the bot, maybe on another channel) gives its
        # stock back: the new one carries this conversation's channel and these details.
        for stale in Checkout.objects.filter(cart=cart, status=CheckoutStatus.OPEN):
            checkouts.checkout_cancel(checkout=stale)
        checkout = checkouts.checkout_start(
            cart=cart,
            customer=customer,
            channel=conversation.channel,
            funnel=funnel_source(conversation),
            contact_name=recipient.contact_name,
            contact_phone=recipient.contact_phone,
            shipping_rate=recipient.shipping_rate,
            shipping_address=recipient.shipping_address,
        )
        order = checkouts.checkout_complete(checkout=checkout, actor=author)
        # The bot's memory of the shopper (name, phone, address, rate): it will not ask again.
        ShoppingBot(conversation).checkout._remember(checkout)
        state = state_load(locked.bot_state)
        state.step, state.options, state.reorder = Step.MENU, [], None
        state.checkout, state.order = checkout.pk, order.pk
        conversation.bot_state = state_dump(state)
        conversation.save(update_fields=["bot_state"])
        payments.payment_link_start(order=order)
    return order
