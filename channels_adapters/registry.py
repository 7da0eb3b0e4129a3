"""The channels Souk speaks: the one shared place that names them.

A channel is one package under channels_adapters/ (its adapter: parsing, rendering, sending,
connecting, its reply window…) and one line in `CHANNELS`. Everything else asks this module
which kinds exist (`kinds`, `choices`, `label`) and the adapter what the channel does
(`adapter_for`); nothing outside the packages tests which channel it is
(tests/channels_adapters/test_registry_is_the_only_shared_place.py keeps it so).

Adapters are imported when first asked for (`adapter_for`), not by listing kinds: a worker or
command that never handles a channel does not import its platform's library. A web process
does, once: its URLconf mounts every package's webhook views (`webhook_urlconfs`), and the
views import their adapters.
"""

from dataclasses import dataclass
from functools import cache
from importlib import import_module
from importlib.util import find_spec

from channels_adapters.base import ChannelAdapter


@dataclass(frozen=True)
class Channel:
    kind: str  # stored in ChannelAccount.kind (at most KIND_MAX_LENGTH characters)
    adapter: str  # dotted path of the adapter class
    label: str  # the platform's name as people write it
    # Every shop has exactly one account of it, made by Souk (the web chat): never connected
    # with credentials, never disconnected. Declared here rather than asked of the adapter so
    # that listing kinds imports no platform library.
    built_in: bool = False


KIND_MAX_LENGTH = 12

CHANNELS: tuple[Channel, ...] = (
    Channel("messenger", "channels_adapters.messenger.MessengerAdapter", "Messenger"),
    Channel("telegram", "channels_adapters.telegram.TelegramAdapter", "Telegram"),
    Channel("whatsapp", "channels_adapters.whatsapp.WhatsAppAdapter", "WhatsApp"),
    Channel("sms", "channels_adapters.sms.SmsAdapter", "SMS"),
    Channel("webchat", "channels_adapters.webchat.WebChatAdapter", "Web chat", built_in=True),
    Channel("wechat", "channels_adapters.wechat.WeChatAdapter", "WeChat"),
    Channel("instagram", "channels_adapters.instagram.InstagramAdapter", "Instagram"),
)

_BY_KIND = {channel.kind: channel for channel in CHANNELS}


def kinds() -> tuple[str, ...]:
    return tuple(_BY_KIND)


def is_kind(kind: object) -> bool:
    return isinstance(kind, str) and kind in _BY_KIND


def label(kind: str) -> str:
    """The channel's name for people ("whatsapp" → "WhatsApp"); the kind itself if unknown."""
    channel = _BY_KIND.get(kind)
    return channel.label if channel else kind


def choices() -> list[tuple[str, str]]:
    """(kind, label) of every channel, for a form's or a serializer's choices."""
    return [(channel.kind, channel.label) for channel in CHANNELS]


def connectable_choices() -> list[tuple[str, str]]:
    """(kind, label) of the channels a shop connects with credentials (not its built-in ones)."""
    return [(channel.kind, channel.label) for channel in CHANNELS if not channel.built_in]


def is_built_in(kind: str) -> bool:
    channel = _BY_KIND.get(kind)
    return bool(channel and channel.built_in)


def built_in_kinds() -> tuple[str, ...]:
    """Kinds every shop has one account of, made by Souk itself (the web chat)."""
    return tuple(channel.kind for channel in CHANNELS if channel.built_in)


def kinds_with(capability: str) -> tuple[str, ...]:
    """Kinds whose adapter has `capability` (a `base.Capabilities` field, e.g. "templates").
    Imports those adapters."""
    return tuple(kind for kind in _BY_KIND if getattr(adapter_for(kind).capabilities, capability))


@cache
def adapter_for(kind: str) -> ChannelAdapter:
    module_name, _, class_name = _BY_KIND[kind].adapter.rpartition(".")
    return getattr(import_module(module_name), class_name)()


def webhook_urlconfs() -> list[tuple[str, str]]:
    """(kind, module) of the channels whose package has its own webhook routes (a `urls`
    module), mounted under /webhooks/<kind>/ by channels_adapters.urls. Finds the modules
    without importing them (nor their platform's library) until Django loads the URLconf."""
    found = []
    for channel in CHANNELS:
        package = channel.adapter.rpartition(".")[0]
        if find_spec(f"{package}.urls") is not None:
            found.append((channel.kind, f"{package}.urls"))
    return found


def dashboard_urlconfs() -> list[tuple[str, str]]:
    """(kind, module) of the channels whose package has dashboard pages of its own (a
    `dashboard_urls` module: WhatsApp's message templates), mounted under
    /dashboard/channels/<kind>/ in the dashboard's namespace by channels_adapters.dashboard_urls.
    Found without importing the modules, as `webhook_urlconfs`."""
    found = []
    for channel in CHANNELS:
        package = channel.adapter.rpartition(".")[0]
        if find_spec(f"{package}.dashboard_urls") is not None:
            found.append((channel.kind, f"{package}.dashboard_urls"))
    return found


def page_urlconfs() -> list[tuple[str, str]]:
    """(prefix, module) of the channels whose package serves public pages of its own (a
    `page_urls` module declaring its `PREFIX`: the web chat's "chat/"), mounted at the site's
    root by config/urls.py. The prefix is public (brands link to the pages), so each package
    keeps its own rather than taking its kind's name. Imports those modules, and through them
    their views: call it only from a URLconf."""
    found = []
    for channel in CHANNELS:
        module = f"{channel.adapter.rpartition('.')[0]}.page_urls"
        if find_spec(module) is not None:
            found.append((import_module(module).PREFIX, module))
    return found
