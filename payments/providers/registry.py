"""Payment providers by the name payments store (`Payment.provider`).

Souk's own providers are named here; a provider a channel brings (its native invoice's) is
named after the channel's kind and found through the channel's adapter (`payment_provider`,
a dotted path), so payments name no channel.
"""

from functools import cache
from importlib import import_module

from channels_adapters import registry as channels
from payments.providers.base import PaymentProvider


@cache
def provider_for(name: str) -> PaymentProvider:
    if name == "test":
        from payments.providers.sandbox import SandboxProvider

        return SandboxProvider()
    if name == "stripe":
        from payments.providers.stripe import StripeProvider

        return StripeProvider()
    brought = channels.adapter_for(name).payment_provider if channels.is_kind(name) else ""
    if brought:
        module_name, _, class_name = brought.rpartition(".")
        return getattr(import_module(module_name), class_name)()
    raise LookupError(f"no payment provider {name!r}")
