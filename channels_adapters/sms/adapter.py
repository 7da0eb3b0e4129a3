"""The SMS channel over Twilio: form-encoded webhooks in, the Messages API out.

Payloads are `{"body": str}`, or `{"body": str, "media_url": [url]}` for an MMS.

Numbered menus
  SMS has no buttons: QuickReplies and Carousels become numbered lines and the shopper answers
  with a number. The adapter sees one webhook at a time and keeps no state, so it cannot know
  which menu "2" answers: `parse` returns TextReceived("2") and the conversation layer resolves
  the number against the last menu it sent. A menu's numbers start at its `number_from`
  (set by conversations/engine/numbering.py so they run on across the messages of one reply:
  a cart's lines 1-2, then Checkout 3); number_from + i stands for the i-th payload of
  `SmsAdapter.numbered_payloads(message)` (options with a payload for QuickReplies; for a
  Carousel its first `max_cards` cards that have a payload, their own or else their first
  postback button's, then `more`) — what the bot keeps in its state's `options`.

  The adapter does not know the shop's language, so it adds no words: the menu ends with a
  language-neutral "(1-4)" (`menu_footer`, the menu's first number to its last). Words such
  as "Reply with a number." belong in the bot's text, in the shop's language
  (conversations/phrases.py has `sms_hint`).

Ladder (every body is GSM-7-cleaned by `gsm.to_gsm`, then kept within `max_segments` SMS
segments, counted as carriers count them (gsm.py): 2 segments = 306 GSM-7 characters, within
the 320 of shared/channel-limits.md, or 134 UTF-16 units once one character needs UCS-2)
  Text          the text cut into as many SMS as needed, between paragraphs, else lines, else
                words, else graphemes (never inside an emoji). Blank text: nothing.
  QuickReplies  the text, then a line per option in order: "1. Browse" for an option with a
                payload, "Site: https://…" for a link-only option (not numbered); the footer
                "(1-N)" under the last number when there are 2 or more. Titles on one line, ≤ 60
                characters. Lines are packed into as few SMS as fit; a line is cut only when
                it cannot fit in one SMS on its own (a title of 60 emoji in UCS-2).
  Carousel      the intro text, then a line per card, its first `max_cards`: "3. Title - price"
                (title ≤ 60, price ≤ 30) for a card with a payload of its own or a postback
                button (the number picks the card's payload, else its first postback: its
                other buttons are not shown, so a card's number never means one of them),
                "Title - price:
                https://…" for a card with only a link, "Title - price" otherwise; `more` as
                the last number; the footer. Subtitles and images are left out: every line
                costs the shop money and the shopper scrolling. Cards past `max_cards` (the
                bot's page size) are not rendered: the bot pages with `more`.
  Image         the caption as Text, the URL on its own last line (an MMS is not delivered
                everywhere and costs more); with `images_as_mms` the last SMS carries the URL
                as `media_url` instead. A URL that cannot fit in `max_segments` goes alone in
                an SMS of up to 1600 characters (Twilio's limit): a link cut in two is useless.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Mapping
from datetime import datetime

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from channels_adapters import payload as read
from channels_adapters.base import (
    PERMANENT_BAD_CREDENTIALS,
    PERMANENT_INVALID_RECIPIENT,
    PERMANENT_OPTED_OUT,
    PERMANENT_REJECTED,
    AccountContext,
    Capabilities,
    ChannelAdapter,
    PermanentSendError,
    RateLimited,
    RawEvent,
    ReplyCost,
    ReplyWindow,
    SendError,
    SendResult,
    TransientSendError,
    WebhookRejected,
    card_payload,
)
from channels_adapters.messages import (
    Button,
    Card,
    Carousel,
    Image,
    InboundEvent,
    OptIn,
    OptOut,
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
from channels_adapters.sms import cost, gsm
from channels_adapters.sms.connect import SmsConnect
from channels_adapters.text import boundary_before, label, one_line

logger = logging.getLogger(__name__)

TWILIO_MAX_BODY = 1600  # Twilio refuses longer bodies (error 21617)
OPTION_TITLE_MAX = 60
CARD_TITLE_MAX = 60
PRICE_MAX = 30

# Twilio's default opt-out and opt-in keywords for long codes (it blocks or unblocks the number
# itself and still forwards the message), plus the French ones carriers honour in Canada.
OPT_OUT_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
    | {"ARRET", "ARRÊT"}
)
OPT_IN_WORDS = frozenset({"START", "YES", "UNSTOP"})

# MessageStatus of a status callback → StatusUpdate.status. The steps before a message leaves
# Twilio (accepted, scheduled, queued, sending) carry no news for the shop: no event.
_STATUSES = {
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "undelivered": "failed",
    "failed": "failed",
    "canceled": "failed",
}
# An inbound message carries SmsStatus=received; MessageStatus with these is not a callback.
_INBOUND_STATUSES = frozenset({"", "received", "receiving"})

# Twilio error codes (https://www.twilio.com/docs/api/errors).
_RATE_LIMIT_CODES = frozenset({20429, 14107, 21611})  # too many requests, rate, queue full
_OPTED_OUT_CODES = frozenset({21610})  # the recipient texted STOP
# invalid To, not a mobile number, not reachable by SMS, a number type without SMS
_INVALID_RECIPIENT_CODES = frozenset({21211, 21614, 21612, 21407})
_BAD_CREDENTIALS_CODES = frozenset({20003, 20005, 20008})  # authenticate, suspended, test creds


class SmsAdapter(SmsConnect, ChannelAdapter):
    kind = "sms"
    capabilities = Capabilities(numbered_menus=True)
    # A US long code sends about 1 segment a second (Twilio queues the excess); toll-free
    # numbers and short codes are allowed more: a subclass for those raises it.
    rate_per_second: float = 1.0
    # Segments one payload may take: 2 keeps a body within the ~320 characters carriers
    # deliver reliably (channel-limits.md) and what a phone shows as one message.
    max_segments: int = 2
    # Cards a Carousel lists: the bot's page size; more would cost a dozen SMS a page.
    max_cards: int = 10
    # MMS reaches mainly US and Canadian numbers, and costs several SMS: links by default.
    images_as_mms: bool = False
    menu_footer: str = "({first}-{last})"

    # --- inbound ------------------------------------------------------------------------------

    def preview_bubbles(self, payload: dict) -> list:
        from channels_adapters.sms import preview

        return preview.bubbles(payload)

    def preview_notes(self, messages: list[OutboundMessage], payloads: list[dict]) -> list[str]:
        from channels_adapters.sms import preview

        return preview.fallback_notes(messages, payloads)

    def split(self, body: dict) -> list[RawEvent]:
        """A Twilio webhook is one event: an inbound message, keyed by its MessageSid, or a
        status callback, keyed by MessageSid and status (each status of one message counts)."""
        if not isinstance(body, Mapping):
            raise WebhookRejected("a Twilio webhook is a form of parameters")
        try:
            sid = read.ident(body.get("MessageSid") or body.get("SmsSid"), "MessageSid")
        except read.Unreadable as exc:
            raise WebhookRejected(exc.reason) from None
        status = _callback_status(body)
        event_id = f"{sid}:{status}" if status else sid
        return [RawEvent(event_id=event_id, payload={k: str(v) for k, v in body.items()})]

    def parse(self, payload: dict) -> list[InboundEvent]:
        """Normalized events of one Twilio webhook.

        A reply that is only a number ("2") is TextReceived("2"): the conversation layer maps
        it to the menu it sent last (see the module docstring). HELP and INFO are text too: the
        bot answers them."""
        # Stored by split as a flat form of strings; read typed all the same (an event stored
        # before, or by hand, may hold anything).
        payload = {
            name: read.text(value, name) for name, value in read.obj(payload, "form").items()
        }
        sid = read.ident(
            payload.get("MessageSid") or payload.get("SmsSid"), "MessageSid", required=False
        )
        status = _callback_status(payload)
        if status:
            return _status_events(payload, sid, status)
        phone = read.ident(payload.get("From"), "From", required=False)
        if not phone:
            logger.warning("twilio message %s without From dropped", sid)
            return []
        sender = Sender(external_id=phone, phone=phone)
        body = payload.get("Body") or ""
        keyword = _keyword(payload, body)
        if keyword == "STOP":
            return [OptOut(sender=sender, message_id=sid)]
        if keyword == "START":
            return [OptIn(sender=sender, message_id=sid)]
        if not body.strip() and _media_count(payload):
            what = payload.get("MediaContentType0") or "media"
            return [Unsupported(sender=sender, message_id=sid, what=what)]
        return [TextReceived(sender=sender, message_id=sid, text=body)]

    # --- outbound -----------------------------------------------------------------------------

    def numbered_payloads(self, message: OutboundMessage) -> list[str]:
        """What the numbers of `message`'s rendering stand for: number i is the payload at
        index i - 1. Empty for messages without a menu."""
        return [payload for _, payload in self._menu_lines(message) if payload]

    def reply_window(self, last_inbound_at: datetime | None, now: datetime) -> ReplyWindow:
        return ReplyWindow(
            open=True, explanation="SMS: no reply window; every segment sent is billed."
        )

    def text_segments(self, text: str) -> tuple[str, int]:
        """As carriers count it once typographic punctuation is replaced (`render` does), for
        the text as one message; the composer's script counts the same way."""
        return gsm.segments(gsm.to_gsm(text))

    def reply_cost(self, text: str, *, currency: str, language: str) -> ReplyCost:
        return cost.reply_cost(text, currency=currency, language=language)

    def render(self, message: OutboundMessage) -> list[dict]:
        if isinstance(message, Text | Template):
            return [{"body": body} for body in self._pack([message.text])]
        if isinstance(message, QuickReplies | Carousel):
            return [{"body": body} for body in self._pack(self._menu_blocks(message))]
        if isinstance(message, Image):
            return self._render_image(message)
        if isinstance(message, Receipt):
            return [{"body": body} for body in self._pack([receipt_text(message)])]
        return self.unrenderable(message)

    def _menu_lines(self, message: OutboundMessage) -> list[tuple[str, str]]:
        """(line, payload) for each line of a menu; lines with a payload get a number."""
        if isinstance(message, QuickReplies):
            lines = [_button_line(option, OPTION_TITLE_MAX) for option in message.options]
        elif isinstance(message, Carousel):
            lines = [_card_line(card) for card in message.cards[: self.max_cards]]
            if message.more is not None:
                lines.append(_button_line(message.more, OPTION_TITLE_MAX))
        else:
            return []
        return [(text, payload) for text, payload in lines if text]

    def _menu_blocks(self, message: QuickReplies | Carousel) -> list[str]:
        blocks = [message.text]
        # Numbers continue across a reply's menus (conversations/engine/numbering.py).
        first = number = message.number_from
        number -= 1
        last_numbered = 0
        for text, payload in self._menu_lines(message):
            if payload:
                number += 1
                text = f"{number}. {text}"
                last_numbered = len(blocks)
            blocks.append(text)
        if number - first >= 1 and self.menu_footer:
            # Right under the last number, in the same block: never alone in an SMS.
            blocks[last_numbered] += "\n" + self.menu_footer.format(first=first, last=number)
        return blocks

    def _render_image(self, message: Image) -> list[dict]:
        url = message.url.strip()
        if not url:
            return [{"body": body} for body in self._pack([message.caption])]
        if self.images_as_mms:
            bodies = self._pack([message.caption])
            last = bodies.pop() if bodies else ""
            return [{"body": body} for body in bodies] + [{"body": last, "media_url": [url]}]
        if gsm.fits(gsm.to_gsm(url), self.max_segments):
            return [{"body": body} for body in self._pack([message.caption, url])]
        payloads = [{"body": body} for body in self._pack([message.caption])]
        if len(url) <= TWILIO_MAX_BODY:
            payloads.append({"body": url})
        else:
            logger.error("sms image url of %s characters dropped", len(url))
        return payloads

    def _pack(self, blocks: list[str]) -> list[str]:
        """Bodies holding `blocks` in order, joined by line breaks, as few as fit in
        `max_segments` each; a block too long for one body is cut (`_cut`)."""
        bodies: list[str] = []
        current = ""
        for raw in blocks:
            block = gsm.to_gsm(raw).strip()
            if not block:
                continue
            candidate = f"{current}\n{block}" if current else block
            if gsm.fits(candidate, self.max_segments):
                current = candidate
                continue
            if current:
                bodies.append(current)
            if gsm.fits(block, self.max_segments):
                current = block
            else:
                *whole, current = self._cut(block)
                bodies.extend(whole)
        if current:
            bodies.append(current)
        return bodies

    def _cut(self, text: str) -> list[str]:
        """`text` in pieces that each fit, cut after a paragraph, else a line, else a space
        when that keeps at least half the room, else at a grapheme boundary."""
        pieces: list[str] = []
        rest = text.strip()
        while rest:
            limit = gsm.longest_fitting_prefix(rest, self.max_segments)
            if limit >= len(rest):
                pieces.append(rest)
                break
            cut = _break_point(rest, limit)
            piece = rest[:cut].rstrip()
            if not piece:  # only blanks before the break: cut at the limit instead
                cut = limit
                piece = rest[:cut]
            pieces.append(piece)
            rest = rest[cut:].lstrip()
        return pieces

    def send(self, account: AccountContext, recipient: str, payload: dict) -> SendResult:
        account_sid = (account.credentials.get("account_sid") or "").strip()
        auth_token = (account.credentials.get("auth_token") or "").strip()
        if not account_sid or not auth_token:
            raise PermanentSendError(
                "the SMS channel has no Twilio credentials", code=PERMANENT_BAD_CREDENTIALS
            )
        http_client = TwilioHttpClient(timeout=settings.PLATFORM_TIMEOUT_SECONDS)
        client = Client(account_sid, auth_token, http_client=http_client)
        # Our configured base URL is the host: an edge or region from the environment would
        # rewrite it (twilio's ClientBase.get_hostname).
        client.edge = client.region = None
        client.api.base_url = settings.TWILIO_API_URL
        params: dict = {"to": recipient}
        if payload.get("media_url"):
            params["media_url"] = list(payload["media_url"])
        if payload.get("body") or "media_url" not in params:
            params["body"] = payload.get("body", "")
        if account.external_id.startswith("MG"):  # a Messaging Service picks the sender
            params["messaging_service_sid"] = account.external_id
        else:
            params["from_"] = account.external_id
        if account.webhook_url:  # delivery news comes back to the webhook (split/parse)
            params["status_callback"] = account.webhook_url
        try:
            message = client.messages.create(**params)
        except TwilioRestException as exc:
            raise _send_error(exc) from exc
        except requests.RequestException as exc:  # timeouts, refused or reset connections
            raise TransientSendError(f"Twilio unreachable: {exc}") from exc
        except TwilioException as exc:  # an answer the client could not read
            raise TransientSendError(f"Twilio answered oddly: {exc}") from exc
        finally:
            if http_client.session is not None:
                http_client.session.close()
        return SendResult(platform_message_id=message.sid or "")


