"""A fake Telegram Bot API server: `POST /bot<token>/<method>`.

It reads parameters as Telegram does (query string, form-encoded, multipart or JSON; nested
objects such as `reply_markup` may arrive as JSON strings), answers `{"ok": true, "result": ...}`
with Message objects `telegram.Bot` parses, and refuses what Telegram refuses within the limits
of shared/channel-limits.md with a 400 "Bad Request: ...". Descriptions are Telegram's own words
where known (BUTTON_DATA_INVALID, "message is too long", ...), otherwise in its style.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

from tests.fakes.server import FakeServer, RecordedRequest, Response

DEFAULT_TOKEN = "123456789:AAFakeSoukTestTokenForTheFakeBotApi0"

_PATH = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)/?$")
_JSON_FIELDS = {
    "reply_markup",
    "prices",
    "media",
    "entities",
    "caption_entities",
    "shipping_options",
    "allowed_updates",
    "reply_parameters",
    "link_preview_options",
    "suggested_tip_amounts",
}
_BOOL_FIELDS = {
    "ok",
    "show_alert",
    "is_flexible",
    "drop_pending_updates",
    "disable_notification",
    "protect_content",
    "need_name",
    "need_phone_number",
    "need_email",
    "need_shipping_address",
}
_INT_FIELDS = {"message_id", "max_connections", "cache_time", "max_tip_amount"}
_BUTTON_ACTIONS = {
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
}
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


class BadRequest(Exception):
    """Raised inside a method handler; becomes Telegram's 400 answer."""


