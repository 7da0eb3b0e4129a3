"""Web chat: the shop's own chat page (/chat/<shop>/); the page posts, then reads the log."""

from channels_adapters.webchat.adapter import WebChatAdapter

__all__ = ["WebChatAdapter"]