# --- helpers ----------------------------------------------------------------------------------


def _callback_status(params: Mapping[str, str]) -> str:
    status = str(params.get("MessageStatus") or "").strip().lower()
    return "" if status in _INBOUND_STATUSES else status


def _status_events(payload: Mapping[str, str], sid: str, status: str) -> list[InboundEvent]:
    normalized = _STATUSES.get(status)
    if normalized is None:
        return []
    # A callback is about a message we sent: To is the shopper, From our number.
    phone = read.ident(payload.get("To"), "To", required=False)
    return [
        StatusUpdate(
            sender=Sender(external_id=phone, phone=phone),
            message_id=sid,
            status=normalized,
            error=str(payload.get("ErrorCode") or ""),
        )
    ]


def _keyword(payload: Mapping[str, str], body: str) -> str:
    """ "STOP", "START" or "" — Twilio's own verdict first (OptOutType, sent when Advanced
    Opt-Out matched a keyword, custom or localized ones included), else the body alone:
    one keyword, any case, trailing punctuation forgiven (a shopper who wrote "Stop!" wants
    it to stop)."""
    verdict = (payload.get("OptOutType") or "").strip().upper()
    if verdict in {"STOP", "START"}:
        return verdict
    word = unicodedata.normalize("NFC", body).strip().rstrip(".!").strip().upper()
    if word in OPT_OUT_WORDS:
        return "STOP"
    if word in OPT_IN_WORDS:
        return "START"
    return ""


