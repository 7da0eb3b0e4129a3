"""Payments: each attempt to collect an order's money, the cards shoppers saved for next time,
refunds, and the provider webhook events already seen.

No card data ever lands here: a saved method is the provider's reference plus what a shopper
needs to recognise it ("Visa •••• 4242"). Payments know orders, never chats.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from shops.crypto import EncryptedJSONField
from shops.tenancy import ShopOwned


class Provider(models.TextChoices):
    TEST = "test", "Test provider"
    STRIPE = "stripe", "Stripe"
    TELEGRAM = "telegram", "Telegram invoice"


class PaymentMethod(ShopOwned):
    """A card the shopper chose to save, as the provider knows it."""

    customer = models.ForeignKey(
        "conversations.Customer", on_delete=models.CASCADE, related_name="payment_methods"
    )
    provider = models.CharField(max_length=10, choices=Provider.choices)
    provider_customer_id = models.CharField(max_length=100, blank=True)
    provider_method_id = models.CharField(max_length=100)
    brand = models.CharField(max_length=20, blank=True)
    last4 = models.CharField(max_length=4, blank=True)
    exp_month = models.PositiveSmallIntegerField(null=True, blank=True)
    exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "provider", "provider_method_id"],
                name="payment_method_saved_once",
            )
        ]

    @property
    def label(self) -> str:
        brand = (self.brand or "card").replace("_", " ").title()
        return f"{brand} •••• {self.last4}" if self.last4 else brand


class PaymentKind(models.TextChoices):
    LINK = "link", "Hosted payment page"  # test page or Stripe Checkout
    SAVED = "saved", "Saved card, off session"
    INVOICE = "invoice", "Telegram invoice"


class PaymentState(models.TextChoices):
    PENDING = "pending", "Pending"  # link sent, invoice sent, or charge queued
    REQUIRES_ACTION = "requires_action", "Needs the shopper to authenticate"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class Payment(ShopOwned):
    """One attempt to collect an order's total. Every provider call about it carries
    `idempotency_key`, derived from our id: a retried task never charges twice."""

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="payments")
    provider = models.CharField(max_length=10, choices=Provider.choices)
    kind = models.CharField(max_length=8, choices=PaymentKind.choices)
    state = models.CharField(
        max_length=16, choices=PaymentState.choices, default=PaymentState.PENDING
    )
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    method = models.ForeignKey(
        PaymentMethod, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The provider's id: Checkout Session / PaymentIntent, Telegram charge id, test charge id.
    provider_ref = models.CharField(max_length=120, blank=True)
    provider_charge_ref = models.CharField(max_length=120, blank=True)
    # Where the shopper pays or authenticates (hosted page); empty for invoices.
    url = models.URLField(max_length=1000, blank=True)
    # An unguessable token naming this payment in the test provider's pay page URL.
    page_token = models.CharField(max_length=43, blank=True, db_index=True)
    failure_code = models.CharField(max_length=60, blank=True)
    failure_message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    # Set while a provider call is owed (pay link to create, saved card to charge): when the
    # sweeper may take the work as lost (task never published, worker killed mid-call).
    # Cleared once the call's outcome is recorded.
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_amount_not_negative")
        ]
        indexes = [
            models.Index(fields=["provider", "provider_ref"]),
            # The sweeper's query (every few seconds): only payments owing a call are in it.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(next_attempt_at__isnull=False),
                name="payment_provider_work_due",
            ),
        ]

    @property
    def idempotency_key(self) -> str:
        return f"souk-payment-{self.pk}"


class RefundState(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class Refund(ShopOwned):
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="refunds")
    amount = models.BigIntegerField()
    reason = models.CharField(max_length=200, blank=True)
    state = models.CharField(
        max_length=10, choices=RefundState.choices, default=RefundState.PENDING
    )
    provider_ref = models.CharField(max_length=120, blank=True)
    failure_message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # False for money sent straight back (paid too late, paid twice): the order keeps what it
    # was paid. Stored so a swept retry records it as the first task would have.
    record_on_order = models.BooleanField(default=True)
    # As Payment.next_attempt_at: set while the provider refund is owed.
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(next_attempt_at__isnull=False),
                name="refund_provider_work_due",
            )
        ]

    @property
    def idempotency_key(self) -> str:
        return f"souk-refund-{self.pk}"


class ProviderEvent(models.Model):
    """A provider webhook event (Stripe), stored once: redelivery finds the row and stops.
    `shop` is set when it came to a shop's own endpoint (its own Stripe account): only that
    shop's payments are looked up for it."""

    provider = models.CharField(max_length=10, choices=Provider.choices)
    shop = models.ForeignKey(
        "shops.Shop", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    event_id = models.CharField(max_length=120)
    type = models.CharField(max_length=80)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="provider_event_once")
        ]
        indexes = [
            # The sweeper's query (stripe_events_stale, every few seconds): only the few
            # unprocessed rows are in it.
            models.Index(
                fields=["received_at"],
                condition=models.Q(processed_at__isnull=True),
                name="provider_event_unprocessed",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id}"


class SandboxCharge(models.Model):
    """The test provider's own ledger, as Stripe keeps one on its side: a charge made with an
    idempotency key already used returns the first result instead of charging again."""

    idempotency_key = models.CharField(max_length=80, unique=True)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    card_last4 = models.CharField(max_length=4)
    outcome = models.CharField(max_length=20)  # succeeded, declined, requires_action
    # Set when the shopper chose to save the card: the method id it is saved under.
    saved_method_id = models.CharField(max_length=60, blank=True)
    customer_ref = models.CharField(max_length=60, blank=True)
    refunded = models.BigIntegerField(default=0)
    # The idempotency keys of the refunds made: a refund retried with one returns the first
    # result instead of refunding again.
    refund_keys = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.idempotency_key}: {self.outcome}"


class ShopPaymentSettings(models.Model):
    """Which provider a shop takes new payments with, and its own Stripe account's keys.

    The keys are stored encrypted (FIELD_ENCRYPTION_KEY) and never shown again: pages show
    the hints ("sk_live_…AbCd"). A shop without a row, or without a key of its own, uses the
    platform's STRIPE_SECRET_KEY / STRIPE_WEBHOOK_SECRET (payments.selectors).
    """

    CHOICES = [(Provider.TEST, Provider.TEST.label), (Provider.STRIPE, Provider.STRIPE.label)]

    shop = models.OneToOneField(
        "shops.Shop", on_delete=models.CASCADE, related_name="payment_settings"
    )
    provider = models.CharField(max_length=10, choices=CHOICES, default=Provider.TEST)
    stripe_secret_key = EncryptedJSONField(null=True, blank=True)
    stripe_key_hint = models.CharField(max_length=40, blank=True)
    stripe_webhook_secret = EncryptedJSONField(null=True, blank=True)
    stripe_webhook_secret_hint = models.CharField(max_length=40, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name_plural = "shop payment settings"

    def __str__(self) -> str:
        return f"{self.shop_id}: {self.provider}"

    @property
    def stripe_livemode(self) -> bool:
        return "_live_" in self.stripe_key_hint
