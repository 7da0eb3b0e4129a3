"""`{% load channels %}`: a channel kind as people name it ("whatsapp" → "WhatsApp")."""

from django import template

from channels_adapters.models import ChannelKind

register = template.Library()


@register.filter
def channel_label(kind: str) -> str:
    try:
        return ChannelKind(kind).label
    except ValueError:
        return kind or "—"
