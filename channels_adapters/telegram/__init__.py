"""Telegram: webhook Updates in, Bot API calls out through python-telegram-bot."""

from channels_adapters.telegram.adapter import TelegramAdapter

__all__ = ["TelegramAdapter"]
