"""The bot's answers to what is not a search (conversations/understanding.py says which): where
the shopper's last order is, delivery and returns in the brand's own words (Settings → Shop,
in the shopper's language where the brand wrote it, else the shop's),
and the sizes an item comes in. Each reads what it needs and returns a Reply; none changes
anything, so the bot can call them from any step.
"""

from catalog.models import Product
from catalog.search import SIZE_OPTION_KEYS
from catalog.selectors import ShopperSearch, product_search
from catalog.translations import product_title
from channels_adapters import messages as m
from conversations.payloads import encode
from conversations.phrases import say
from conversations.reply import Reply
from orders import selectors as orders
from orders.models import Order
from orders.transitions import FulfillmentStatus, OrderStatus, PaymentStatus
from shops.models import Shop
from shops.translations import shop_text

REFUNDED = (PaymentStatus.REFUNDED, PaymentStatus.PARTIALLY_REFUNDED)


def order_status(*, shop: Shop, customer, language: str, order_id: int | None = None) -> Reply:
    """The status of the shopper's last order (or of `order_id`, one of theirs), with its
    carrier, tracking number and tracking link once it has shipped, and a way to the others
    when more than one is under way."""
    if order_id is None:
        order = orders.last_order(shop=shop, customer=customer)
    else:
        order = orders.customer_order(shop=shop, customer=customer, order_id=order_id)
    if order is None:
        return Reply([m.Text(say("order_none", language))])
    text = _order_status_text(order, language)
    buttons = []
    if order.tracking_url and order.fulfillment_status == FulfillmentStatus.FULFILLED:
        buttons.append(m.Button(say("track_button", language), url=order.tracking_url))
    if orders.open_orders(shop=shop, customer=customer).exclude(pk=order.pk).exists():
        buttons.append(m.Button(say("other_orders", language), encode("orders")))
    if buttons:
        return Reply([m.QuickReplies(text, tuple(buttons))])
    return Reply([m.Text(text)])


OPEN_ORDERS_SHOWN = 9


def open_orders(*, shop: Shop, customer, language: str) -> Reply:
    """The shopper's orders under way, one button each: a tap tells where that one is."""
    under_way = list(orders.open_orders(shop=shop, customer=customer)[:OPEN_ORDERS_SHOWN])
    if not under_way:
        return order_status(shop=shop, customer=customer, language=language)
    options = tuple(
        m.Button(say("order_button", language, number=o.number), encode("order", o.pk))
        for o in under_way
    )
    return Reply([m.QuickReplies(say("orders_open", language), options)])


def _order_status_text(order: Order, language: str) -> str:
    number = order.number
    if order.payment_status in REFUNDED:
        return say("order_refunded", language, number=number)
    if order.status == OrderStatus.CANCELLED:
        return say("order_cancelled", language, number=number)
    if order.status == OrderStatus.PENDING:
        return say("order_awaiting_payment", language, number=number)
    if order.fulfillment_status == FulfillmentStatus.DELIVERED:
        return say("order_delivered", language, number=number)
    if order.fulfillment_status == FulfillmentStatus.FULFILLED:
        lines = [say("order_shipped", language, number=number)]
        if order.carrier:
            lines.append(say("order_carrier", language, carrier=order.carrier))
        if order.tracking_number:
            lines.append(say("tracking", language, tracking=order.tracking_number))
        return "\n".join(lines)
    return say("order_preparing", language, number=number)


def delivery(*, shop: Shop, language: str) -> Reply:
    return _brand_answer(shop_text(shop, "delivery_info", language), "delivery_ask_team", language)


def returns(*, shop: Shop, language: str) -> Reply:
    return _brand_answer(shop_text(shop, "returns_info", language), "returns_ask_team", language)


def _brand_answer(written: str, ask_team_key: str, language: str) -> Reply:
    """The brand's words as written; when it wrote none, a person rather than a guess."""
    if written.strip():
        return Reply([m.Text(written.strip())])
    person = m.Button(say("human", language), encode("human"))
    return Reply([m.QuickReplies(say(ask_team_key, language), (person,))])


def sizes(*, shop: Shop, language: str, product: Product | None = None, query: str = "") -> Reply:
    """The sizes in stock of `product` (the one the shopper is looking at), or else of the
    best match for `query`; asks which item when there is neither."""
    if product is None and query.strip():
        product = product_search(shop=shop, search=ShopperSearch(query=query)).first()
    if product is None:
        return Reply([m.Text(say("sizes_which_product", language))])
    title = product_title(product, language)
    variants = list(product.variants.order_by("position", "id"))
    sized = [v for v in variants if _size_of(v)]
    if not sized:
        return _about(product, say("sizes_one", language, product=title), language)
    available = _unique(_size_of(v) for v in sized if v.in_stock)
    if not available:
        return _about(product, say("sizes_sold_out", language, product=title), language)
    text = say("sizes_available", language, product=title, sizes=", ".join(available))
    return _about(product, text, language)


def _about(product: Product, text: str, language: str) -> Reply:
    # "See it" shows the product and its choices; "p" would put it in the cart.
    see = m.Button(say("see_product", language), encode("show", product.pk))
    return Reply([m.QuickReplies(text, (see,))])


def _size_of(variant) -> str:
    options = variant.options or {}
    for key in SIZE_OPTION_KEYS:
        if str(options.get(key, "")).strip():
            return str(options[key]).strip()
    return ""


def _unique(values) -> list[str]:
    return list(dict.fromkeys(values))
