from django.conf import settings
from django.db.models import Subquery, Value
from django.db.models.functions import Coalesce

from payments.models import PaymentMethod, ShopPaymentSettings


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
