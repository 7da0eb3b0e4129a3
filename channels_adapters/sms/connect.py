"""Connecting an SMS number (Twilio): the number, the account SID and auth token. The brand
points the number's incoming-message webhook at Souk in Twilio's console."""

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

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
WEBHOOK_URL_NAME = "webhook-sms"


class SmsConnect:
    connect_fields = (
        ConnectField(
            "external_id",
            pgettext_lazy("connect sms", "Phone number"),
            pgettext_lazy("connect sms", "In international (E.164) form, such as +15550001111."),
            secret=False,
            input_type="tel",
        ),
        ConnectField(
            "account_sid",
            pgettext_lazy("connect sms", "Account SID"),
            pgettext_lazy("connect sms", "Starts with AC."),
            secret=False,
        ),
        ConnectField(
            "auth_token",
            pgettext_lazy("connect sms", "Auth token"),
            pgettext_lazy("connect sms", "Stored encrypted."),
        ),
    )
    connect_guide = ConnectGuide(
        title=pgettext_lazy("connect sms", "Connect an SMS number (Twilio)"),
        steps=(
            pgettext_lazy(
                "connect sms",
                "In the Twilio Console, the Account Info box on the home page shows the Account "
                "SID and the Auth token.",
            ),
            pgettext_lazy(
                "connect sms",
                "Your number is under Phone Numbers → Manage → Active numbers; write it with the "
                "country code, such as +15550001111.",
            ),
        ),
        webhook_help=pgettext_lazy(
            "connect sms",
            "In the Twilio Console → Phone Numbers → this number → Messaging configuration, set "
            "“A message comes in” to Webhook, HTTP POST, and paste this URL.",
        ),
    )

    def connect_check(
        self, *, credentials: Mapping[str, str], external_id: str, name: str, shop: ShopContext
    ) -> Connection:
        require(credentials, "account_sid", "auth_token")
        if not E164.match(external_id):
            raise ValidationError(
                {
                    "external_id": pgettext_lazy(
                        "connect sms", "An E.164 phone number such as +15550001111."
                    )
                }
            )
        return Connection(
            external_id=external_id,
            name=name or external_id,
            credentials={
                "account_sid": credentials["account_sid"].strip(),
                "auth_token": credentials["auth_token"].strip(),
            },
        )

    def webhook_path(self, *, account_id: int, shop_slug: str) -> str:
        return reverse(WEBHOOK_URL_NAME, kwargs={"channel_id": account_id})

    def chat_link(self, account: AccountContext, *, shop_slug: str, name: str) -> str:
        # Opens the phone's messages app on the shop's number.
        return f"sms:{account.external_id}"
