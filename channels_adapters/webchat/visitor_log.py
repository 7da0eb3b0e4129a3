"""The web chat page's view of its conversation: what the visitor sent and what was delivered to
them, in order. Reads only the conversation whose identity is (this channel, this visitor), so
another visitor's messages are unreachable whatever `after` says."""

from channels_adapters.models import ChannelAccount, OutboundStatus
from conversations.models import Direction, Message
from conversations.people import person_public_name

PAGE = 100


def _inbound_body(body: dict) -> dict:
    # What the page needs to draw the shopper's bubble; the sender block (the visitor id)
    # stays on the server.
    shown = {"type": body.get("type", ""), "client_id": body.get("message_id", "")}
    for key in ("text", "payload", "title"):
        if body.get(key):
            shown[key] = body[key]
    if body.get("type") == "location":
        shown.update(latitude=body.get("latitude"), longitude=body.get("longitude"))
    return shown


def _outbound_body(message: Message) -> dict:
    # What the web chat adapter rendered (bounded, safe URLs), as it was delivered.
    payloads = message.outbound.payloads if message.outbound else None
    return payloads[0] if payloads else message.body


def visitor_log(*, account: ChannelAccount, visitor_id: str, after_id: int) -> list[dict]:
    """Entries after `after_id`, oldest first, at most PAGE. An outbound message still queued
    ends the list there: the page asks again `after` the last id it got, so everything after a
    queued message waits until it is sent rather than being skipped. One query."""
    rows = (
        Message.objects.filter(
            shop_id=account.shop_id,
            conversation__identity__channel=account,
            conversation__identity__external_id=visitor_id,
            id__gt=after_id,
        )
        .select_related("outbound", "author")
        .order_by("id")[:PAGE]
    )
    entries = []
    for row in rows:
        inbound = row.direction == Direction.INBOUND
        status = row.outbound.status if row.outbound else None
        if status == OutboundStatus.QUEUED:
            break
        if status == OutboundStatus.FAILED:
            continue  # never delivered, so the visitor never saw it
        entry = {
            "id": row.pk,
            "direction": row.direction,
            "body": _inbound_body(row.body) if inbound else _outbound_body(row),
            "created_at": row.created_at.isoformat(),
        }
        if row.author_id:
            # A person of the shop wrote it: the visitor sees who (never their address).
            entry["author"] = person_public_name(row.author)
        entries.append(entry)
    return entries
