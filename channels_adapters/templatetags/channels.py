"""`{% load channels %}`: a channel kind as people name it ("whatsapp" → "WhatsApp")."""

from django import template

from channels_adapters import registry

register = template.Library()


@register.filter
def channel_label(kind: str) -> str:
    return registry.label(kind) if kind else "—"
