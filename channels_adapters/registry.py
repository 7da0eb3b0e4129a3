"""Which adapter speaks for which channel kind. Imported lazily: a process that never talks to
Telegram never imports python-telegram-bot."""

from functools import cache
from importlib import import_module

from channels_adapters.base import ChannelAdapter

ADAPTERS = {
    "messenger": "channels_adapters.messenger.MessengerAdapter",
    "telegram": "channels_adapters.telegram.TelegramAdapter",
    "whatsapp": "channels_adapters.whatsapp.WhatsAppAdapter",
    "sms": "channels_adapters.sms.SmsAdapter",
    "webchat": "channels_adapters.webchat.WebChatAdapter",
}


@cache
def adapter_for(kind: str) -> ChannelAdapter:
    module_name, _, class_name = ADAPTERS[kind].rpartition(".")
    return getattr(import_module(module_name), class_name)()
