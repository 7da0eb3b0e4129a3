"""WhatsApp Cloud API (Meta Graph)."""

from channels_adapters.whatsapp.adapter import WhatsAppAdapter

__all__ = ["WhatsAppAdapter"]
