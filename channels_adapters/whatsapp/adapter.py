"""WhatsApp Cloud API (Meta Graph), over plain HTTP.

Degradation ladders (limits: shared/channel-limits.md, WhatsApp):

- Text: text messages of at most 4096 characters, cut between paragraphs, lines or words.
- QuickReplies: reply buttons (1 to 3 options; body ≤ 1024; titles ≤ 20 and unique)
  → an interactive list (4 to 10 options; row title ≤ 24, the whole title in the description
  when it had to be cut)
  → several lists of 10 rows (more than 10 options; the question heads the first list, "…"
  the next ones).
  Options that open a page cannot be buttons or rows: they follow as a text of links. A question
  too long for the body sends its beginning as text first.
  With a `SHARE_LOCATION` option: the question as a location request message (its body ≤ 1024
  and WhatsApp's own "Send location" button, nothing else fits in it), then the other options
  by the ladder above under "…".
- Carousel of one card: its image with title, price and subtitle as caption, then its buttons as
  QuickReplies (the ladder above, `more` as one more option).
- Carousel of several cards: the intro's overflow as text, the first card's image with its
  caption, then an interactive list with a row per card that has a payload of its own or a
  postback button (row id = the card's payload, else its first postback's: a row chosen opens
  the card, never one of its buttons; title ≤ 24; description = price · subtitle ≤ 72) and `more` as
  the last row; 10 rows a list, as many lists as needed
  → text: cards without a postback button, and every URL button, as lines with their links.
- Image: an image with its caption (≤ 1024); a longer caption follows as text.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from channels_adapters import meta
from channels_adapters import payload as read
from channels_adapters.base import (
    PERMANENT_BAD_CREDENTIALS,
    PERMANENT_INVALID_RECIPIENT,
    PERMANENT_OPTED_OUT,
    PERMANENT_WINDOW_CLOSED,
    AccountContext,
    Capabilities,
    ChannelAdapter,
    RawEvent,
    ReplyWindow,
    SendResult,
    WebhookRejected,
    span,
)
from channels_adapters.messages import (
    SHARE_LOCATION,
    Button,
    ButtonPressed,
    Card,
    Carousel,
    CartItem,
    CartSubmitted,
    ContactShared,
    Image,
    InboundEvent,
    LocationShared,
    OutboundMessage,
    QuickReplies,
    Receipt,
    Sender,
    StatusUpdate,
    Template,
    Text,
    TextReceived,
    Unsupported,
    receipt_text,
)
from channels_adapters.text import (
    ELLIPSIS,
    joined,
    label,
    one_line,
    split_text,
    split_with_tail,
    truncate,
)
from channels_adapters.whatsapp.connect import WhatsAppConnect
from shops.money import minor_unit_exponent

TEXT_MAX = 4096
CAPTION_MAX = 1024
BUTTONS_MAX = 3
BUTTON_BODY_MAX = 1024
LOCATION_BODY_MAX = 1024  # a location request message's body
BUTTON_TITLE_MAX = 20
LIST_BODY_MAX = 4096
LIST_BUTTON_MAX = 20
LIST_ROWS_MAX = 10
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
ID_MAX = 200  # row ids; reply-button ids allow 256, one id rule serves both
LIST_BUTTON_FALLBACK = "☰"

STATUSES = frozenset({"sent", "delivered", "read", "failed"})

# The customer-service window: free-form messages only this long after the shopper's last
# message; after it, only approved templates (Meta error 131047 otherwise).
SERVICE_WINDOW = timedelta(hours=24)

ERROR_RULES = meta.ErrorRules(
    # 4 app calls, 80007 WABA rate limit, 130429 throughput, 131048 spam (quality) limit,
    # 131056 too many messages to one recipient.
    rate_limit_codes=frozenset({4, 80007, 130429, 131048, 131056}),
    permanent={
        (131047, meta.ANY): PERMANENT_WINDOW_CLOSED,  # more than 24 hours since the user wrote
        (131026, meta.ANY): PERMANENT_INVALID_RECIPIENT,  # undeliverable (no WhatsApp, old app)
        (131030, meta.ANY): PERMANENT_INVALID_RECIPIENT,  # not in the test number's allowed list
        (131021, meta.ANY): PERMANENT_INVALID_RECIPIENT,  # recipient is the sender
        (131050, meta.ANY): PERMANENT_OPTED_OUT,  # user stopped marketing messages
        (190, meta.ANY): PERMANENT_BAD_CREDENTIALS,  # invalid or expired token
        (0, meta.ANY): PERMANENT_BAD_CREDENTIALS,  # AuthException
        (104, meta.ANY): PERMANENT_BAD_CREDENTIALS,  # no access token at all
    },
    # 1 unknown / possible server error, 2 service down or overloaded, 131000 "something went
    # wrong", 131016 service unavailable, 133004 server temporarily unavailable.
    transient_codes=frozenset({1, 2, 131000, 131016, 133004}),
    # Meta's guidance is about one message per 6 s to one recipient: wait that long.
    retry_after={131056: 6.0},
)


# --- Rendering ------------------------------------------------------------------------------------


def _chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _texts(text: str) -> list[dict]:
    return [_text_payload(chunk) for chunk in split_text(text, TEXT_MAX)]


def _text_payload(body: str) -> dict:
    return {"type": "text", "text": {"body": body, "preview_url": False}}


def _image(url: str, caption: str) -> list[dict]:
    if not url:
        return _texts(caption)
    caption = caption.strip()
    if len(caption) <= CAPTION_MAX:
        image = {"link": url, "caption": caption} if caption else {"link": url}
        return [{"type": "image", "image": image}]
    return [{"type": "image", "image": {"link": url}}, *_texts(caption)]


def _choice_id(button: Button) -> str:
    # A button without a payload answers with its title, so a tap is never lost.
    return truncate(button.payload or one_line(button.title), ID_MAX) or ELLIPSIS


def _unique_choices(buttons: Sequence[Button]) -> list[Button]:
    """WhatsApp refuses duplicate ids; two buttons with one payload do the same thing."""
    seen: dict[str, Button] = {}
    for button in buttons:
        seen.setdefault(_choice_id(button), button)
    return list(seen.values())


def _unique_titles(titles: Sequence[str], limit: int) -> list[str]:
    """Reply-button titles must differ, also after being cut: number the repeats."""
    taken: set[str] = set()
    result = []
    for title in titles:
        candidate, number = label(title, limit), 2
        while candidate in taken:
            suffix = f" {number}"
            candidate, number = label(title, limit - len(suffix)) + suffix, number + 1
        taken.add(candidate)
        result.append(candidate)
    return result


def _reply_buttons(body: str, choices: Sequence[Button]) -> dict:
    titles = _unique_titles([choice.title for choice in choices], BUTTON_TITLE_MAX)
    buttons = [
        {"type": "reply", "reply": {"id": _choice_id(choice), "title": title}}
        for choice, title in zip(choices, titles, strict=True)
    ]
    return {
        "type": "interactive",
        "interactive": {"type": "button", "body": {"text": body}, "action": {"buttons": buttons}},
    }


def _row(row_id: str, title: str, description: str = "") -> dict:
    row = {"id": row_id, "title": label(title, ROW_TITLE_MAX)}
    description = truncate(one_line(description), ROW_DESCRIPTION_MAX)
    if description:
        row["description"] = description
    return row


def _option_row(option: Button) -> dict:
    title = one_line(option.title)
    # A title cut to 24 characters is shown whole in the description (72).
    return _row(_choice_id(option), title, title if len(title) > ROW_TITLE_MAX else "")


def _list_button(body: str) -> str:
    """The label of the button that opens the list: the question's first line, cut."""
    first_line = body.strip().split("\n", 1)[0]
    return label(first_line, LIST_BUTTON_MAX, fallback=LIST_BUTTON_FALLBACK)


