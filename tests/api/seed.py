"""A shop with something behind every endpoint of the API: a catalog, orders in several states,
conversations on several channels, webhook endpoints, shipping rates."""

from dataclasses import dataclass, field

from catalog.services import category_create, product_create
from channels_adapters.models import ChannelAccount, ChannelKind
from channels_adapters.setup import webchat_channel
from conversations.models import Conversation, Customer, CustomerIdentity
from orders import lifecycle
from orders.models import Order, ShippingKind
from orders.shipping import shipping_rate_create
from payments import services as payments
from shops.models import Shop
from shops.services import api_key_create, shop_create
from shops.webhooks.services import webhook_endpoint_create
from tests.orders.conftest import buy, pay


@dataclass
class SeededShop:
    shop: Shop
    raw_key: str
    # Ids that exist, per collection (the first segment after /api/v1/).
    ids: dict[str, list[int]] = field(default_factory=dict)


def seeded_shop(name: str = "Seeded") -> SeededShop:
    shop = shop_create(name=name, owner_email=f"{name.lower()}@example.com", currency="EUR")
    _, raw_key = api_key_create(shop=shop, name="schemathesis")
    api_key_create(shop=shop, name="spare read-only", read_only=True)

    category = category_create(shop=shop, name="Sacs")
    bag = product_create(
        shop=shop,
        title="Sac cabas",
        category=category,
        tags=["lin"],
        variants=[
            {"sku": "SAC-1", "name": "Naturel", "price": 2499, "stock": 50},
            {"sku": "SAC-GIFT", "name": "Carte cadeau", "price": 1000, "track_stock": False},
        ],
    )
    product_create(
        shop=shop,
        title="Robe portefeuille",
        variants=[{"sku": "ROBE-38", "name": "38", "price": 4990, "stock": 3}],
    )
    tracked = bag.variants.order_by("id").first()

    rate = shipping_rate_create(
        shop=shop, name="Colissimo", kind=ShippingKind.FREE_ABOVE, amount=490, free_above=10000
    )
    shipping_rate_create(shop=shop, name="Retrait", kind=ShippingKind.PICKUP, amount=0)

    webchat = webchat_channel(shop=shop)
    sms = ChannelAccount.objects.create(
        shop=shop,
        kind=ChannelKind.SMS,
        external_id=f"+3361000{shop.pk:04d}",
        name="SMS",
        credentials={"seeded": True},
    )
    for account, external_id in ((webchat, "visitor-1"), (sms, "+33612345678")):
        customer = Customer.objects.create(shop=shop, name=f"Client {external_id}")
        identity = CustomerIdentity.objects.create(
            shop=shop, customer=customer, channel=account, external_id=external_id
        )
        Conversation.objects.create(
            shop=shop, customer=customer, identity=identity, channel=account
        )

    buy(shop, tracked, 1, key="pending", shipping_rate=rate)  # placed, unpaid
    paid = buy(shop, tracked, 2, key="paid", shipping_rate=rate)
    pay(paid)
    shipped = buy(shop, tracked, 1, key="shipped", shipping_rate=rate)
    pay(shipped)
    lifecycle.order_fulfil(order=Order.objects.get(pk=shipped.pk), tracking_number="6A1")
    refunded = buy(shop, tracked, 1, key="refunded", shipping_rate=rate)
    pay(refunded)
    payments.refund_create(order=Order.objects.get(pk=refunded.pk), reason="Retour")
    cancelled = buy(shop, tracked, 1, key="cancelled", shipping_rate=rate)
    lifecycle.order_cancel(order=cancelled, reason="Changement d'avis")

    webhook_endpoint_create(
        shop=shop, url="https://127.0.0.1:9/souk", events=["order.paid"], description="ERP"
    )
    return SeededShop(shop=shop, raw_key=raw_key, ids=_ids(shop))


def _ids(shop: Shop) -> dict[str, list[int]]:
    from catalog.models import Category, Product, ProductImage, Variant
    from orders.models import ShippingRate
    from shops.models import ApiKey, WebhookEndpoint

    models = {
        "products": Product,
        "variants": Variant,
        "categories": Category,
        "images": ProductImage,
        "api-keys": ApiKey,
        "channels": ChannelAccount,
        "conversations": Conversation,
        "customers": Customer,
        "orders": Order,
        "shipping-rates": ShippingRate,
        "webhooks": WebhookEndpoint,
    }
    return {
        name: list(model.objects.filter(shop=shop).values_list("pk", flat=True))
        for name, model in models.items()
    }