class FakeTelegram(FakeServer):
    def __init__(self, tokens: tuple[str, ...] = (DEFAULT_TOKEN,)) -> None:
        super().__init__()
        self.token = tokens[0]
        self.bots: dict[str, dict[str, Any]] = {}
        self.webhooks: dict[str, dict[str, Any]] = {}
        self.messages: dict[tuple[Any, int], dict[str, Any]] = {}
        self._last_message_id: dict[Any, int] = {}
        self._media_groups = itertools.count(13000000000000000)
        for token in tokens:
            self.add_bot(token)
        self.methods: dict[str, Callable[[str, dict[str, Any], RecordedRequest], Any]] = {
            "getMe": lambda token, p, r: self.bots[token],
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendMediaGroup": self._send_media_group,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": self._answer_callback_query,
            "sendInvoice": self._send_invoice,
            "answerShippingQuery": self._answer_shipping_query,
            "answerPreCheckoutQuery": self._answer_pre_checkout_query,
        }

    def add_bot(self, token: str, username: str | None = None) -> dict[str, Any]:
        bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 777
        self.bots[token] = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "Souk Test Shop",
            "username": username or f"souk_test_{bot_id}_bot",
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        return self.bots[token]

    # -- scripting helpers -----------------------------------------------------------------
    def error_next(
        self,
        method: str,
        status: int,
        description: str,
        parameters: dict[str, Any] | None = None,
        times: int | None = 1,
    ) -> None:
        body = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        self.fail_next(method, status=status, json=body, times=times)

    def rate_limit_next(self, method: str = "sendMessage", retry_after: int = 2, times=1) -> None:
        self.error_next(
            method,
            429,
            f"Too Many Requests: retry after {retry_after}",
            {"retry_after": retry_after},
            times,
        )

    def block_next(self, method: str = "sendMessage", times: int | None = 1) -> None:
        self.error_next(method, 403, "Forbidden: bot was blocked by the user", times=times)

    # -- reading state ---------------------------------------------------------------------
    def chat_messages(self, chat_id: Any) -> list[dict[str, Any]]:
        """Messages the bot has in a chat, as they are now (edits applied), oldest first."""
        return [m for (chat, _), m in self.messages.items() if chat == _chat_key(chat_id)]

    def webhook_for(self, token: str | None = None) -> dict[str, Any] | None:
        return self.webhooks.get(token or self.token)

    def secret_header(self, token: str | None = None) -> dict[str, str]:
        """The header Telegram sends with each update to a webhook set with a secret_token."""
        webhook = self.webhook_for(token) or {}
        secret = webhook.get("secret_token")
        return {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}

    # -- dispatch --------------------------------------------------------------------------
    def route_of(self, request: RecordedRequest) -> str:
        match = _PATH.match(request.path)
        if not match:
            return "unknown"
        request.meta["token"] = match["token"]
        wanted = match["method"].lower()  # Telegram method names are case-insensitive
        return next((m for m in self.methods if m.lower() == wanted), match["method"])

    def handle(self, request: RecordedRequest) -> Response:
        token = request.meta.get("token")
        if token is None or request.route not in self.methods:
            return _error(404, "Not Found")
        if token not in self.bots:
            return _error(401, "Unauthorized")
        try:
            params = {key: _decode(key, value) for key, value in request.params.items()}
            result = self.methods[request.route](token, params, request)
        except BadRequest as exc:
            return _error(400, f"Bad Request: {exc}")
        if isinstance(result, Response):
            return result
        return Response(json={"ok": True, "result": result})

    # -- webhooks --------------------------------------------------------------------------
    def _set_webhook(self, token, params, request):
        url = params.get("url") or ""
        if not url:
            return self._delete_webhook(token, params, request)
        if not url.startswith("https://"):
            raise BadRequest("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN.match(secret):
            raise BadRequest("secret token contains unallowed characters")
        self.webhooks[token] = {
            "url": url,
            "secret_token": secret,
            "max_connections": params.get("max_connections", 40),
            "allowed_updates": params.get("allowed_updates"),
            "drop_pending_updates": params.get("drop_pending_updates", False),
        }
        return Response(json={"ok": True, "result": True, "description": "Webhook was set"})

    def _delete_webhook(self, token, params, request):
        existed = self.webhooks.pop(token, None) is not None
        text = "Webhook was deleted" if existed else "Webhook is already deleted"
        return Response(json={"ok": True, "result": True, "description": text})

    def _get_webhook_info(self, token, params, request):
        webhook = self.webhooks.get(token)
        info: dict[str, Any] = {"url": "", "has_custom_certificate": False}
        info["pending_update_count"] = 0
        if webhook:
            info.update(url=webhook["url"], max_connections=webhook["max_connections"])
            if webhook["allowed_updates"] is not None:
                info["allowed_updates"] = webhook["allowed_updates"]
        return info

    # -- messages --------------------------------------------------------------------------
    def _send_message(self, token, params, request):
        chat_id = _chat_id(params)
        text = _check_text(params.get("text"), params.get("parse_mode"))
        markup = _check_markup(params.get("reply_markup"))
        return self._store(token, chat_id, {"text": text}, markup)

    def _send_photo(self, token, params, request):
        chat_id = _chat_id(params)
        if "photo" not in request.files and not params.get("photo"):
            raise BadRequest("there is no photo in the request")
        content = {"photo": _photo_sizes()}
        content.update(_check_caption(params.get("caption"), params.get("parse_mode")))
        markup = _check_markup(params.get("reply_markup"))
        return self._store(token, chat_id, content, markup)

    def _send_media_group(self, token, params, request):
        chat_id = _chat_id(params)
        media = params.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise BadRequest("media group must contain 2-10 items")
        group_id = str(next(self._media_groups))
        sent = []
        for item in media:
            kind, source = item.get("type"), item.get("media") or ""
            if kind not in {"photo", "video", "document", "audio"}:
                raise BadRequest(f"unsupported media type {kind!r} in the media group")
            if source.startswith("attach://") and source[9:] not in request.files:
                raise BadRequest(f"file {source[9:]!r} must be uploaded as a multipart field")
            content: dict[str, Any] = {"media_group_id": group_id}
            content[kind] = _photo_sizes() if kind == "photo" else _file(kind)
            content.update(_check_caption(item.get("caption"), item.get("parse_mode")))
            sent.append(self._store(token, chat_id, content, None))
        return sent

    def _edit_message_text(self, token, params, request):
        text = _check_text(params.get("text"), params.get("parse_mode"))
        markup = _check_markup(params.get("reply_markup"))
        if params.get("inline_message_id"):
            return True
        message = self._message_to_edit(params)
        if "text" not in message:
            raise BadRequest("there is no text in the message to edit")
        if message["text"] == text and message.get("reply_markup") == markup:
            raise BadRequest(NOT_MODIFIED.removeprefix("Bad Request: "))
        return self._update(message, {"text": text}, markup)

    def _edit_message_reply_markup(self, token, params, request):
        markup = _check_markup(params.get("reply_markup"))
        if params.get("inline_message_id"):
            return True
        message = self._message_to_edit(params)
        if message.get("reply_markup") == markup:
            raise BadRequest(NOT_MODIFIED.removeprefix("Bad Request: "))
        return self._update(message, {}, markup)

    def _answer_callback_query(self, token, params, request):
        if not params.get("callback_query_id"):
            raise BadRequest("QUERY_ID_INVALID")
        if len(params.get("text") or "") > 200:
            raise BadRequest("MESSAGE_TOO_LONG")
        return True

    # -- payments --------------------------------------------------------------------------
    def _send_invoice(self, token, params, request):
        chat_id = _chat_id(params)
        title, description = params.get("title") or "", params.get("description") or ""
        payload, currency = params.get("payload") or "", params.get("currency") or ""
        if not 1 <= len(title) <= 32:
            raise BadRequest("INVOICE_TITLE_INVALID: title must be 1-32 characters")
        if not 1 <= len(description) <= 255:
            raise BadRequest("INVOICE_DESCRIPTION_INVALID: description must be 1-255 characters")
        if not 1 <= len(payload.encode()) <= 128:
            raise BadRequest("INVOICE_PAYLOAD_INVALID: payload must be 1-128 bytes")
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise BadRequest("CURRENCY_INVALID")
        total = _check_prices(params.get("prices"))
        provider_token = params.get("provider_token") or ""
        if currency == "XTR" and (provider_token or len(params["prices"]) != 1):
            raise BadRequest("STARS_INVOICE_INVALID: Stars invoices take one price, no provider")
        if currency != "XTR" and not provider_token:
            raise BadRequest("PAYMENT_PROVIDER_INVALID")
        invoice = {
            "title": title,
            "description": description,
            "start_parameter": params.get("start_parameter") or "",
            "currency": currency,
            "total_amount": total,
        }
        markup = _check_markup(params.get("reply_markup"))
        return self._store(token, chat_id, {"invoice": invoice}, markup)

    def _answer_shipping_query(self, token, params, request):
        if not params.get("shipping_query_id"):
            raise BadRequest("QUERY_ID_INVALID")
        if "ok" not in params:
            raise BadRequest("parameter ok is required")
        if params["ok"]:
            options = params.get("shipping_options")
            if not isinstance(options, list) or not options:
                raise BadRequest("SHIPPING_OPTIONS_EMPTY: shipping_options required when ok")
            for option in options:
                if not option.get("id") or not option.get("title"):
                    raise BadRequest("SHIPPING_ID_INVALID: each option needs id and title")
                _check_prices(option.get("prices"), allow_zero=True)
        elif not params.get("error_message"):
            raise BadRequest("ERROR_MESSAGE_EMPTY: error_message required when not ok")
        return True

    def _answer_pre_checkout_query(self, token, params, request):
        if not params.get("pre_checkout_query_id"):
            raise BadRequest("QUERY_ID_INVALID")
        if "ok" not in params:
            raise BadRequest("parameter ok is required")
        if not params["ok"] and not params.get("error_message"):
            raise BadRequest("ERROR_MESSAGE_EMPTY: error_message required when not ok")
        return True

    # -- message store ---------------------------------------------------------------------
    def _store(self, token, chat_id, content, markup) -> dict[str, Any]:
        key = _chat_key(chat_id)
        message_id = self._last_message_id.get(key, 0) + 1
        self._last_message_id[key] = message_id
        message = {
            "message_id": message_id,
            "from": self.bots[token],
            "chat": _chat(chat_id),
            "date": int(time.time()),
            **content,
        }
        if markup and "inline_keyboard" in markup:  # only inline keyboards are echoed
            message["reply_markup"] = markup
        self.messages[(key, message_id)] = message
        return json.loads(json.dumps(message))

    def _message_to_edit(self, params) -> dict[str, Any]:
        chat_id = _chat_id(params)
        message = self.messages.get((_chat_key(chat_id), params.get("message_id")))
        if message is None:
            raise BadRequest("message to edit not found")
        return message

    def _update(self, message, content, markup) -> dict[str, Any]:
        message.update(content, edit_date=int(time.time()))
        message.pop("reply_markup", None)
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        return json.loads(json.dumps(message))


# -- parameter decoding and validation ------------------------------------------------------
def _error(status: int, description: str) -> Response:
    return Response(
        status=status, json={"ok": False, "error_code": status, "description": description}
    )


def _decode(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in _JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError as exc:
            raise BadRequest(f"can't parse {key} JSON object") from exc
    if key in _BOOL_FIELDS and value in ("true", "false", "True", "False"):
        return value.lower() == "true"
    if key in _INT_FIELDS and value.lstrip("-").isdigit():
        return int(value)
    return value


def _chat_id(params: dict[str, Any]) -> Any:
    chat_id = params.get("chat_id")
    if chat_id in (None, ""):
        raise BadRequest("chat_id is empty")
    if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
        return int(chat_id)
    if isinstance(chat_id, int) or (isinstance(chat_id, str) and chat_id.startswith("@")):
        return chat_id
    raise BadRequest("chat not found")


def _chat_key(chat_id: Any) -> Any:
    return int(chat_id) if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit() else chat_id


def _chat(chat_id: Any) -> dict[str, Any]:
    if isinstance(chat_id, str):
        return {"id": -1001000000001, "type": "channel", "title": chat_id, "username": chat_id[1:]}
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "Shopper"}
    kind = "supergroup" if str(chat_id).startswith("-100") else "group"
    return {"id": chat_id, "type": kind, "title": "Test group"}


def _visible(text: str, parse_mode: str | None) -> str:
    """What Telegram counts and stores: the text after entity parsing (HTML tags removed)."""
    if (parse_mode or "").upper() == "HTML":
        return html.unescape(re.sub(r"<[^>]+>", "", text))
    return text


def _check_text(text: Any, parse_mode: str | None) -> str:
    visible = _visible(text or "", parse_mode)
    if not visible.strip():
        raise BadRequest("message text is empty")
    if len(visible) > 4096:
        raise BadRequest("message is too long")
    return visible


def _check_caption(caption: Any, parse_mode: str | None) -> dict[str, str]:
    if not caption:
        return {}
    visible = _visible(caption, parse_mode)
    if len(visible) > 1024:
        raise BadRequest("message caption is too long")
    return {"caption": visible}


def _check_markup(markup: Any) -> dict[str, Any] | None:
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise BadRequest("can't parse reply keyboard markup JSON object")
    if "keyboard" in markup:
        return _check_reply_keyboard(markup)
    keyboard = markup.get("inline_keyboard")
    if keyboard is None:
        return markup
    if not isinstance(keyboard, list) or not all(isinstance(row, list) for row in keyboard):
        raise BadRequest(
            "can't parse inline keyboard button: InlineKeyboardMarkup must be an Array"
        )
    if any(len(row) > 8 for row in keyboard) or sum(len(row) for row in keyboard) > 100:
        raise BadRequest("reply markup is too long")
    for button in itertools.chain.from_iterable(keyboard):
        if not button.get("text"):
            raise BadRequest("BUTTON_TEXT_INVALID")
        actions = _BUTTON_ACTIONS & button.keys()
        if not actions:
            raise BadRequest("text buttons are unallowed in the inline keyboard")
        if "callback_data" in actions and not 1 <= len(str(button["callback_data"]).encode()) <= 64:
            raise BadRequest("BUTTON_DATA_INVALID")
    return markup


def _check_reply_keyboard(markup: dict[str, Any]) -> dict[str, Any]:
    """ReplyKeyboardMarkup: rows of KeyboardButton (an object with `text`, or a bare string);
    `request_location` / `request_contact` are booleans and no inline action may appear."""
    keyboard = markup["keyboard"]
    if not isinstance(keyboard, list) or not all(isinstance(row, list) for row in keyboard):
        raise BadRequest("can't parse reply keyboard markup JSON object")
    for button in itertools.chain.from_iterable(keyboard):
        button = {"text": button} if isinstance(button, str) else button
        if not isinstance(button, dict) or not button.get("text"):
            raise BadRequest("BUTTON_TEXT_INVALID")
        for flag in ("request_location", "request_contact"):
            if flag in button and not isinstance(button[flag], bool):
                raise BadRequest(f'can\'t parse keyboard button: field "{flag}" must be Boolean')
        if _BUTTON_ACTIONS & button.keys():
            raise BadRequest("inline buttons are unallowed in the reply keyboard")
    for flag in ("one_time_keyboard", "resize_keyboard", "is_persistent", "selective"):
        if flag in markup and not isinstance(markup[flag], bool):
            raise BadRequest(f"can't parse reply keyboard markup: {flag} must be Boolean")
    return markup


def _check_prices(prices: Any, *, allow_zero: bool = False) -> int:
    if not isinstance(prices, list) or not prices:
        raise BadRequest("prices must be a non-empty array of LabeledPrice")
    for price in prices:
        price = price if isinstance(price, dict) else {}
        amount = price.get("amount")
        if not price.get("label") or not isinstance(amount, int) or isinstance(amount, bool):
            raise BadRequest("can't parse prices JSON object: amount must be an integer")
    total = sum(price["amount"] for price in prices)
    # An invoice must cost something; a shipping option may be free (pickup, free delivery).
    if total < 0 or (total == 0 and not allow_zero):
        raise BadRequest("CURRENCY_TOTAL_AMOUNT_INVALID")
    return total


def _file_ids() -> dict[str, str]:
    return {"file_id": "AgAC" + secrets.token_urlsafe(24), "file_unique_id": secrets.token_hex(8)}


def _photo_sizes() -> list[dict[str, Any]]:
    return [
        {**_file_ids(), "width": w, "height": h, "file_size": w * h // 10}
        for w, h in ((90, 90), (320, 320), (800, 800))
    ]


def _file(kind: str) -> dict[str, Any]:
    file = {**_file_ids(), "file_size": 1024}
    if kind in ("video", "audio"):
        file["duration"] = 5
    if kind == "video":
        file.update(width=640, height=360)
    if kind == "document":
        file["file_name"] = "document.pdf"
    return file
