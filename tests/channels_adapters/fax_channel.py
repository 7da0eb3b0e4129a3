"""A channel that exists only in these tests ("fax"): its adapter, and the one registry line
the `fax_registered` fixture adds. Used to show that a new channel needs nothing else."""

import pytest
from django.core.exceptions import ValidationError

from channels_adapters import dashboard_forms, registry
from channels_adapters.base import (
    AccountContext,
    ChannelAdapter,
    ConnectField,
    ConnectGuide,
    Connection,
    PlatformRefused,
    SendResult,
)

calls: list[tuple] = []


class FaxAdapter(ChannelAdapter):
    kind = "fax"
    connect_fields = (
        ConnectField("external_id", "Fax number", "Digits, such as 3315550001.", secret=False),
        ConnectField("api_key", "API key", "From the fax provider's console."),
    )
    connect_guide = ConnectGuide(
        title="Connect a fax line",
        steps=("Open the fax provider's console.", "Copy the API key."),
        webhook_help="Paste this URL in the provider's console.",
    )

    def connect_check(self, *, credentials, external_id, name, shop):
        if not external_id.isdigit():
            raise ValidationError({"external_id": "The fax number, digits only."})
        if credentials.get("api_key") != "good-key":
            raise PlatformRefused("The fax provider refused the key: unknown key")
        return Connection(
            external_id=external_id,
            name=name or f"Fax {external_id}",
            credentials={"api_key": credentials["api_key"]},
        )

    def connect_setup(self, account: AccountContext, *, shop, secret):
        calls.append(("setup", account.external_id, account.webhook_url, shop.name))
        if account.external_id == "999":
            raise PlatformRefused("The fax provider refused the webhook")

    def disconnect(self, account: AccountContext):
        calls.append(("disconnect", account.external_id, account.credentials["api_key"]))

    def chat_link(self, account: AccountContext, *, shop_slug, name):
        return f"fax:{account.external_id}"

    def webhook_path(self, *, account_id, shop_slug):
        return f"/webhooks/fax/{account_id}/"

    def parse(self, payload):
        return []

    def render(self, message):
        return []

    def send(self, account, recipient, payload):
        return SendResult()


@pytest.fixture(autouse=True)
def fax_registered(monkeypatch, settings):
    settings.SOUK_PUBLIC_URL = "https://souk.example.com"
    # What reads the registry when imported is imported before the fax line is added, as in
    # a process where the fax channel is not registered: nothing keeps it once the test ends.
    import channels_adapters.api  # noqa: F401
    import config.urls  # noqa: F401

    fax = registry.Channel("fax", "tests.channels_adapters.fax_channel.FaxAdapter", "Fax")
    monkeypatch.setattr(registry, "CHANNELS", (*registry.CHANNELS, fax))
    monkeypatch.setattr(registry, "_BY_KIND", {**registry._BY_KIND, "fax": fax})
    registry.adapter_for.cache_clear()
    dashboard_forms.connect_form.cache_clear()
    calls.clear()
    yield
    registry.adapter_for.cache_clear()
    dashboard_forms.connect_form.cache_clear()
