"""Connecting an Instagram professional account: the Page token is checked with Graph (it must
belong to a Facebook Page linked to an Instagram professional account, whose id then routes
the `instagram` webhooks), then Souk's app is subscribed to the Page's webhooks (without it
Instagram sends none of the account's messages) and the account's ice breakers are set.

Raises django's ValidationError for credentials that are missing or name no Instagram account,
and SendError (code `bad_credentials` for a token Graph refuses) when a Graph call fails: the
caller (channels_adapters.setup) turns the latter into its PlatformRefused, as for the other
channels. Nothing is stored here; the caller stores the account with what `Connected` says.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from channels_adapters import meta
from channels_adapters import payload as read
from channels_adapters.base import (
    AccountContext,
    ConnectField,
    ConnectGuide,
    Connection,
    PlatformRefused,
    SendError,
    ShopContext,
)
from channels_adapters.instagram.errors import ERROR_RULES
from channels_adapters.text import label

ICE_BREAKERS_MAX = 4  # Meta: at most 4 questions
# Meta documents no length for a question; Souk keeps them to one line a phone shows whole.
QUESTION_MAX = 80
# Instagram locales for the languages Souk speaks: a shopper whose app is in one of them sees
# the questions in it; everyone else sees the shop's language ("default").
LOCALES = {"en": ("en_US", "en_GB"), "fr": ("fr_FR", "fr_CA")}
WEBHOOK_URL_NAME = "webhook-instagram"
# Messenger API for Instagram: the app must subscribe the Page linked to the account to at least
# one Page webhook field (POST /{page-id}/subscribed_apps) for the `instagram` object's events,
# chosen in the app's dashboard, to be delivered; Souk reads messages and postbacks.
SUBSCRIBED_FIELDS = ("messages", "messaging_postbacks")
# Instagram usernames: letters, digits, periods and underscores, at most 30.
USERNAME = re.compile(r"^@([A-Za-z0-9._]{1,30})$")


@dataclass(frozen=True)
class Connected:
    """What to store for the account: its id (what webhooks are routed by), a name to show,
    and the credentials to keep (encrypted): the Page token and the Page's id."""

    external_id: str
    name: str
    credentials: dict


def ice_breakers(language: str) -> list[dict]:
    """The ice breaker questions a shopper can tap to start, in `language`, with the bot
    payloads they stand for (the Messenger menu's: browse, cart, human)."""
    with translation.override(language):
        questions = [
            (pgettext("instagram ice breaker", "What's new in the shop?"), "browse"),
            (pgettext("instagram ice breaker", "What's in my cart?"), "cart"),
            (pgettext("instagram ice breaker", "Can I talk to a person?"), "human"),
        ]
    return [
        {"question": label(question, QUESTION_MAX), "payload": payload}
        for question, payload in questions[:ICE_BREAKERS_MAX]
    ]


def _profile(language: str) -> dict:
    spoken = [code for code, _ in settings.LANGUAGES]
    default = language if language in spoken else settings.LANGUAGE_CODE
    entries = [{"locale": "default", "call_to_actions": ice_breakers(default)}]
    for code in spoken:
        if code != default:
            entries += [
                {"locale": locale, "call_to_actions": ice_breakers(code)}
                for locale in LOCALES.get(code, ())
            ]
    return {"platform": "instagram", "ice_breakers": entries}


def _page_id(page: Mapping) -> str:
    try:
        return read.ident(page.get("id"), "id")
    except read.Unreadable:
        raise ValidationError(
            {
                "credentials.access_token": pgettext_lazy(
                    "connect instagram", "This is not a Facebook Page's token: use the Page's."
                )
            }
        ) from None


def _linked_account(page: Mapping) -> tuple[str, str]:
    """(id, username) of the Instagram account linked to the Page Graph described."""
    try:
        account = read.obj(page.get("instagram_business_account"), "instagram_business_account")
        account_id = read.ident(account.get("id"), "instagram_business_account.id")
        username = read.text(account.get("username"), "instagram_business_account.username")
    except read.Unreadable:
        raise ValidationError(
            {
                "credentials.access_token": pgettext_lazy(
                    "connect instagram",
                    "This Facebook Page has no Instagram professional account linked to it: link "
                    "one in the Page's settings, then connect again.",
                )
            }
        ) from None
    return account_id, username


def instagram_check(credentials: Mapping) -> Connected:
    """Check the Page token with Graph and find the Instagram account linked to its Page: what
    to store, before anything is stored or changed on the platform."""
    token = str(credentials.get("access_token") or "").strip()
    if not token:
        raise ValidationError({"credentials.access_token": gettext_lazy("This field is required.")})
    page = meta.graph_get(
        "me",
        params={"fields": "id,name,instagram_business_account{id,username}"},
        rules=ERROR_RULES,
        access_token=token,
    )
    account_id, username = _linked_account(page)
    return Connected(
        external_id=account_id,
        name=f"@{username}" if username else account_id,
        credentials={"access_token": token, "page_id": _page_id(page)},
    )