def _media_count(payload: Mapping[str, str]) -> int:
    try:
        return int(payload.get("NumMedia") or 0)
    except ValueError:
        return 0


def _button_line(button: Button, limit: int) -> tuple[str, str]:
    title = label(button.title, limit)
    if button.payload:
        return title, button.payload
    if button.url:
        return f"{title}: {button.url.strip()}", ""
    return "", ""  # neither a tap nor a link: nothing the shopper could do with it


def _card_line(card: Card) -> tuple[str, str]:
    text = label(card.title, CARD_TITLE_MAX)
    price = one_line(card.price)
    if price:
        text += " - " + label(price, PRICE_MAX)
    postback = card_payload(card)
    if postback:
        return text, postback
    link = next((b.url.strip() for b in card.buttons if b.url.strip()), "")
    return (f"{text}: {link}" if link else text), ""


def _break_point(text: str, limit: int) -> int:
    window = text[:limit]
    for separator in ("\n\n", "\n", " "):
        position = window.rfind(separator)
        if position >= limit // 2:
            return position + len(separator)
    return boundary_before(text, limit)


def _send_error(exc: TwilioRestException) -> SendError:
    code, status = exc.code, exc.status
    message = f"Twilio {status} error {code}: {exc.msg}"
    if status == 429 or code in _RATE_LIMIT_CODES:
        # Twilio sends no Retry-After: the send pipeline backs off.
        return RateLimited(message)
    if status >= 500:
        return TransientSendError(message)
    if code in _OPTED_OUT_CODES:
        return PermanentSendError(message, code=PERMANENT_OPTED_OUT)
    if code in _INVALID_RECIPIENT_CODES:
        return PermanentSendError(message, code=PERMANENT_INVALID_RECIPIENT)
    if code in _BAD_CREDENTIALS_CODES or status == 401:
        return PermanentSendError(message, code=PERMANENT_BAD_CREDENTIALS)
    return PermanentSendError(message, code=PERMANENT_REJECTED)
