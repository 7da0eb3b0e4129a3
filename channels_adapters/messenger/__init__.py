"""Facebook Messenger (Meta Graph Send API)."""

from channels_adapters.messenger.adapter import MessengerAdapter, messenger_setup_profile

__all__ = ["MessengerAdapter", "messenger_setup_profile"]
