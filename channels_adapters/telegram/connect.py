"""Connecting a Telegram bot: its token checked with getMe, the webhook set with a secret
Telegram echoes on every Update (kept only as a digest), deleted on disconnect."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping

from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import pgettext_lazy

from channels_adapters.base import (
    AccountContext,
    ConnectField,
    ConnectGuide,
    Connection,
    PlatformRefused,
    SendError,
    ShopContext,
    require,
)

WEBHOOK_URL_NAME = "webhook-telegram"

USERNAME = re.compile(r"^@?([A-Za-z0-9_]{5,32})$")
# What @BotFather gives (a bot token's shape), quoted as is in every language.
BOTFATHER_EXAMPLE = "123456789:AAH…"


class TelegramConnect:
    connect_fields = (
        ConnectField(
            "token",
            pgettext_lazy("connect telegram", "Bot token"),
            format_lazy(
                pgettext_lazy("connect telegram", "From @BotFather, such as {example}"),
                example=BOTFATHER_EXAMPLE,
            ),
        ),
        ConnectField(
            "payment_provider_token",
            pgettext_lazy("connect telegram", "Payment provider token"),
            pgettext_lazy(
                "connect telegram",
                "To take payments inside Telegram: @BotFather → /mybots → your bot → "
                "Payments → choose a provider, then copy the token it gives.",
            ),
            required=False,
        ),
    )
    connect_guide = ConnectGuide(
        title=pgettext_lazy("connect telegram", "Connect a Telegram bot"),
        steps=(
            pgettext_lazy("connect telegram", "In Telegram, open a chat with @BotFather."),
            pgettext_lazy(
                "connect telegram",
                "Send /newbot to create a bot (or /mybots, pick your bot, then “API Token”).",
            ),
            format_lazy(
                pgettext_lazy(
                    "connect telegram",
                    "Copy the token it gives you, such as {example}, into the field below.",
                ),
                example=BOTFATHER_EXAMPLE,
            ),
        ),
        webhook_help=pgettext_lazy(
            "connect telegram",
            "Souk tells Telegram where to send messages itself: there is nothing to paste.",
        ),
        connected_note=pgettext_lazy(
            "connect telegram", "Shoppers who write to the bot now get answers."
        ),
    )

    def connect_check(
        self, *, credentials: Mapping[str, str], external_id: str, name: str, shop: ShopContext
    ) -> Connection:
        from channels_adapters.telegram.adapter import telegram_get_me

        require(credentials, "token")
        token = credentials["token"].strip()
        try:
            me = telegram_get_me(token)
        except SendError as exc:
            raise PlatformRefused(f"Telegram refused the token: {exc}") from exc
        stored = {"token": token}
        if credentials.get("payment_provider_token"):
            stored["payment_provider_token"] = credentials["payment_provider_token"]
        return Connection(
            external_id=str(me["id"]),
            # The pay page's way back to the chat reads the bot's @username from this name.
            name=name or f"@{me.get('username', me['id'])}",
            credentials=stored,
            webhook_secret=secrets.token_urlsafe(32),
        )

    def connect_setup(self, account: AccountContext, *, shop: ShopContext, secret: str) -> None:
        from channels_adapters.telegram.adapter import telegram_set_webhook

        try:
            telegram_set_webhook(account.credentials["token"], account.webhook_url, secret)
        except SendError as exc:
            raise PlatformRefused(f"Telegram refused the webhook: {exc}") from exc

    def disconnect(self, account: AccountContext) -> None:
        from channels_adapters.telegram.adapter import telegram_delete_webhook

        telegram_delete_webhook(account.credentials["token"])

    def webhook_path(self, *, account_id: int, shop_slug: str) -> str:
        return reverse(WEBHOOK_URL_NAME, kwargs={"channel_id": account_id})

    def chat_link(self, account: AccountContext, *, shop_slug: str, name: str) -> str:
        # Connecting names the account "@<bot username>" (connect_check above).
        match = USERNAME.match(name)
        return f"https://t.me/{match.group(1)}" if match else ""