def _lists(body: str, rows: Sequence[dict]) -> list[dict]:
    """One list per 10 rows; the question heads the first, the next ones continue it."""
    button = _list_button(body)
    payloads = []
    for index, group in enumerate(_chunks(_unique_rows(rows), LIST_ROWS_MAX)):
        text = (body if index == 0 else "") or ELLIPSIS
        action = {"button": button, "sections": [{"rows": list(group)}]}
        payloads.append(
            {
                "type": "interactive",
                "interactive": {"type": "list", "body": {"text": text}, "action": action},
            }
        )
    return payloads


def _unique_rows(rows: Sequence[dict]) -> list[dict]:
    seen: dict[str, dict] = {}
    for row in rows:
        seen.setdefault(row["id"], row)
    return list(seen.values())


def _link_lines(buttons: Sequence[Button]) -> list[str]:
    return [f"• {one_line(button.title) or button.url}: {button.url}" for button in buttons]


def _location_request(text: str, options: Sequence[Button]) -> list[dict]:
    """The Cloud API's interactive `location_request_message`: the shopper's answer comes back
    as an ordinary `location` message."""
    head, body = split_with_tail(text, TEXT_MAX, LOCATION_BODY_MAX)
    request = {
        "type": "interactive",
        "interactive": {
            "type": "location_request_message",
            "body": {"text": body or ELLIPSIS},
            "action": {"name": "send_location"},
        },
    }
    others = [option for option in options if option.payload != SHARE_LOCATION]
    rest = _render_quick_replies(ELLIPSIS, others) if others else []
    return [*(_text_payload(chunk) for chunk in head), request, *rest]


