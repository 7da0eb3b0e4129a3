"""Every dashboard URL, found by walking the URL configuration (a page added tomorrow is
covered without editing the tests), and the objects its URL arguments name."""

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from catalog.services import category_create, image_add, product_create
from channels_adapters.models import ChannelAccount
from conversations.models import CannedReply, Conversation, Customer, CustomerIdentity, Label
from orders.models import Order, ShippingRate
from shops.models import Membership, Role, User, WebhookDelivery, WebhookEndpoint
from shops.services import api_key_create
from tests.conftest import image_bytes


@dataclass(frozen=True)
class DashboardUrl:
    name: str  # "dashboard:product_edit"
    kwarg_names: tuple[str, ...]
    view: Callable

    @property
    def permissions(self) -> dict[str, str]:
        return self.view.dashboard_permissions

    def __str__(self) -> str:
        return self.name


def _walk(patterns, namespace: str, inherited: tuple[str, ...]) -> Iterator[DashboardUrl]:
    for entry in patterns:
        kwargs = inherited + tuple(getattr(entry.pattern, "converters", {}))
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner, kwargs)
        elif isinstance(entry, URLPattern) and entry.name:
            yield DashboardUrl(f"{namespace}:{entry.name}", kwargs, entry.callback)


def dashboard_urls() -> list[DashboardUrl]:
    [(_, resolver)] = [get_resolver().namespace_dict["dashboard"]]
    return sorted(_walk(resolver.url_patterns, "dashboard", ()), key=str)


# --- The objects URL arguments name, made in a given shop ---------------------------------------


def _product(shop):
    return product_create(
        shop=shop,
        title="Walk product",
        variants=[{"sku": f"WALK-{uuid.uuid4().hex[:8]}", "name": "One", "price": 1000}],
    )


def _channel(shop):
    return ChannelAccount.objects.create(
        shop=shop,
        kind="telegram",
        external_id=str(uuid.uuid4().int)[:12],
        credentials={"token": "1:walk"},
    )


def _customer(shop):
    return Customer.objects.create(shop=shop, name="Walk customer")


def _conversation(shop):
    customer = _customer(shop)
    channel = _channel(shop)
    identity = CustomerIdentity.objects.create(
        shop=shop, customer=customer, channel=channel, external_id="walk"
    )
    return Conversation.objects.create(
        shop=shop, customer=customer, identity=identity, channel=channel
    )


def _order(shop):
    number = 5000 + Order.objects.for_shop(shop).count()
    return Order.objects.create(
        shop=shop, number=number, currency=shop.currency, subtotal=1000, total=1000
    )


def _member(shop):
    user = User.objects.create_user(f"walk-{uuid.uuid4().hex[:8]}@example.com", "x-long-pass-1")
    return Membership.objects.create(shop=shop, user=user, role=Role.AGENT)


def _endpoint(shop):
    return WebhookEndpoint.objects.create(
        shop=shop, url="https://hooks.example.com/souk", events=["order.paid"], secret="whsec_x"
    )


def _delivery(shop):
    endpoint = _endpoint(shop)
    return WebhookDelivery.objects.create(
        shop=shop,
        endpoint=endpoint,
        event_id=uuid.uuid4(),
        event_type="ping",
        payload={"type": "ping"},
    )


def _invitation(shop):
    from shops.team import invitation_create

    owner = Membership.objects.filter(shop=shop, role=Role.OWNER).first()
    invitation, _token = invitation_create(
        shop=shop,
        email=f"invited-{uuid.uuid4().hex[:8]}@example.com",
        role=Role.AGENT,
        invited_by=owner.user if owner else None,
    )
    return invitation


def _import(shop):
    model = apps.get_model("catalog", "CatalogImport")
    return model.objects.create(shop=shop, file_name="walk.csv")


def _image(shop):
    upload = SimpleUploadedFile("walk.jpg", image_bytes(), content_type="image/jpeg")
    return image_add(product=_product(shop), upload=upload)


# kwarg name → (object maker, attribute giving the URL value)
OBJECT_MAKERS: dict[str, Callable] = {
    "product_id": _product,
    "variant_id": lambda shop: _product(shop).variants.get(),
    "image_id": _image,
    "category_id": lambda shop: category_create(shop=shop, name=f"Walk {uuid.uuid4().hex[:6]}"),
    "order_id": _order,
    "customer_id": _customer,
    "conversation_id": _conversation,
    "channel_id": _channel,
    "rate_id": lambda shop: ShippingRate.objects.create(shop=shop, name="Walk rate", amount=490),
    "member_id": _member,
    "invitation_id": _invitation,
    "key_id": lambda shop: api_key_create(shop=shop, name="walk")[0],
    "endpoint_id": _endpoint,
    "delivery_id": _delivery,
    "import_id": _import,
    "label_id": lambda shop: Label.objects.create(shop=shop, name=f"Walk {uuid.uuid4().hex[:6]}"),
    "canned_reply_id": lambda shop: CannedReply.objects.create(
        shop=shop, shortcut=f"walk{uuid.uuid4().hex[:6]}", text="Walk reply"
    ),
}
NOT_OBJECTS = {"kind": "telegram"}


def url_for(url: DashboardUrl, shop) -> str:
    """The URL with each object argument naming a new object of `shop`. A delivery's endpoint
    argument names that delivery's endpoint, so the pair is consistent."""
    values: dict[str, object] = {}
    made: dict[str, object] = {}
    for name in url.kwarg_names:
        if name in NOT_OBJECTS:
            values[name] = NOT_OBJECTS[name]
            continue
        if name not in OBJECT_MAKERS:
            raise AssertionError(
                f"{url}: URL argument {name!r} is not in tests/dashboard/dashboard_urls.py "
                "OBJECT_MAKERS; add how to make one so tenancy and roles are checked."
            )
        made[name] = OBJECT_MAKERS[name](shop)
        values[name] = made[name].pk
    if "delivery_id" in made and "endpoint_id" in values:
        values["endpoint_id"] = made["delivery_id"].endpoint_id
    if "variant_id" in made and "product_id" in values:
        values["product_id"] = made["variant_id"].product_id
    if "image_id" in made and "product_id" in values:
        values["product_id"] = made["image_id"].product_id
    return reverse(url.name, kwargs=values)


def names_objects(url: DashboardUrl) -> bool:
    return any(name in OBJECT_MAKERS for name in url.kwarg_names)
