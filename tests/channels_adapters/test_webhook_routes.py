"""The webhook URLs the platforms are configured with (Meta's app dashboard, Twilio's console,
Telegram's setWebhook, WeChat's Server Configuration) stay exactly what they were, and each is
served by its own channel's package (issue 13: a channel's webhook lives in its package)."""

import pytest
from django.urls import resolve

from channels_adapters import registry

ACCOUNT_ID = 42

# What brands were told to paste into each platform, and what Souk gives setWebhook.
PUBLIC_PATHS = {
    "telegram": f"/webhooks/telegram/{ACCOUNT_ID}/",
    "messenger": "/webhooks/messenger/",
    "whatsapp": "/webhooks/whatsapp/",
    "sms": f"/webhooks/sms/{ACCOUNT_ID}/",
    "wechat": f"/webhooks/wechat/{ACCOUNT_ID}/",
    "instagram": "/webhooks/instagram/",
}


def test_every_connectable_channel_has_its_documented_webhook_url():
    connectable = {kind for kind, _label in registry.connectable_choices()}
    assert connectable == set(PUBLIC_PATHS)


@pytest.mark.parametrize("kind", sorted(PUBLIC_PATHS))
def test_the_webhook_url_given_to_the_platform_is_unchanged(kind):
    adapter = registry.adapter_for(kind)
    assert adapter.webhook_path(account_id=ACCOUNT_ID, shop_slug="maison") == PUBLIC_PATHS[kind]


@pytest.mark.parametrize("kind", sorted(PUBLIC_PATHS))
def test_the_webhook_is_served_by_the_channels_own_package(kind):
    match = resolve(PUBLIC_PATHS[kind])
    assert match.func.__module__ == f"channels_adapters.{kind}.views"
    if "channel_id" in match.kwargs:
        assert match.kwargs["channel_id"] == ACCOUNT_ID


def test_every_connectable_channel_brings_its_own_webhook_routes():
    mounted = dict(registry.webhook_urlconfs())
    assert set(mounted) == set(PUBLIC_PATHS)