def _render_quick_replies(text: str, options: Sequence[Button]) -> list[dict]:
    choices = _unique_choices([option for option in options if not option.url])
    links = _texts("\n".join(_link_lines([option for option in options if option.url])))
    if not choices:
        return _texts(text) + links
    if len(choices) <= BUTTONS_MAX:
        head, body = split_with_tail(text, TEXT_MAX, BUTTON_BODY_MAX)
        interactive = [_reply_buttons(body or ELLIPSIS, choices)]
    else:
        head, body = split_with_tail(text, TEXT_MAX, LIST_BODY_MAX)
        interactive = _lists(body, [_option_row(choice) for choice in choices])
    return [*(_text_payload(chunk) for chunk in head), *interactive, *links]


def _first_postback(card: Card) -> Button | None:
    """What the card's row in a list means: the card's own payload (choosing a product opens
    it, never "Buy now"), else its first button that is not a link."""
    if card.payload:
        return Button(card.title, card.payload)
    return next((button for button in card.buttons if not button.url), None)


def _card_caption(card: Card) -> str:
    return "\n".join(
        part for part in (one_line(card.title), joined(card.price, card.subtitle)) if part
    )


def _card_row(card: Card, postback: Button) -> dict:
    return _row(_choice_id(postback), card.title, joined(card.price, card.subtitle))


def _card_lines(card: Card, listed: bool) -> list[str]:
    """A card as text: all of it when it has no row in the list, else only its links."""
    links = [button for button in card.buttons if button.url]
    if listed and not links:
        return []
    details = joined(card.price, card.subtitle)
    head = f"• {one_line(card.title)}" + (f" — {details}" if details else "")
    return [head, *(f"  {one_line(b.title) or ELLIPSIS}: {b.url}" for b in links)]


def _render_single_card(intro: str, card: Card, more: Button | None) -> list[dict]:
    options = tuple(card.buttons) + ((more,) if more else ())
    caption = truncate(_card_caption(card), CAPTION_MAX)
    if not card.image_url:
        return _texts(intro) + _render_quick_replies(caption, options)
    # The caption already says what the card is: the buttons' body repeats only the title,
    # and links alone need no body at all.
    has_choices = any(not option.url for option in options)
    body = label(card.title, BUTTON_BODY_MAX) if has_choices else ""
    return _texts(intro) + _image(card.image_url, caption) + _render_quick_replies(body, options)


def _render_cards(intro: str, cards: Sequence[Card], more: Button | None) -> list[dict]:
    rows, lines = [], []
    for card in cards:
        postback = _first_postback(card)
        if postback is not None:
            rows.append(_card_row(card, postback))
        lines += _card_lines(card, listed=postback is not None)
    if more is not None and more.url:
        lines += _link_lines([more])
    elif more is not None:
        rows.append(_row(_choice_id(more), more.title))
    first = cards[0]
    caption = truncate(_card_caption(first), CAPTION_MAX)
    image = _image(first.image_url, caption) if first.image_url else []
    if not rows:
        return _texts(intro) + image + _texts("\n".join(lines))
    head, body = split_with_tail(intro, TEXT_MAX, LIST_BODY_MAX)
    return [
        *(_text_payload(chunk) for chunk in head),
        *image,
        *_lists(body, rows),
        *_texts("\n".join(lines)),
    ]


def _render_template(template: Template) -> list[dict]:
    """The Cloud API's template message: the approved name and language, the body's
    parameters in order ({{1}}, {{2}}…)."""
    content: dict = {
        "name": template.name,
        "language": {"policy": "deterministic", "code": template.language},
    }
    if template.params:
        parameters = [{"type": "text", "text": value} for value in template.params]
        content["components"] = [{"type": "body", "parameters": parameters}]
    return [{"type": "template", "template": content}]


