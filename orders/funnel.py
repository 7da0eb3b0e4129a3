"""Recording the funnel's steps (orders.models.FunnelEvent) from wherever they happen: the
bot showing a product, cart_add, checkout_start, a hand-off. The caller says which
conversation it acts for with a FunnelSource; without one (the API, the demo, a test)
nothing is recorded."""

from dataclasses import dataclass

from orders.models import FunnelEvent, FunnelStep


@dataclass(frozen=True)
class FunnelSource:
    channel_kind: str
    conversation_id: int
    customer_id: int | None = None


def funnel_record(*, shop_id: int, source: FunnelSource | None, step: FunnelStep) -> None:
    """One INSERT in the caller's transaction, so a step that rolls back is not counted."""
    if source is None:
        return
    FunnelEvent.objects.create(
        shop_id=shop_id,
        channel_kind=source.channel_kind,
        conversation_id=source.conversation_id,
        customer_id=source.customer_id,
        step=step,
    )
