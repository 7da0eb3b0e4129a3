"""Reading Instagram's messaging webhooks (object `instagram`, Messenger API for Instagram).

A body is `{"object": "instagram", "entry": [{"id": <Instagram professional account id>,
"time", "messaging": [event, …]}]}`; each event has `sender.id` (the shopper's
Instagram-scoped id, IGSID, or the account itself for an echo), `recipient.id`, `timestamp` and
one of `message`, `postback`, `reaction`, `read`, `referral` (docs/channels.md, "Instagram",
lists the shapes and Meta's pages). `instagram_split` runs in the request and cuts a verified
body into RawEvents routed by `entry.id`; `instagram_parse` runs in the worker and reads one of
them into normalized events. Both read only through `channels_adapters.payload`.
"""

from __future__ import annotations

from channels_adapters import meta_messaging
from channels_adapters import payload as read
from channels_adapters.base import RawEvent
from channels_adapters.messages import (
    ButtonPressed,
    InboundEvent,
    Sender,
    TextReceived,
    Unsupported,
)
from channels_adapters.meta_messaging import KIND_MAX

KIND = "instagram"
# What a story reply reads as in the conversation: Instagram sends the shopper's words, and the
# story they answer only as `reply_to.story`; without it "How much?" means nothing to an agent.
STORY_REPLY = "Replied to your story: {url}"
STORY_REPLY_WITHOUT_URL = "Replied to your story"


def _event_id(event: dict, sender: str) -> str:
    """The id an event is deduplicated on. A message and a postback carry a `mid`; a deletion
    carries the `mid` of the message deleted, so it gets its own id (else it would pass for a
    redelivery of that message). Reactions (whose `mid` is the message reacted to), reads and
    referrals use kind + IGSID + timestamp: one person does not react twice in a millisecond."""
    message = event.get("message")
    if isinstance(message, dict) and message.get("mid"):
        mid = read.ident(message["mid"], "message.mid")
        return f"deleted:{mid}" if message.get("is_deleted") else mid
    postback = event.get("postback")
    if isinstance(postback, dict) and postback.get("mid"):
        return read.ident(postback["mid"], "postback.mid")
    return meta_messaging.other_event_id(event, sender)


def instagram_split(body: dict) -> list[RawEvent]:
    """The events of a verified webhook body, each routed by its Instagram account id.
    Raises WebhookRejected when the body is not an `instagram` webhook at all."""
    return meta_messaging.split(body, object_name="instagram", kind=KIND, event_id=_event_id)


def _story_reply(message: dict, text: str) -> str:
    story = read.obj(read.obj(message.get("reply_to"), "message.reply_to").get("story"), "story")
    if not story:
        return text
    url = read.text(story.get("url"), "reply_to.story.url").strip()
    context = STORY_REPLY.format(url=url) if url else STORY_REPLY_WITHOUT_URL
    return f"{context}\n{text}" if text else context


def _attachments(message: dict) -> list[str]:
    """The kinds of the message's attachments (image, video, audio, file, share, ig_post,
    ig_reel, reel, story_mention…)."""
    kinds = []
    for attachment in read.objects(message.get("attachments"), "message.attachments"):
        kind = read.text(attachment.get("type"), "attachment.type")[:KIND_MAX] or "unknown"
        read.obj(attachment.get("payload"), "attachment.payload")
        kinds.append(kind)
    return kinds


def _parse_message(sender: Sender, message: dict) -> list[InboundEvent]:
    if message.get("is_echo"):
        return []  # the account's own messages: sent by Souk, or typed in the Instagram app
    mid = read.ident(message.get("mid"), "message.mid", required=False)
    if message.get("is_deleted"):
        # The shopper unsent a message: the conversation keeps what it was told; nothing to
        # answer.
        return []
    quick_reply = read.obj(message.get("quick_reply"), "message.quick_reply")
    text = read.text(message.get("text"), "message.text")
    if quick_reply.get("payload"):
        payload = read.text(quick_reply["payload"], "quick_reply.payload")
        return [ButtonPressed(sender=sender, message_id=mid, payload=payload, title=text)]
    text = _story_reply(message, text)
    kinds = _attachments(message)
    if text.strip():
        return [TextReceived(sender=sender, message_id=mid, text=text)]
    if message.get("is_unsupported"):
        kinds.append("unsupported")  # a GIF, a sticker: Instagram does not say which
    # A photo, a shared post or reel, a mention in the shopper's story: nothing the bot can
    # read, so it answers with its menu rather than silence.
    what = ",".join(dict.fromkeys(kinds)) or "unknown"
    return [Unsupported(sender=sender, message_id=mid, what=what)]


def instagram_parse(payload: dict) -> list[InboundEvent]:
    """Normalized events of one stored Instagram event. Raises `payload.Unreadable` only."""
    event, sender = meta_messaging.sender_of(payload)
    # Ice breaker taps and template buttons arrive as postbacks.
    said = meta_messaging.shopper_said(sender, event, _parse_message)
    if said is not None:
        return said
    # Reactions, reads (messaging_seen), referrals: nothing the bot answers, and Instagram's
    # read receipt names one message only, not a delivery Souk records.
    return []
