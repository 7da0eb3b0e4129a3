"""Carts, checkouts, orders, their lines, stock reservations and the shop's shipping rates.

A cart fills while the shopper browses. Checkout reserves its stock (`StockReservation`) and
collects contact, address and a shipping rate; confirming it places the order (one per
checkout). The order snapshots what was bought; its three statuses move only as
orders/transitions.py allows. Orders know customers and channels by reference only: orders
never import conversations or channel adapters.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from catalog.models import Variant
from orders.transitions import FulfillmentStatus, OrderStatus, PaymentStatus
from shops.models import Shop
from shops.tenancy import ShopOwned


class Cart(ShopOwned):
    """A shopper's open cart. `owner_key` says whose it is (the conversations app uses the
    customer's id), so orders need not know about conversations."""

    owner_key = models.CharField(max_length=64)
    is_open = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "owner_key"], condition=Q(is_open=True), name="cart_one_open"
            )
        ]


class CartLine(ShopOwned):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="cart_line_one_per_variant"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="cart_line_quantity_positive"
            ),
        ]


class ShippingKind(models.TextChoices):
    FLAT = "flat", "Flat rate"
    FREE_ABOVE = "free_above", "Flat rate, free above an amount"
    PICKUP = "pickup", "Pickup in store"


class ShippingRate(ShopOwned):
    """One way to get the order to the shopper. `amount` is in the shop currency's minor
    units; a `free_above` rate costs nothing once the goods reach `free_above`."""

    name = models.CharField(max_length=60)
    # The name in the shop's other languages, {"en": {"name": "Pickup in store"}}; `name` is
    # in the shop's own language (orders/translations.py).
    translations = models.JSONField(default=dict, blank=True)
    kind = models.CharField(max_length=12, choices=ShippingKind.choices, default=ShippingKind.FLAT)
    amount = models.BigIntegerField(default=0)
    free_above = models.BigIntegerField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)
    # How long delivery takes, in business days, when the brand says (Stripe Checkout shows it
    # beside the option); blank: nothing promised.
    delivery_days_min = models.PositiveSmallIntegerField(null=True, blank=True)
    delivery_days_max = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="shipping_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(delivery_days_min__isnull=True)
                | Q(delivery_days_max__isnull=True)
                | Q(delivery_days_min__lte=models.F("delivery_days_max")),
                name="shipping_delivery_days_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def needs_address(self) -> bool:
        return self.kind != ShippingKind.PICKUP

    def cost_for(self, subtotal: int) -> int:
        if self.kind == ShippingKind.PICKUP:
            return 0
        if self.kind == ShippingKind.FREE_ABOVE and self.free_above is not None:
            return 0 if subtotal >= self.free_above else self.amount
        return self.amount


class CheckoutStatus(models.TextChoices):
    OPEN = "open", "Open"  # stock reserved, details being collected
    COMPLETED = "completed", "Completed"  # the order is placed
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"


class Checkout(ShopOwned):
    """Checking out one cart: what is reserved, who buys, where it goes, how it ships."""

    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="checkouts")
    customer = models.ForeignKey(
        "conversations.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.ForeignKey(
        "channels_adapters.ChannelAccount",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        max_length=10, choices=CheckoutStatus.choices, default=CheckoutStatus.OPEN
    )
    currency = models.CharField(max_length=3)
    contact_name = models.CharField(max_length=150, blank=True)
    contact_phone = models.CharField(max_length=32, blank=True)
    # {"text": "12 rue …, 75011 Paris"} typed, or a shared location {"latitude", "longitude"}.
    shipping_address = models.JSONField(default=dict, blank=True)
    shipping_rate = models.ForeignKey(
        ShippingRate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["status", "expires_at"])]


class OrderCounter(models.Model):
    """The last order number handed out per shop (#1001, #1002…): one row per shop, bumped
    by a single atomic UPSERT, so concurrent checkouts never share a number."""

    shop = models.OneToOneField("shops.Shop", on_delete=models.CASCADE, primary_key=True)
    last_number = models.PositiveIntegerField(default=1000)

    def __str__(self) -> str:
        return f"shop {self.shop_id}: #{self.last_number}"


STATUS_FIELDS = ("status", "payment_status", "fulfillment_status")


