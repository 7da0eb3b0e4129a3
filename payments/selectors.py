from django.conf import settings
from django.db.models import Subquery, Value
from django.db.models.functions import Coalesce

from payments.models import (
    Payment,
    PaymentKind,
    PaymentMethod,
    PaymentState,
    Refund,
    RefundState,
    ShopPaymentSettings,
)


def saved_method_for(*, customer, provider: str) -> PaymentMethod | None:
    """The card the shopper saved most recently with this provider."""
    return (
        PaymentMethod.objects.filter(customer=customer, provider=provider, is_active=True)
        .order_by("-created_at", "-id")
        .first()
    )


def saved_method_for_chosen_provider(*, customer, fallback: str) -> PaymentMethod | None:
    """saved_method_for the provider the shop chose for new payments, else `fallback`, in one
    query: the bot looks for it whenever a returning shopper says hello."""
    chosen = (
        ShopPaymentSettings.objects.filter(shop_id=customer.shop_id)
        .exclude(provider="")
        .values("provider")[:1]
    )
    return (
        PaymentMethod.objects.filter(
            customer=customer,
            is_active=True,
            provider=Coalesce(Subquery(chosen), Value(fallback)),
        )
        .order_by("-created_at", "-id")
        .first()
    )


def shop_payment_settings(*, shop_id: int) -> ShopPaymentSettings | None:
    return ShopPaymentSettings.objects.select_related("updated_by").filter(shop_id=shop_id).first()


def shop_payment_provider(*, shop_id: int) -> str | None:
    """The provider the shop chose for new payments; None when it never chose."""
    return (
        ShopPaymentSettings.objects.filter(shop_id=shop_id)
        .values_list("provider", flat=True)
        .first()
    )


def stripe_secret_key(*, shop_id: int | None) -> str:
    """The key of the Stripe account a shop's payments go through: its own when it entered
    one (kept even while it takes payments with the test provider, so earlier Stripe payments
    can still be refunded), else the platform's STRIPE_SECRET_KEY (may be empty)."""
    if shop_id is not None:
        own = (
            ShopPaymentSettings.objects.filter(shop_id=shop_id)
            .values_list("stripe_secret_key", flat=True)
            .first()
        )
        if own:
            return own
    return settings.STRIPE_SECRET_KEY


def stripe_webhook_secret(*, shop_id: int) -> str:
    """The signing secret of the shop's own Stripe webhook endpoint; "" when it has none."""
    own = (
        ShopPaymentSettings.objects.filter(shop_id=shop_id)
        .values_list("stripe_webhook_secret", flat=True)
        .first()
    )
    return own or ""


def provider_work_due(
    *, now, give_up_before, limit: int = 200
) -> tuple[list[int], list[int], list[int]]:
    """Payments and refunds owing a provider call whose next_attempt_at has passed: (pay links
    to create, saved cards to charge, refunds to make), oldest first, at most `limit` of each
    table. One query per table on its partial index of rows owing a call: a sweep with nothing
    to do reads two empty index ranges."""
    payments = list(
        Payment.objects.filter(
            next_attempt_at__isnull=False,
            next_attempt_at__lt=now,
            state=PaymentState.PENDING,
            created_at__gte=give_up_before,
        )
        .order_by("next_attempt_at")
        .values_list("pk", "kind")[:limit]
    )
    refunds = list(
        Refund.objects.filter(
            next_attempt_at__isnull=False,
            next_attempt_at__lt=now,
            state=RefundState.PENDING,
            created_at__gte=give_up_before,
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    links = [pk for pk, kind in payments if kind == PaymentKind.LINK]
    charges = [pk for pk, kind in payments if kind == PaymentKind.SAVED]
    return links, charges, refunds
