from collections.abc import Iterable
from datetime import datetime

from django.db.models import OuterRef, Subquery

from channels_adapters import registry
from channels_adapters.models import (
    ChannelAccount,
    ChannelStatus,
    InboundEvent,
    OutboundMessage,
    OutboundStatus,
    WhatsAppTemplate,
)
from shops.models import Shop


def channel_list(*, shop: Shop):
    return ChannelAccount.objects.for_shop(shop).order_by("kind", "id")


def channels_by_external_id(*, kind: str, external_ids: Iterable[str]) -> dict[str, ChannelAccount]:
    """Routing for platforms that name the account in the body (Meta): one query per webhook."""
    ids = set(external_ids)
    if not ids:
        return {}
    accounts = ChannelAccount.objects.filter(kind=kind, external_id__in=ids).exclude(
        status=ChannelStatus.DISABLED
    )
    return {account.external_id: account for account in accounts}


def channel_overview(*, shop: Shop, failures_since: datetime):
    """The shop's channels for the dashboard, each with when its last event came in and its
    latest failed send since `failures_since`: one query, however many channels."""
    last_event = InboundEvent.objects.filter(channel=OuterRef("pk")).order_by("-received_at")
    failures = OutboundMessage.objects.filter(
        channel=OuterRef("pk"), status=OutboundStatus.FAILED, created_at__gte=failures_since
    ).order_by("-id")
    return (
        channel_list(shop=shop)
        .select_related("shop")  # the web chat's URL names the shop
        .annotate(
            last_event_at=Subquery(last_event.values("received_at")[:1]),
            failed_send_error=Subquery(failures.values("last_error")[:1]),
            failed_send_code=Subquery(failures.values("error_code")[:1]),
            failed_send_at=Subquery(failures.values("created_at")[:1]),
        )
    )


def template_channels(*, shop: Shop):
    """The shop's accounts on channels that send approved templates (WhatsApp numbers)."""
    return channel_list(shop=shop).filter(kind__in=registry.kinds_with("templates"))


def whatsapp_templates(*, shop: Shop):
    """The shop's WhatsApp templates with their number, by number then name."""
    return (
        WhatsAppTemplate.objects.for_shop(shop)
        .select_related("channel")
        .order_by("channel_id", "name", "language", "id")
    )


def whatsapp_templates_for(*, channel: ChannelAccount):
    return WhatsAppTemplate.objects.filter(shop_id=channel.shop_id, channel=channel)
