"""Payments find a provider by the name their rows store: Souk's own by name, a channel's own
(its native invoice's) through the channel's adapter, so payments name no channel."""

import pytest

from channels_adapters import registry
from payments.models import Payment
from payments.providers.registry import provider_for


def test_a_channel_with_native_invoices_brings_its_provider_named_after_its_kind():
    kinds = registry.kinds_with("native_invoice")
    assert kinds  # Telegram's
    for kind in kinds:
        provider = provider_for(kind)
        assert provider.name == kind
        assert type(provider).__module__.startswith(f"channels_adapters.{kind}.")
        assert not provider.supports_saved_cards
        # Its payments store the kind as their provider: it must fit there.
        assert len(kind) <= Payment._meta.get_field("provider").max_length


@pytest.mark.parametrize("name", ["sms", "webchat", "paypal", ""])
def test_a_name_no_provider_answers_to_is_a_lookup_error(name):
    with pytest.raises(LookupError):
        provider_for(name)