def _render_carousel(carousel: Carousel) -> list[dict]:
    if len(carousel.cards) == 1:
        return _render_single_card(carousel.text, carousel.cards[0], carousel.more)
    if not carousel.cards:
        more = (carousel.more,) if carousel.more else ()
        return _render_quick_replies(carousel.text, more)
    return _render_cards(carousel.text, carousel.cards, carousel.more)


# --- Webhooks -------------------------------------------------------------------------------------


# Entries in one webhook: Meta batches up to 1000.
ENTRIES_MAX = 1000
# A message type or status longer than this is not Meta's.
KIND_MAX = 32
# A decimal from a cart (price, quantity) longer than this is not Meta's: Decimal would parse
# "1e999999999" and int() of it would take the worker's memory.
DECIMAL_MAX_CHARS = 32
QUANTITY_MAX = 10_000
PRICE_MAX = Decimal(10) ** 12


def _contact_for(message: dict, contacts: list) -> dict:
    sender = message.get("from")
    for contact in contacts:
        if isinstance(contact, dict) and contact.get("wa_id") == sender:
            return contact
    return contacts[0] if len(contacts) == 1 and isinstance(contacts[0], dict) else {}


def _change_events(value: object) -> list[RawEvent]:
    """The events of one `messages` change; one that cannot be identified is left out."""
    try:
        value = read.obj(value, "changes[].value")
        messages = read.items(value.get("messages"), "value.messages")
        statuses = read.items(value.get("statuses"), "value.statuses")
        if not (messages or statuses):
            return []  # errors-only or other notifications: nothing to process
        metadata = read.obj(value.get("metadata"), "value.metadata")
        account_id = read.ident(metadata.get("phone_number_id"), "metadata.phone_number_id")
    except read.Unreadable as exc:
        read.skipped("whatsapp", exc.reason)
        return []
    # Contacts only name the senders: a list of the wrong shape costs the name, not the message.
    contacts = value.get("contacts") if isinstance(value.get("contacts"), list) else []
    events = []
    for message in messages:
        try:
            message = read.obj(message, "message")
            event_id = read.ident(message.get("id"), "message.id")
            read.ident(message.get("from"), "message.from")
        except read.Unreadable as exc:
            read.skipped("whatsapp", exc.reason)
            continue
        payload = {"message": message, "contact": _contact_for(message, contacts)}
        events.append(RawEvent(event_id=event_id, payload=payload, account_id=account_id))
    for status in statuses:
        try:
            status = read.obj(status, "status")
            wamid = read.ident(status.get("id"), "status.id")
            # One wamid goes through sent, delivered, read: each is its own event.
            state = read.ident(status.get("status"), "status.status")[:KIND_MAX]
        except read.Unreadable as exc:
            read.skipped("whatsapp", exc.reason)
            continue
        events.append(
            RawEvent(event_id=f"{wamid}:{state}", payload={"status": status}, account_id=account_id)
        )
    return events


def _sender(message: dict, contact: dict) -> Sender:
    sender_id = read.ident(message.get("from"), "message.from")
    wa_id = read.ident(contact.get("wa_id"), "contact.wa_id", required=False) or sender_id
    profile = read.obj(contact.get("profile"), "contact.profile")
    return Sender(
        external_id=sender_id,
        name=read.text(profile.get("name"), "contact.profile.name"),
        phone=f"+{wa_id}",
    )


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    text = str(value).strip()
    if len(text) > DECIMAL_MAX_CHARS:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _minor_units(price: object, currency: str) -> int:
    """`item_price` is in major units (12.5 USD); Souk counts minor units (1250)."""
    amount = _decimal(price)
    if amount is None or abs(amount) > PRICE_MAX:
        return 0
    amount *= 10 ** minor_unit_exponent(currency or "USD")
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _quantity(value: object) -> int:
    quantity = _decimal(value)
    if quantity is None or abs(quantity) > QUANTITY_MAX:
        return 0
    return int(quantity)


def _parse_text(sender: Sender, mid: str, message: dict) -> list[InboundEvent]:
    text = read.text(read.obj(message.get("text"), "message.text").get("body"), "text.body")
    return [TextReceived(sender=sender, message_id=mid, text=text)]


def _parse_interactive(sender: Sender, mid: str, message: dict) -> list[InboundEvent]:
    interactive = read.obj(message.get("interactive"), "message.interactive")
    kind = read.text(interactive.get("type"), "interactive.type")[:KIND_MAX]
    reply = interactive.get(kind) if kind in ("button_reply", "list_reply") else None
    if not isinstance(reply, dict):
        return [Unsupported(sender=sender, message_id=mid, what=f"interactive:{kind or None}")]
    return [
        ButtonPressed(
            sender=sender,
            message_id=mid,
            payload=read.text(reply.get("id"), f"{kind}.id"),
            title=read.text(reply.get("title"), f"{kind}.title"),
        )
    ]