class Order(ShopOwned):
    number = models.PositiveIntegerField()
    checkout = models.OneToOneField(
        Checkout, null=True, blank=True, on_delete=models.SET_NULL, related_name="order"
    )
    customer = models.ForeignKey(
        "conversations.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    channel = models.ForeignKey(
        "channels_adapters.ChannelAccount",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    channel_kind = models.CharField(max_length=12, blank=True)  # kept if the channel goes
    status = models.CharField(
        max_length=10, choices=OrderStatus.choices, default=OrderStatus.PENDING
    )
    payment_status = models.CharField(
        max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.AWAITING
    )
    fulfillment_status = models.CharField(
        max_length=12, choices=FulfillmentStatus.choices, default=FulfillmentStatus.UNFULFILLED
    )
    currency = models.CharField(max_length=3)
    subtotal = models.BigIntegerField()
    shipping_total = models.BigIntegerField(default=0)
    total = models.BigIntegerField()
    refunded_total = models.BigIntegerField(default=0)
    contact_name = models.CharField(max_length=150, blank=True)
    contact_phone = models.CharField(max_length=32, blank=True)
    shipping_address = models.JSONField(default=dict, blank=True)
    shipping_method = models.CharField(max_length=60, blank=True)
    shipping_rate = models.ForeignKey(
        ShippingRate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    carrier = models.CharField(max_length=60, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    tracking_url = models.URLField(max_length=500, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)
    # Stock stays reserved for an unpaid order until then.
    reserved_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "number"], name="order_number_unique_per_shop"),
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
            models.CheckConstraint(
                condition=Q(refunded_total__gte=0) & Q(refunded_total__lte=models.F("total")),
                name="order_refunds_within_total",
            ),
        ]
        indexes = [
            models.Index(fields=["shop", "-created_at"]),
            models.Index(fields=["status", "reserved_until"]),
            # Revenue and attribution read paid orders by when they were paid.
            models.Index(fields=["shop", "paid_at"], name="order_shop_paid_at"),
        ]

    def __str__(self) -> str:
        return f"#{self.number}"

    @classmethod
    def from_db(cls, db, field_names, values):
        order = super().from_db(db, field_names, values)
        # The statuses as read, so the timeline can tell "Paid → Refunded" (orders/events.py).
        order.loaded_statuses = {
            name: order.__dict__[name] for name in STATUS_FIELDS if name in order.__dict__
        }
        return order


class OrderLine(ShopOwned):
    """What was bought, as it was then: later catalog edits do not rewrite orders."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        Variant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    product_title = models.CharField(max_length=300)
    variant_name = models.CharField(max_length=120, blank=True)
    sku = models.CharField(max_length=64)
    unit_price = models.BigIntegerField()
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]

    @property
    def line_total(self) -> int:
        return self.unit_price * self.quantity


class ReservationState(models.TextChoices):
    HELD = "held", "Held"  # taken from stock, awaiting payment
    COMMITTED = "committed", "Sold"  # paid: the stock is gone for good
    RELEASED = "released", "Released"  # given back to stock


class StockReservation(ShopOwned):
    """Units taken from a variant's stock for a checkout (then its order) until paid or
    released. Releasing gives exactly these units back, once."""

    checkout = models.ForeignKey(Checkout, on_delete=models.CASCADE, related_name="reservations")
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.CASCADE, related_name="reservations"
    )
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    unit_price = models.BigIntegerField()  # the price when reserved: what the shopper saw
    # False for a variant whose stock is not tracked: nothing was taken, nothing to give back.
    from_stock = models.BooleanField(default=True)
    state = models.CharField(
        max_length=10, choices=ReservationState.choices, default=ReservationState.HELD
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["variant_id", "id"]


class EventSource(models.TextChoices):
    """Who or what changed an order, when no signed-in person did (then: their e-mail)."""

    SHOPPER = "shopper", "Shopper"
    PROVIDER = "provider", "Payment provider"
    API = "api", "Integrator API"
    DASHBOARD = "dashboard", "Dashboard"
    EXPIRY = "expiry", "System (reservation expired)"
    SYSTEM = "system", "System"


class OrderEvent(ShopOwned):
    """One line of an order's timeline: what happened, which statuses moved, who did it.
    Written by orders.events.order_event in the transaction that made the change, so the
    timeline never tells of a change that was rolled back."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="timeline")
    type = models.CharField(max_length=40)  # the event type: order.paid, order.refunded…
    # {"payment_status": ["paid", "partially_refunded"]}: each status that moved, from → to.
    changes = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=10, choices=EventSource.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as written then: the timeline still says who once the account is gone.
    actor_label = models.CharField(max_length=254)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.type} by {self.actor_label}"


class FunnelStep(models.TextChoices):
    """What a conversation did on its way to paying (paid itself is read from Order.paid_at),
    and its hand-offs to a person, which the analytics need long after handed_off_at is
    cleared by a hand-back."""

    PRODUCT_VIEWED = "product_viewed", "Product viewed"
    ADDED_TO_CART = "added_to_cart", "Added to cart"
    CHECKOUT_STARTED = "checkout_started", "Checkout started"
    HANDED_OFF = "handed_off", "Handed to a person"


class FunnelEvent(ShopOwned):
    """One step a conversation took, appended as it happens (one INSERT, never updated), for
    the dashboard's funnel and figures. Conversations and customers are known by id only:
    orders never import conversations, and the log outlives what it counts."""

    # funnel_shop_created below serves every read by shop: no second index to write.
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", db_index=False)
    channel_kind = models.CharField(max_length=12)
    conversation_id = models.BigIntegerField()
    customer_id = models.BigIntegerField(null=True, blank=True)
    step = models.CharField(max_length=20, choices=FunnelStep.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["shop", "created_at"], name="funnel_shop_created"),
            # "Was this conversation ever handed to a person?" for the bot-alone share.
            models.Index(fields=["conversation_id", "step"], name="funnel_conversation_step"),
        ]

    def __str__(self) -> str:
        return f"{self.step} in conversation {self.conversation_id}"
