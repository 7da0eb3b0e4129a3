from functools import cache

from payments.providers.base import PaymentProvider


@cache
def provider_for(name: str) -> PaymentProvider:
    if name == "test":
        from payments.providers.sandbox import SandboxProvider

        return SandboxProvider()
    if name == "stripe":
        from payments.providers.stripe import StripeProvider

        return StripeProvider()
    if name == "telegram":
        from payments.providers.telegram import TelegramInvoiceProvider

        return TelegramInvoiceProvider()
    raise LookupError(f"no payment provider {name!r}")
