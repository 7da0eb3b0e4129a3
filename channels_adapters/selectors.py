from collections.abc import Iterable

from channels_adapters.models import ChannelAccount, ChannelStatus
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


def channel_for_webhook(*, kind: str, channel_id: int) -> ChannelAccount | None:
    """Routing for platforms whose webhook URL carries our channel id (Telegram, SMS)."""
    return (
        ChannelAccount.objects.filter(kind=kind, pk=channel_id)
        .exclude(status=ChannelStatus.DISABLED)
        .first()
    )
