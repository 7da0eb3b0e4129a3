"""Connecting a WhatsApp number: its phone number id (Meta's, which routes events) and an
access token. Events come through Souk's Meta app, whose one webhook serves every number."""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import pgettext_lazy

from channels_adapters.base import (
    AccountContext,
    ConnectField,
    ConnectGuide,
    Connection,
    ShopContext,
    require,
)

PHONE_NUMBER = re.compile(r"^\+?[\d\s().-]{8,24}$")
WEBHOOK_URL_NAME = "webhook-whatsapp"


class WhatsAppConnect:
    connect_fields = (
        ConnectField(
            "external_id",
            pgettext_lazy("connect whatsapp", "Phone number ID"),
            pgettext_lazy("connect whatsapp", "Digits only, such as 109876543210987."),
            secret=False,
        ),
        ConnectField(
            "access_token",
            pgettext_lazy("connect whatsapp", "Access token"),
            pgettext_lazy("connect whatsapp", "A permanent system-user token; stored encrypted."),
        ),
    )
    connect_guide = ConnectGuide(
        title=pgettext_lazy("connect whatsapp", "Connect a WhatsApp number"),
        steps=(
            pgettext_lazy(
                "connect whatsapp",
                "In Meta for Developers, open the Souk app → WhatsApp → API Setup.",
            ),
            pgettext_lazy(
                "connect whatsapp",
                "Phone number ID: shown under your number in “From” (digits, not the phone "
                "number).",
            ),
            pgettext_lazy(
                "connect whatsapp",
                "Access token: a permanent one from Business Settings → Users → System users → "
                "Generate new token, with whatsapp_business_messaging allowed.",
            ),
        ),
        webhook_help=pgettext_lazy(
            "connect whatsapp",
            "Messages reach Souk through its Meta app: the app's webhook (this URL) is set once "
            "by whoever runs Souk.",
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
                        "connect whatsapp", "The WhatsApp phone number id (digits) is required."
                    )
                }
            )
        return Connection(
            external_id=external_id,
            # The pay page's way back to the chat reads the number from this name.
            name=name or external_id,
            credentials={"access_token": credentials["access_token"].strip()},
        )

    def webhook_path(self, *, account_id: int, shop_slug: str) -> str:
        return reverse(WEBHOOK_URL_NAME)

    def chat_link(self, account: AccountContext, *, shop_slug: str, name: str) -> str:
        # The account's id is Meta's phone number id; the number itself is its display name.
        if not PHONE_NUMBER.match(name):
            return ""
        return "https://wa.me/" + "".join(ch for ch in name if ch.isdigit())
