"""Connecting a WeChat Official Account: the credentials checked, the AppID and AppSecret
proved by fetching an access token (it becomes the shared one), and the account's custom menu
set to the shop's three entries (Browse, My cart, My orders), click buttons whose keys are the
bot's payloads, so a tap comes back as that ButtonPressed; disconnecting removes that menu.

`connect_check` (nothing changed on WeChat's side) then `connect_setup` (the menu), or both as
`connect`: ValidationError naming the field for malformed credentials, SendError when WeChat
refuses (its reason in the message). The AppID is the account's natural `external_id`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy, pgettext_lazy

from channels_adapters.base import (
    AccountContext,
    ConnectField,
    ConnectGuide,
    Connection,
    PlatformRefused,
    SendError,
    ShopContext,
)
from channels_adapters.messages import Button
from channels_adapters.text import label, truncate, utf8_bytes
from channels_adapters.wechat import api
from channels_adapters.wechat.limits import (
    ACCOUNT_MENU_BUTTONS_MAX,
    ACCOUNT_MENU_KEY_MAX_BYTES,
    ACCOUNT_MENU_NAME_MAX_BYTES,
)
from channels_adapters.wechat.token import access_token

# The formats WeChat's admin console shows: an AppID is "wx" and 16 hex digits, an AppSecret
# 32 hex digits, the server token 3 to 32 letters and digits, the EncodingAESKey 43 characters.
FORMATS = {
    "app_id": re.compile(r"^wx[0-9a-f]{16}$"),
    "app_secret": re.compile(r"^[0-9a-f]{32}$"),
    "token": re.compile(r"^[A-Za-z0-9]{3,32}$"),
    "encoding_aes_key": re.compile(r"^[A-Za-z0-9]{43}$"),
}
WEBHOOK_URL_NAME = "webhook-wechat"


def default_menu() -> list[Button]:
    """The shop's menu, in the active language (the caller activates the shop's)."""
    return [
        Button(str(pgettext_lazy("browse", "Browse")), payload="browse"),
        Button(str(pgettext_lazy("my_cart", "My cart")), payload="cart"),
        Button(str(pgettext_lazy("wechat_menu", "My orders")), payload="orders"),
    ]


def cleaned(credentials: Mapping[str, object]) -> dict[str, str]:
    values = {name: str(credentials.get(name) or "").strip() for name in FORMATS}
    errors = {}
    for name, pattern in FORMATS.items():
        if not values[name]:
            errors[f"credentials.{name}"] = gettext_lazy("This field is required.")
        elif not pattern.match(values[name]):
            errors[f"credentials.{name}"] = _format_error(name)
    if errors:
        raise ValidationError(errors)
    return values


def _format_error(name: str) -> str:
    # Lazy: the dashboard shows them in the shop's language, the API in English.
    return {
        "app_id": gettext_lazy("An AppID is “wx” followed by 16 hexadecimal digits."),
        "app_secret": gettext_lazy("An AppSecret is 32 hexadecimal digits."),
        "token": gettext_lazy("The server token is 3 to 32 letters or digits."),
        "encoding_aes_key": gettext_lazy("The EncodingAESKey is 43 letters or digits."),
    }[name]


def menu_body(menu: Sequence[Button]) -> dict:
    buttons = []
    for button in menu[:ACCOUNT_MENU_BUTTONS_MAX]:
        name = label(button.title, ACCOUNT_MENU_NAME_MAX_BYTES, length=utf8_bytes)
        if button.url:
            buttons.append({"type": "view", "name": name, "url": button.url})
        else:
            key = truncate(button.payload, ACCOUNT_MENU_KEY_MAX_BYTES, length=utf8_bytes)
            buttons.append({"type": "click", "name": name, "key": key})
    return {"button": buttons}


def connect_check(credentials: Mapping[str, object]) -> dict[str, str]:
    """The credentials to store, checked: their format, then the AppID and AppSecret by
    fetching a fresh token (which becomes the shared one). Changes nothing on the account."""
    values = cleaned(credentials)
    access_token(api.app_of(values), fresh=True)
    return values


def connect_setup(credentials: Mapping[str, str], *, menu: Sequence[Button] = ()) -> None:
    """The account's custom menu: `menu`, else the shop's default (in the active language)."""
    api.call(api.app_of(credentials), api.MENU_CREATE, menu_body(menu or default_menu()))


def remove_menu(credentials: Mapping[str, str]) -> None:
    """Removes the account's custom menu (WeChat's menu/delete), so shoppers of an account no
    longer served by Souk do not tap buttons nobody answers. Raises SendError."""
    api.call(api.app_of(credentials), api.MENU_DELETE)


def connect(credentials: Mapping[str, object], *, menu: Sequence[Button] = ()) -> dict[str, str]:
    values = connect_check(credentials)
    connect_setup(values, menu=menu)
    return values


class WeChatConnect:
    """The adapter's connect steps (base.ChannelAdapter): what the API and the dashboard ask,
    `connect_check` before storing (the AppSecret proved with WeChat), the menu after; the
    server URL carries the account's id, WeChat having one server URL per account."""

    # "AppID", "AppSecret" and "EncodingAESKey" are WeChat's names in every language.
    connect_fields = (
        ConnectField(
            "app_id",
            "AppID",
            pgettext_lazy("connect wechat", "“wx” and 16 hexadecimal digits."),
            secret=False,
        ),
        ConnectField(
            "app_secret",
            "AppSecret",
            pgettext_lazy("connect wechat", "32 hexadecimal digits; stored encrypted."),
        ),
        ConnectField(
            "token",
            pgettext_lazy("connect wechat", "Server token"),
            pgettext_lazy(
                "connect wechat",
                "3 to 32 letters or digits, the Token you enter in the server configuration.",
            ),
        ),
        ConnectField(
            "encoding_aes_key",
            "EncodingAESKey",
            pgettext_lazy(
                "connect wechat",
                "43 letters or digits, from the server configuration (“Randomly generate”).",
            ),
        ),
    )
    connect_guide = ConnectGuide(
        title=pgettext_lazy("connect wechat", "Connect a WeChat Official Account"),
        steps=(
            pgettext_lazy(
                "connect wechat",
                "In the Official Accounts Platform (mp.weixin.qq.com) → Settings and Development "
                "→ Basic Configuration: copy the AppID and reset or copy the AppSecret.",
            ),
            pgettext_lazy(
                "connect wechat",
                "On the same page, add Souk's server addresses to the IP whitelist.",
            ),
            pgettext_lazy(
                "connect wechat",
                "Choose a server token (letters and digits) and generate an EncodingAESKey; "
                "paste both below with the AppID and AppSecret.",
            ),
        ),
        webhook_help=pgettext_lazy(
            "connect wechat",
            "Then, in Server Configuration, enter this URL with the same token and "
            "EncodingAESKey, choose Safe mode and enable it: WeChat checks the URL at once.",
        ),
    )

    def connect_check(
        self, *, credentials: Mapping[str, str], external_id: str, name: str, shop: ShopContext
    ) -> Connection:
        try:
            values = connect_check(credentials)
        except SendError as exc:
            raise PlatformRefused(f"WeChat refused the AppID or AppSecret: {exc}") from exc
        return Connection(external_id=values["app_id"], name=name or shop.name, credentials=values)

    def connect_setup(self, account: AccountContext, *, shop: ShopContext, secret: str) -> None:
        with translation.override(shop.language):
            menu = default_menu()
        try:
            connect_setup(account.credentials, menu=menu)
        except SendError as exc:
            raise PlatformRefused(f"WeChat refused the account's menu: {exc}") from exc

    def disconnect(self, account: AccountContext) -> None:
        # Best effort (setup.channel_disconnect): a refusal leaves the menu on WeChat, the
        # account is removed from Souk all the same.
        remove_menu(account.credentials)

    def webhook_path(self, *, account_id: int, shop_slug: str) -> str:
        return reverse(WEBHOOK_URL_NAME, kwargs={"channel_id": account_id})

    # chat_link: none. WeChat documents no link that opens a conversation with an Official
    # Account from a browser (weixin:// links are not public); the base's "" stands.
