from payments.models import PaymentMethod


def saved_method_for(*, customer, provider: str) -> PaymentMethod | None:
    """The card the shopper saved most recently with this provider."""
    return (
        PaymentMethod.objects.filter(customer=customer, provider=provider, is_active=True)
        .order_by("-created_at", "-id")
        .first()
    )