def _parse_template_button(sender: Sender, mid: str, message: dict) -> list[InboundEvent]:
    # A quick-reply button of a template message.
    button = read.obj(message.get("button"), "message.button")
    payload = read.text(button.get("payload"), "button.payload")
    title = read.text(button.get("text"), "button.text")
    return [ButtonPressed(sender=sender, message_id=mid, payload=payload or title, title=title)]


def _parse_location(sender: Sender, mid: str, message: dict) -> list[InboundEvent]:
    location = read.obj(message.get("location"), "message.location")
    address = joined(
        read.text(location.get("name"), "location.name"),
        read.text(location.get("address"), "location.address"),
        separator=", ",
    )
    return [
        LocationShared(
            sender=sender,
            message_id=mid,
            latitude=_coordinate(location.get("latitude"), "location.latitude", 90),
            longitude=_coordinate(location.get("longitude"), "location.longitude", 180),
            address=address,
        )
    ]


def _coordinate(value: object, field: str, bound: int) -> float:
    """A latitude (bound 90) or longitude (180) in degrees; a missing one is unreadable, not
    a pin at 0, 0."""
    if value is None:
        raise read.Unreadable(f"{field} is missing")
    number = read.number(value, field)
    if not -bound <= number <= bound:
        raise read.Unreadable(f"{field} is outside -{bound}..{bound}")
    return number


def _parse_contacts(sender: Sender, mid: str, message: dict) -> list[InboundEvent]:
    contacts = read.objects(message.get("contacts"), "message.contacts") or [{}]
    phones = read.objects(contacts[0].get("phones"), "contacts[0].phones") or [{}]
    # wa_id is the number in international form; `phone` is as the user saved it.
    wa_id = read.ident(phones[0].get("wa_id"), "phones[0].wa_id", required=False)
    phone = f"+{wa_id}" if wa_id else read.text(phones[0].get("phone"), "phones[0].phone")
    names = read.obj(contacts[0].get("name"), "contacts[0].name")
    name = read.text(names.get("formatted_name"), "contacts[0].name.formatted_name")
    return [ContactShared(sender=sender, message_id=mid, phone=phone, name=name)]


def _parse_order(sender: Sender, mid: str, message: dict) -> list[InboundEvent]:
    order = read.obj(message.get("order"), "message.order")
    items = []
    for item in read.objects(order.get("product_items"), "order.product_items"):
        currency = read.text(item.get("currency"), "product_items[].currency")[:KIND_MAX]
        items.append(
            CartItem(
                retailer_id=read.ident(
                    item.get("product_retailer_id"), "product_retailer_id", required=False
                ),
                quantity=_quantity(item.get("quantity")),
                price_minor=_minor_units(item.get("item_price", 0), currency),
                currency=currency,
            )
        )
    text = read.text(order.get("text"), "order.text")
    return [CartSubmitted(sender=sender, message_id=mid, items=tuple(items), text=text)]


def _ignored(sender: Sender, mid: str, message: dict) -> list[InboundEvent]:
    # Reactions and system notices (number changed) are not the shopper talking to the shop.
    return []


_MESSAGE_PARSERS = {
    "text": _parse_text,
    "interactive": _parse_interactive,
    "button": _parse_template_button,
    "location": _parse_location,
    "contacts": _parse_contacts,
    "order": _parse_order,
    "reaction": _ignored,
    "system": _ignored,
}


def _parse_status(status: dict) -> list[InboundEvent]:
    state = read.text(status.get("status"), "status.status")
    if state not in STATUSES:
        return []
    errors = read.objects(status.get("errors"), "status.errors") or [{}]
    description = read.text(
        errors[0].get("title") or errors[0].get("message"), "status.errors[0].title"
    )
    code = read.ident(errors[0].get("code"), "status.errors[0].code", required=False)
    if description and code:
        description = f"{description} ({code})"
    recipient = read.ident(status.get("recipient_id"), "status.recipient_id", required=False)
    return [
        StatusUpdate(
            sender=Sender(external_id=recipient, phone=f"+{recipient}" if recipient else ""),
            message_id=read.ident(status.get("id"), "status.id", required=False),
            status=state,
            error=description,
        )
    ]


