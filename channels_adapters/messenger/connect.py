"""Connecting a Facebook page: the page id and its access token; the Get Started button,
greeting and persistent menu set in the shop's language (Messenger Profile API). Events come
through Souk's Meta app, whose one webhook serves every page."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import pgettext, pgettext_lazy

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
from channels_adapters.messages import Button

GET_STARTED_PAYLOAD = "start"
WEBHOOK_URL_NAME = "webhook-messenger"


class MessengerConnect:
    connect_fields = (
        ConnectField(
            "external_id",
            pgettext_lazy("connect messenger", "Page ID"),
            pgettext_lazy("connect messenger", "Digits only, such as 104857623412345."),
            secret=False,
        ),
        ConnectField(
            "access_token",
            pgettext_lazy("connect messenger", "Page access token"),
            pgettext_lazy("connect messenger", "Starts with EAA…; it is stored encrypted."),
        ),
    )
    connect_guide = ConnectGuide(
        title=pgettext_lazy("connect messenger", "Connect a Facebook page (Messenger)"),
        steps=(
            pgettext_lazy(
                "connect messenger",
                "Page ID: on your Facebook page, About → Page transparency (or Meta Business "
                "Suite → Settings → Business assets → your page).",
            ),
            pgettext_lazy(
                "connect messenger",
                "Page access token: in Meta for Developers, the Souk app → Messenger → Settings "
                "→ Access tokens → Add or remove pages, pick your page, then “Generate token”.",
            ),
        ),
        webhook_help=pgettext_lazy(
            "connect messenger",
            "Messages reach Souk through its Meta app: the app's webhook (this URL) is set once "
            "by whoever runs Souk. In the app → Messenger → Settings → Webhooks, subscribe your "
            "page to messages and messaging_postbacks.",
        ),
    )

    def connect_check(
        self, *, credentials: Mapping[str, str], external_id: str, name: str, shop: ShopContext
    ) -> Connection:
        require(credentials, "access_token")
        if not external_id.isdigit():
            raise ValidationError(
                {
                    "external_id": pgettext_lazy(
                        "connect messenger", "The Facebook page id (digits) is required."
                    )
                }
            )
        return Connection(
            external_id=external_id,
            name=name or shop.name,
            credentials={"access_token": credentials["access_token"].strip()},
        )

    def connect_setup(self, account: AccountContext, *, shop: ShopContext, secret: str) -> None:
        from channels_adapters.messenger.adapter import messenger_setup_profile

        # The page greets in the shop's language, with the bot's own words for its menu.
        with translation.override(shop.language):
            greeting = pgettext(
                "messenger_greeting", "Welcome to {shop}! Browse and buy right here."
            ).format(shop=shop.name)
            menu = [
                Button(pgettext("browse", "Browse"), payload="browse"),
                Button(pgettext("my_cart", "My cart"), payload="cart"),
                Button(pgettext("human", "Talk to a person"), payload="human"),
            ]
        try:
            messenger_setup_profile(
                account.credentials["access_token"],
                greeting=greeting,
                get_started_payload=GET_STARTED_PAYLOAD,
                menu=menu,
            )
        except SendError as exc:
            raise PlatformRefused(f"Messenger refused the page setup: {exc}") from exc

    def webhook_path(self, *, account_id: int, shop_slug: str) -> str:
        return reverse(WEBHOOK_URL_NAME)

    def chat_link(self, account: AccountContext, *, shop_slug: str, name: str) -> str:
        return f"https://m.me/{account.external_id}" if account.external_id.isdigit() else ""
