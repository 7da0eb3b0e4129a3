"""What Messenger Platform messaging looks like on every Meta channel that speaks it
(Messenger, and Instagram through the Messenger API for Instagram): the webhook body
`{"object", "entry": [{"id", "messaging": [event, …]}]}` cut into RawEvents, the postback
every such channel sends, and the Send API payloads (text, quick replies, button and generic
templates, image) rendered within a channel's `Limits`. Each channel's package keeps what is
its own: its event ids, its message parsing, its ladder's last steps (a `more` button, a
receipt). Names no channel: the guard test holds shared modules to that (issue 13)."""

from __future__ import annotations

from collections.abc import Callable

from channels_adapters import payload as read
from channels_adapters.base import RawEvent, WebhookRejected
from channels_adapters.messages import ButtonPressed, InboundEvent, Sender

# Entries in one webhook: Meta batches up to 1000.
ENTRIES_MAX = 1000
# A kind key names the event in its id; a longer key is not Meta's.
KIND_MAX = 32

EventId = Callable[[dict, str], str]


def other_event_id(event: dict, sender: str) -> str:
    """The id of an event that carries no id of its own (reactions, referrals, opt-ins…):
    kind + sender + timestamp, since one person does not act twice in the same millisecond."""
    timestamp = read.ident(event.get("timestamp"), "timestamp", required=False)
    kind = next((key for key in event if key not in {"sender", "recipient", "timestamp"}), "event")
    return f"{kind[:KIND_MAX]}:{sender}:{timestamp}"


def _entry_events(entry: object, kind: str, event_id: EventId) -> list[RawEvent]:
    """The events of one entry; an entry or event that cannot be read is left out (logged)."""
    try:
        entry = read.obj(entry, "entry")
        account_id = read.ident(entry.get("id"), "entry.id")
        # Entries without `messaging` (feed changes, comments, handover `standby`) carry
        # nothing for the conversation.
        events = read.items(entry.get("messaging"), "entry.messaging")
    except read.Unreadable as exc:
        read.skipped(kind, exc.reason)
        return []
    raw = []
    for event in events:
        try:
            event = read.obj(event, "messaging event")
            sender = read.ident(read.obj(event.get("sender"), "sender").get("id"), "sender.id")
            raw.append(
                RawEvent(event_id=event_id(event, sender), payload=event, account_id=account_id)
            )
        except read.Unreadable as exc:
            read.skipped(kind, exc.reason)
    return raw


def split(body: dict, *, object_name: str, kind: str, event_id: EventId) -> list[RawEvent]:
    """The events of a verified webhook body whose `object` must be `object_name`, each routed
    by its `entry.id`. Raises WebhookRejected when the body is not such a webhook at all;
    `kind` names the channel in the log of what was left out."""
    if body.get("object") != object_name:
        raise WebhookRejected(
            f"object must be {object_name!r}, not {str(body.get('object'))[:40]!r}"
        )
    if not isinstance(body.get("entry"), list):
        raise WebhookRejected("entry must be a list")
    try:
        entries = read.items(body["entry"], "entry", limit=ENTRIES_MAX)
    except read.Unreadable as exc:
        raise WebhookRejected(exc.reason) from None
    return [event for entry in entries for event in _entry_events(entry, kind, event_id)]


def parse_postback(sender: Sender, postback: dict) -> list[InboundEvent]:
    """A tap on a template button, a menu item, "Get Started" or an ice breaker."""
    return [
        ButtonPressed(
            sender=sender,
            message_id=read.ident(postback.get("mid"), "postback.mid", required=False),
            payload=read.text(postback.get("payload"), "postback.payload"),
            title=read.text(postback.get("title"), "postback.title"),
        )
    ]
