"""Connecting and disconnecting channel accounts, for any registered channel.

What each platform needs (the values a brand gives, checking them, setting a webhook or a
menu, removing it) is the channel package's, behind its adapter's `connect_check`,
`connect_setup` and `disconnect`. Here: the order of things. The values are checked with the
platform first, the account is stored, then the platform-side setup that needs our id runs
(Telegram's webhook URL carries it); if that fails the account is removed again: a channel is
connected completely or not at all. Platform calls never run inside a database transaction.
"""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import pgettext_lazy

from channels_adapters import registry
from channels_adapters.base import (
    AccountContext,
    PlatformRefused,
    SendError,
    ShopContext,
)
from channels_adapters.models import ChannelAccount
from channels_adapters.signatures import secret_digest
from shops.models import Shop

logger = logging.getLogger(__name__)


def webhook_url(account: ChannelAccount) -> str:
    path = registry.adapter_for(account.kind).webhook_path(
        account_id=account.pk, shop_slug=account.shop.slug
    )
    return f"{settings.SOUK_PUBLIC_URL}{path}" if path else ""


def account_context(account: ChannelAccount) -> AccountContext:
    return AccountContext(
        id=account.pk,
        kind=account.kind,
        external_id=account.external_id,
        credentials=account.credentials or {},
        webhook_url=webhook_url(account),
    )


def shop_context(shop: Shop) -> ShopContext:
    return ShopContext(name=shop.name, language=shop.language, slug=shop.slug)


def _create(shop: Shop, **fields) -> ChannelAccount:
    try:
        with transaction.atomic():
            return ChannelAccount.objects.create(shop=shop, **fields)
    except IntegrityError as exc:
        raise ValidationError(
            {
                "external_id": pgettext_lazy(
                    "connect", "This account is already connected to a shop."
                )
            }
        ) from exc


def channel_connect(
    *, shop: Shop, kind: str, credentials: dict, external_id: str = "", name: str = ""
) -> ChannelAccount:
    """Connects the shop's account on `kind`'s platform. Raises ValidationError naming the
    field at fault (nothing stored), or PlatformRefused with the platform's reason (nothing
    stored, nothing left set on the platform's side)."""
    if not registry.is_kind(kind) or registry.is_built_in(kind):
        raise ValidationError({"kind": f"'{kind}' channels cannot be connected this way."})
    adapter = registry.adapter_for(kind)
    shop_info = shop_context(shop)
    connection = adapter.connect_check(
        credentials=credentials or {},
        external_id=(external_id or "").strip(),
        name=(name or "").strip(),
        shop=shop_info,
    )
    account = _create(
        shop,
        kind=kind,
        external_id=connection.external_id,
        name=connection.name,
        credentials=connection.credentials,
        webhook_secret_digest=(
            secret_digest(connection.webhook_secret) if connection.webhook_secret else ""
        ),
    )
    try:
        adapter.connect_setup(
            account_context(account), shop=shop_info, secret=connection.webhook_secret
        )
    except PlatformRefused:
        account.delete()
        raise
    return account


def built_in_channel(*, shop: Shop, kind: str) -> ChannelAccount:
    """The shop's account of a built-in channel (registry: `built_in`), created the first time
    it is needed."""
    account = ChannelAccount.objects.filter(shop=shop, kind=kind).first()
    if account is None:
        try:
            with transaction.atomic():
                account = ChannelAccount.objects.create(
                    shop=shop, kind=kind, external_id=shop.slug, name=registry.label(kind)
                )
        except IntegrityError:
            account = ChannelAccount.objects.get(shop=shop, kind=kind)
    return account


def built_in_channels(*, shop: Shop) -> list[ChannelAccount]:
    """Every built-in channel of the shop, made on first use."""
    return [built_in_channel(shop=shop, kind=kind) for kind in registry.built_in_kinds()]


def webchat_channel(*, shop: Shop) -> ChannelAccount:
    """Every shop has a web chat channel (the shop's chat page and widget, which live in
    conversations/ and call this); it is created the first time it is needed."""
    (account,) = built_in_channels(shop=shop)
    return account


def channel_disconnect(*, account: ChannelAccount) -> bool:
    """Undoes the platform-side setup (the adapter's `disconnect`: Telegram's webhook, WeChat's
    menu), then deletes the account. True when the platform confirmed; False when it refused
    (the token may already be revoked): the account goes anyway, and what the platform kept
    is the brand's to remove in its console."""
    if registry.is_built_in(account.kind):
        raise ValidationError(
            {"kind": f"The {registry.label(account.kind)} channel is part of every shop."}
        )
    try:
        registry.adapter_for(account.kind).disconnect(account_context(account))
    except SendError:
        logger.warning("disconnecting channel %s failed", account.pk, exc_info=True)
        undone = False
    else:
        undone = True
    account.delete()
    return undone
