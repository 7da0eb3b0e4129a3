"""What Messenger Platform messaging looks like on every Meta channel that speaks it
(Messenger, and Instagram through the Messenger API for Instagram): the webhook body
`{"object", "entry": [{"id", "messaging": [event, …]}]}` cut into RawEvents, the postback
every such channel sends, and the Send API payloads (text, quick replies, button and generic
templates, image) rendered within a channel's `Limits`. Each channel's package keeps what is
its own: its event ids, its message parsing, its ladder's last steps (a `more` button, a
receipt). Names no channel: the guard test holds shared modules to that (issue 13)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby

from channels_adapters import payload as read
from channels_adapters.base import RawEvent, WebhookRejected
from channels_adapters.messages import Button, ButtonPressed, Card, InboundEvent, Sender
from channels_adapters.text import ELLIPSIS, joined, label, one_line, split_text, truncate

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


def sender_of(event: object) -> tuple[dict, Sender]:
    """A stored messaging event read as an object, and who sent it."""
    event = read.obj(event, "messaging event")
    sender_id = read.ident(read.obj(event.get("sender"), "sender").get("id"), "sender.id")
    return event, Sender(external_id=sender_id)


def shopper_said(
    sender: Sender, event: dict, parse_message: Callable[[Sender, dict], list[InboundEvent]]
) -> list[InboundEvent] | None:
    """The events of a message (read by the channel's `parse_message`) or a postback; None
    when the event is neither. What the shopper said but cannot be read raises
    `payload.from_shopper`, so the bot still answers."""
    if "message" not in event and "postback" not in event:
        return None
    try:
        if "message" in event:
            return parse_message(sender, read.obj(event["message"], "message"))
        return parse_postback(sender, read.obj(event["postback"], "postback"))
    except read.Unreadable as exc:
        raise read.from_shopper(exc, sender) from None


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


# --- Rendering ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """What one channel's Send API holds. `split` cuts a text into the chunks of plain text
    messages (each channel counts a text's size its own way: characters, or UTF-8 bytes); the
    other fields are Meta's documented maxima, the same on every channel unless it says not."""

    split: Callable[[str], list[str]]
    quick_replies_max: int = 13
    quick_reply_title_max: int = 20
    payload_max: int = 1000
    button_title_max: int = 20
    buttons_max: int = 3
    button_template_text_max: int = 640
    elements_max: int = 10
    element_title_max: int = 80
    element_subtitle_max: int = 80


def _chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def payload(message: dict) -> dict:
    # Every reply Souk sends answers a shopper within the window (a late one gets its tag from
    # the channel's adapter).
    return {"messaging_type": "RESPONSE", "message": message}


def template(content: dict) -> dict:
    return payload({"attachment": {"type": "template", "payload": content}})


class Renderer:
    """The Send API payloads (without `recipient`) of the forms every such channel has, within
    `limits`. Its methods give lists of payloads, in the order they are sent."""

    def __init__(self, limits: Limits):
        self.limits = limits

    def postback_payload(self, button: Button) -> str:
        # A button without a payload answers with its title, so a tap is never lost.
        return (
            truncate(button.payload or one_line(button.title), self.limits.payload_max) or ELLIPSIS
        )

    def button(self, button: Button) -> dict:
        title = label(button.title, self.limits.button_title_max)
        if button.url:
            return {"type": "web_url", "title": title, "url": button.url}
        return {"type": "postback", "title": title, "payload": self.postback_payload(button)}

    def quick_reply(self, button: Button) -> dict:
        return {
            "content_type": "text",
            "title": label(button.title, self.limits.quick_reply_title_max),
            "payload": self.postback_payload(button),
        }

    def texts(self, chunks: Sequence[str]) -> list[dict]:
        return [payload({"text": chunk}) for chunk in chunks]

    def text(self, text: str) -> list[dict]:
        return self.texts(self.limits.split(text))

    def head_and_tail(self, text: str, tail_chars: int) -> tuple[list[str], str]:
        """`text` as plain chunks plus a last chunk that also fits a field of `tail_chars`
        characters (a template's text)."""
        chunks = self.limits.split(text)
        if not chunks:
            return [], ""
        *head, tail = chunks
        if len(tail) > tail_chars:
            *more, tail = split_text(tail, tail_chars)
            head += more
        return head, tail

    def with_quick_replies(self, text: str, options: Sequence[Button]) -> list[dict]:
        # A text message's chunks all fit a quick-reply message: the last one carries them.
        *head, tail = self.limits.split(text) or [""]
        quick_replies = [self.quick_reply(option) for option in options]
        last = payload({"text": tail or ELLIPSIS, "quick_replies": quick_replies})
        return [*self.texts(head), last]

    def button_templates(self, text: str, buttons: Sequence[Button]) -> list[dict]:
        """The question heads the first template, "…" the next ones."""
        head, tail = self.head_and_tail(text, self.limits.button_template_text_max)
        templates = [
            template(
                {
                    "template_type": "button",
                    "text": (tail if index == 0 else "") or ELLIPSIS,
                    "buttons": [self.button(button) for button in group],
                }
            )
            for index, group in enumerate(_chunks(buttons, self.limits.buttons_max))
        ]
        return [*self.texts(head), *templates]

    def quick_replies(self, text: str, options: Sequence[Button]) -> list[dict]:
        """Quick replies → button templates (too many options, or one that opens a page) →
        plain text (no option at all)."""
        if not options:
            return self.text(text)
        if len(options) <= self.limits.quick_replies_max and not any(o.url for o in options):
            return self.with_quick_replies(text, options)
        return self.button_templates(text, options)

    def card_subtitle(self, card: Card) -> str:
        return truncate(joined(card.price, card.subtitle), self.limits.element_subtitle_max)

    def _is_element(self, card: Card) -> bool:
        """A generic element needs something besides its title."""
        return bool(self.card_subtitle(card) or card.image_url or card.buttons)

    def _element(self, card: Card) -> dict:
        element = {"title": label(card.title, self.limits.element_title_max)}
        subtitle = self.card_subtitle(card)
        if subtitle:
            element["subtitle"] = subtitle
        if card.image_url:
            element["image_url"] = card.image_url
        if card.buttons:
            # The bot lists a card's main actions first; the apps show as many as fit.
            buttons = card.buttons[: self.limits.buttons_max]
            element["buttons"] = [self.button(button) for button in buttons]
        return element

    def cards(self, cards: Sequence[Card]) -> list[dict]:
        """Generic templates of up to `elements_max` cards → a bulleted text for cards that
        carry nothing but a title."""
        payloads: list[dict] = []
        for is_element, run in groupby(cards, key=self._is_element):
            run = list(run)
            if is_element:
                payloads += [
                    template(
                        {"template_type": "generic", "elements": [self._element(c) for c in chunk]}
                    )
                    for chunk in _chunks(run, self.limits.elements_max)
                ]
            else:
                titles = [one_line(card.title) for card in run if card.title.strip()]
                payloads += self.text("\n".join(f"• {title}" for title in titles))
        return payloads