def instagram_subscribe(access_token: str, *, page_id: str) -> None:
    """Subscribes Souk's app to the webhooks of the Page linked to the account (what makes
    Instagram deliver its messages at all). Raises SendError."""
    meta.graph_post(
        f"{page_id}/subscribed_apps",
        json={},
        params={"subscribed_fields": ",".join(SUBSCRIBED_FIELDS)},
        rules=ERROR_RULES,
        access_token=access_token,
        token_in_query=True,
    )


def instagram_set_ice_breakers(access_token: str, *, language: str) -> None:
    """The account's ice breakers, in the shop's `language` (the `default` locale) and in
    Souk's other languages for their locales. Raises SendError."""
    meta.graph_post(
        "me/messenger_profile",
        json=_profile(language),
        params={"platform": "instagram"},
        rules=ERROR_RULES,
        access_token=access_token,
    )


def instagram_connect(credentials: Mapping, *, language: str = "en") -> Connected:
    """All steps: check the token, subscribe the Page, set the ice breakers."""
    connected = instagram_check(credentials)
    token, page_id = connected.credentials["access_token"], connected.credentials["page_id"]
    instagram_subscribe(token, page_id=page_id)
    instagram_set_ice_breakers(token, language=language)
    return connected


class InstagramConnect:
    """The adapter's connect steps (base.ChannelAdapter): what the API and the dashboard ask,
    `instagram_check` before storing, the webhook subscription and ice breakers after."""

    connect_fields = (
        ConnectField(
            "access_token",
            pgettext_lazy("connect instagram", "Page access token"),
            pgettext_lazy(
                "connect instagram",
                "The token of the Facebook Page linked to your Instagram professional account "
                "(starts with EAA…); it is stored encrypted.",
            ),
        ),
        ConnectField(
            "external_id",
            pgettext_lazy("connect instagram", "Instagram account ID"),
            pgettext_lazy(
                "connect instagram",
                "Optional: digits, such as 17841400000000000. Souk finds it from the token; "
                "when given, it must be the account linked to that Page.",
            ),
            secret=False,
            required=False,
        ),
    )
    connect_guide = ConnectGuide(
        title=pgettext_lazy("connect instagram", "Connect an Instagram professional account"),
        steps=(
            pgettext_lazy(
                "connect instagram",
                "Link your Instagram professional account to a Facebook Page (Instagram → "
                "Settings → Business tools → Connect a Facebook Page).",
            ),
            pgettext_lazy(
                "connect instagram",
                "In Instagram → Settings → Messages and story replies → Message controls, allow "
                "access to messages (Connected tools).",
            ),
            pgettext_lazy(
                "connect instagram",
                "In Meta for Developers, the Souk app → Messenger → Instagram settings → Access "
                "tokens: pick the Page, “Generate token”, and paste it below.",
            ),
        ),
        webhook_help=pgettext_lazy(
            "connect instagram",
            "Messages reach Souk through its Meta app: the app's Instagram webhook (this URL) "
            "is set once by whoever runs Souk, subscribed to messages and messaging_postbacks.",
        ),
        connected_note=pgettext_lazy(
            "connect instagram",
            "Shoppers who write to the account now get answers; its ice breakers are set.",
        ),
    )

    def connect_check(
        self, *, credentials: Mapping[str, str], external_id: str, name: str, shop: ShopContext
    ) -> Connection:
        try:
            connected = instagram_check(credentials)
        except SendError as exc:
            raise PlatformRefused(f"Instagram refused the token: {exc}") from exc
        if external_id and external_id != connected.external_id:
            raise ValidationError(
                {
                    "external_id": format_lazy(
                        pgettext_lazy(
                            "connect instagram",
                            "This token's Page is linked to another Instagram account ({account}).",
                        ),
                        account=connected.name,
                    )
                }
            )
        # The name stays "@username": chat_link reads the username from it.
        return Connection(
            external_id=connected.external_id,
            name=connected.name,
            credentials=connected.credentials,
        )

    def connect_setup(self, account: AccountContext, *, shop: ShopContext, secret: str) -> None:
        token = account.credentials["access_token"]
        try:
            instagram_subscribe(token, page_id=account.credentials["page_id"])
        except SendError as exc:
            raise PlatformRefused(
                f"Instagram refused to send the account's messages to Souk: {exc}"
            ) from exc
        try:
            instagram_set_ice_breakers(token, language=shop.language)
        except SendError as exc:
            raise PlatformRefused(f"Instagram refused the ice breakers: {exc}") from exc

    def webhook_path(self, *, account_id: int, shop_slug: str) -> str:
        return reverse(WEBHOOK_URL_NAME)

    def chat_link(self, account: AccountContext, *, shop_slug: str, name: str) -> str:
        # Connecting names the account "@<username>" (connect_check above).
        match = USERNAME.match(name)
        return f"https://ig.me/m/{match.group(1)}" if match else ""
