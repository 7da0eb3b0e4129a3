"""Connecting and disconnecting channel accounts: the platform calls that go with it.

Each connect validates the credentials with the platform first, stores the account, then does
the platform-side setup that needs our id (Telegram's webhook URL carries it). If that setup
fails the account is removed again: a channel is connected completely or not at all.
Platform calls never run inside a database transaction.
"""

import logging
import re
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from channels_adapters.base import SendError
from channels_adapters.messages import Button
from channels_adapters.models import ChannelAccount, ChannelKind
from channels_adapters.signatures import secret_digest
from shops.models import Shop

logger = logging.getLogger(__name__)

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
GET_STARTED_PAYLOAD = "start"


class PlatformRefused(Exception):
    """The platform said no (bad token, unknown page…); the message is the platform's reason."""


def webhook_url(account: ChannelAccount) -> str:
    names = {
        ChannelKind.MESSENGER: ("webhook-messenger", {}),
        ChannelKind.WHATSAPP: ("webhook-whatsapp", {}),
        ChannelKind.TELEGRAM: ("webhook-telegram", {"channel_id": account.pk}),
        ChannelKind.SMS: ("webhook-sms", {"channel_id": account.pk}),
    }
    if account.kind == ChannelKind.WEBCHAT:
        return f"{settings.SOUK_PUBLIC_URL}/chat/{account.shop.slug}/"
    name, kwargs = names[account.kind]
    return f"{settings.SOUK_PUBLIC_URL}{reverse(name, kwargs=kwargs)}"


def _require(credentials: dict, *names: str) -> None:
    missing = [n for n in names if not str(credentials.get(n) or "").strip()]
    if missing:
        raise ValidationError({f"credentials.{n}": "This field is required." for n in missing})


def _create(shop: Shop, **fields) -> ChannelAccount:
    try:
        with transaction.atomic():
            return ChannelAccount.objects.create(shop=shop, **fields)
    except IntegrityError as exc:
        raise ValidationError(
            {"external_id": "This account is already connected to a shop."}
        ) from exc


def channel_connect(
    *, shop: Shop, kind: str, credentials: dict, external_id: str = "", name: str = ""
) -> ChannelAccount:
    connect = {
        ChannelKind.TELEGRAM: _connect_telegram,
        ChannelKind.MESSENGER: _connect_messenger,
        ChannelKind.WHATSAPP: _connect_whatsapp,
        ChannelKind.SMS: _connect_sms,
    }.get(kind)
    if connect is None:
        raise ValidationError({"kind": f"'{kind}' channels cannot be connected this way."})
    return connect(shop=shop, credentials=credentials, external_id=external_id, name=name)


def _connect_telegram(*, shop, credentials, external_id, name) -> ChannelAccount:
    from channels_adapters.telegram import adapter as telegram

    _require(credentials, "token")
    token = credentials["token"].strip()
    try:
        me = telegram.telegram_get_me(token)
    except SendError as exc:
        raise PlatformRefused(f"Telegram refused the token: {exc}") from exc
    secret = secrets.token_urlsafe(32)
    stored = {"token": token}
    if credentials.get("payment_provider_token"):
        stored["payment_provider_token"] = credentials["payment_provider_token"]
    account = _create(
        shop,
        kind=ChannelKind.TELEGRAM,
        external_id=str(me["id"]),
        name=name or f"@{me.get('username', me['id'])}",
        credentials=stored,
        webhook_secret_digest=secret_digest(secret),
    )
    try:
        telegram.telegram_set_webhook(token, webhook_url(account), secret)
    except SendError as exc:
        account.delete()
        raise PlatformRefused(f"Telegram refused the webhook: {exc}") from exc
    return account


def _connect_messenger(*, shop, credentials, external_id, name) -> ChannelAccount:
    from channels_adapters.messenger import adapter as messenger

    _require(credentials, "access_token")
    if not external_id.isdigit():
        raise ValidationError({"external_id": "The Facebook page id (digits) is required."})
    account = _create(
        shop,
        kind=ChannelKind.MESSENGER,
        external_id=external_id,
        name=name or shop.name,
        credentials={"access_token": credentials["access_token"].strip()},
    )
    french = shop.language == "fr"
    try:
        messenger.messenger_setup_profile(
            account.credentials["access_token"],
            greeting=(
                f"Bienvenue chez {shop.name} ! Parcourez et achetez ici même."
                if french
                else f"Welcome to {shop.name}! Browse and buy right here."
            ),
            get_started_payload=GET_STARTED_PAYLOAD,
            menu=[
                Button("Parcourir" if french else "Browse", payload="browse"),
                Button("Mon panier" if french else "My cart", payload="cart"),
                Button("Parler à quelqu'un" if french else "Talk to a person", payload="human"),
            ],
        )
    except SendError as exc:
        account.delete()
        raise PlatformRefused(f"Messenger refused the page setup: {exc}") from exc
    return account


def _connect_whatsapp(*, shop, credentials, external_id, name) -> ChannelAccount:
    _require(credentials, "access_token")
    if not external_id.isdigit():
        raise ValidationError({"external_id": "The WhatsApp phone number id (digits) is required."})
    return _create(
        shop,
        kind=ChannelKind.WHATSAPP,
        external_id=external_id,
        name=name or external_id,
        credentials={"access_token": credentials["access_token"].strip()},
    )


def _connect_sms(*, shop, credentials, external_id, name) -> ChannelAccount:
    _require(credentials, "account_sid", "auth_token")
    if not E164.match(external_id):
        raise ValidationError({"external_id": "An E.164 phone number such as +15550001111."})
    return _create(
        shop,
        kind=ChannelKind.SMS,
        external_id=external_id,
        name=name or external_id,
        credentials={
            "account_sid": credentials["account_sid"].strip(),
            "auth_token": credentials["auth_token"].strip(),
        },
    )


def webchat_channel(*, shop: Shop) -> ChannelAccount:
    """Every shop has a web chat channel; it is created the first time it is needed."""
    account = ChannelAccount.objects.filter(shop=shop, kind=ChannelKind.WEBCHAT).first()
    if account is None:
        try:
            with transaction.atomic():
                account = ChannelAccount.objects.create(
                    shop=shop, kind=ChannelKind.WEBCHAT, external_id=shop.slug, name="Web chat"
                )
        except IntegrityError:
            account = ChannelAccount.objects.get(shop=shop, kind=ChannelKind.WEBCHAT)
    return account


def channel_disconnect(*, account: ChannelAccount) -> None:
    if account.kind == ChannelKind.WEBCHAT:
        raise ValidationError({"kind": "The web chat channel is part of every shop."})
    if account.kind == ChannelKind.TELEGRAM:
        from channels_adapters.telegram import adapter as telegram

        try:
            telegram.telegram_delete_webhook(account.credentials["token"])
        except SendError:
            # The bot may already be revoked; the account goes anyway.
            logger.warning("deleteWebhook failed for channel %s", account.pk, exc_info=True)
    account.delete()