class WhatsAppAdapter(WhatsAppConnect, ChannelAdapter):
    kind = "whatsapp"
    capabilities = Capabilities(location_sharing=True, reply_window=True, templates=True)
    rate_per_second = 80.0  # Cloud API default throughput per number (up to 1000)
    # Providers advise about one message per 6 s to one recipient, but a reply in a live
    # conversation (a carousel and its list, back to back) must not wait that long; a 131056
    # pair rate limit is answered by waiting instead (ERROR_RULES.retry_after).
    per_recipient_interval = 0.0

    def preview_bubbles(self, payload: dict) -> list:
        from channels_adapters.whatsapp import preview

        return preview.bubbles(payload)

    def preview_notes(self, messages: list[OutboundMessage], payloads: list[dict]) -> list[str]:
        from channels_adapters.whatsapp import preview

        return preview.fallback_notes(messages, payloads)

    def split(self, body: dict) -> list[RawEvent]:
        if body.get("object") != "whatsapp_business_account":
            raise WebhookRejected(
                f"object must be 'whatsapp_business_account', not {body.get('object')!r}"
            )
        if not isinstance(body.get("entry"), list):
            raise WebhookRejected("entry must be a list")
        try:
            entries = read.items(body["entry"], "entry", limit=ENTRIES_MAX)
        except read.Unreadable as exc:
            raise WebhookRejected(exc.reason) from None
        events = []
        for entry in entries:
            try:
                changes = read.objects(read.obj(entry, "entry").get("changes"), "entry.changes")
            except read.Unreadable as exc:
                read.skipped("whatsapp", exc.reason)
                continue
            for change in changes:
                if change.get("field") == "messages":
                    events += _change_events(change.get("value"))
        return events

    def parse(self, payload: dict) -> list[InboundEvent]:
        payload = read.obj(payload, "payload")
        if "status" in payload:
            return _parse_status(read.obj(payload["status"], "status"))
        message = read.obj(payload.get("message"), "message")
        shopper = Sender(external_id=read.ident(message.get("from"), "message.from"))
        mid = read.ident(message.get("id"), "message.id", required=False)
        try:
            sender = _sender(message, read.obj(payload.get("contact"), "contact"))
            kind = read.text(message.get("type"), "message.type")[:KIND_MAX] or "unknown"
            parser = _MESSAGE_PARSERS.get(kind)
            if parser is None:  # image, audio, sticker, video, document, unsupported…
                return [Unsupported(sender=sender, message_id=mid, what=kind)]
            return parser(sender, mid, message)
        except read.Unreadable as exc:
            # The shopper said something the adapter cannot read: the bot still answers.
            raise read.from_shopper(exc, shopper, mid) from None

    def render(self, message: OutboundMessage) -> list[dict]:
        if isinstance(message, Text):
            return _texts(message.text)
        if isinstance(message, QuickReplies):
            if any(option.payload == SHARE_LOCATION for option in message.options):
                return _location_request(message.text, message.options)
            return _render_quick_replies(message.text, message.options)
        if isinstance(message, Carousel):
            return _render_carousel(message)
        if isinstance(message, Image):
            return _image(message.url, message.caption)
        if isinstance(message, Receipt):
            return _texts(receipt_text(message))
        if isinstance(message, Template):
            return _render_template(message)
        return self.unrenderable(message)

    def reply_window(self, last_inbound_at: datetime | None, now: datetime) -> ReplyWindow:
        if last_inbound_at is not None and now - last_inbound_at < SERVICE_WINDOW:
            closes_at = last_inbound_at + SERVICE_WINDOW
            return ReplyWindow(
                open=True,
                closes_at=closes_at,
                explanation="WhatsApp: within the 24-hour customer-service window "
                f"(it closes in {span(closes_at - now)}).",
            )
        since = (
            f" (the shopper last wrote {span(now - last_inbound_at)} ago)"
            if last_inbound_at is not None
            else " (the shopper has not written yet)"
        )
        return ReplyWindow(
            open=False,
            template_only=True,
            explanation="WhatsApp: outside the 24-hour window only a template can be sent"
            f"{since}. When the shopper writes again, the window opens for 24 hours.",
        )

    def send(self, account: AccountContext, recipient: str, payload: dict) -> SendResult:
        body = meta.graph_post(
            f"{account.external_id}/messages",
            json={
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": recipient,
                **payload,
            },
            rules=ERROR_RULES,
            access_token=account.credentials.get("access_token", ""),
        )
        messages = body.get("messages") or [{}]
        return SendResult(platform_message_id=str(messages[0].get("id", "")))
