"""A fake WeChat Official Account API, and the pushes WeChat sends to an account's server URL.

The API (`WECHAT_API_URL` pointed at `fake.url`) answers as WeChat does: HTTP 200 with
`{"errcode": 0, "errmsg": "ok"}` or a refusal's code and message, for
- `GET /cgi-bin/token?grant_type=client_credential&appid=…&secret=…`: a new token, valid 7200 s,
  which voids the previous one (the real platform keeps the old one 5 more minutes; the fake is
  strict, so a test sees any worker that kept a stale token);
- `POST /cgi-bin/message/custom/send?access_token=…`: text, news (one article), msgmenu,
  checked against the byte limits (docs/channel-limits.md, WeChat), the 48-hour window (45015)
  and the 5 messages a shopper's message allows (45047);
- `POST /cgi-bin/menu/create?access_token=…`: 1 to 3 buttons, names ≤ 16 bytes, keys ≤ 128;
- `GET /cgi-bin/menu/delete?access_token=…`: no body; removes the menu (ok even when there is
  none, as WeChat answers).

The pushes (`push`, `handshake`) are built here independently of the adapter: XML with CDATA
as WeChat writes it, signed with the account's token, and in safe mode encrypted with its own
AES code, so a test proves the adapter reads what WeChat really sends.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import os
import secrets
import struct
import time
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tests.fakes.server import FakeServer, RecordedRequest, Response

APP_ID = "wx1234567890abcdef"
APP_SECRET = "0123456789abcdef0123456789abcdef"
SERVER_TOKEN = "soukToken2026"
ENCODING_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
ORIGINAL_ID = "gh_0123456789ab"

WINDOW_SECONDS = 48 * 3600
MESSAGES_PER_SHOPPER_MESSAGE = 5
ROUTES = {
    "/cgi-bin/token": "token",
    "/cgi-bin/message/custom/send": "custom_send",
    "/cgi-bin/menu/create": "menu_create",
    "/cgi-bin/menu/delete": "menu_delete",
}


def _bytes(value: Any) -> int:
    return len(str(value).encode("utf-8"))


class WeChatRefusal(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


class FakeWeChat(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.app_id = APP_ID
        self.app_secret = APP_SECRET
        self.token = SERVER_TOKEN
        self.encoding_aes_key = ENCODING_AES_KEY
        self.original_id = ORIGINAL_ID
        self.current_token = ""
        self.tokens_issued = 0
        self.sent: list[dict[str, Any]] = []
        self.menu: dict[str, Any] | None = None
        self.clock = time.time
        self._last_wrote: dict[str, float] = {}
        self._sent_since: dict[str, int] = {}
        self._msg_ids = itertools.count(23000000000000001)

    # -- the shoppers ----------------------------------------------------------------------
    def shopper_writes(self, openid: str, at: float | None = None) -> None:
        """The shopper sent a message: the 48-hour window opens and 5 messages are allowed."""
        self._last_wrote[openid] = self.clock() if at is None else at
        self._sent_since[openid] = 0

    def messages_to(self, openid: str) -> list[dict[str, Any]]:
        return [message for message in self.sent if message["touser"] == openid]

    # -- dispatch ----------------------------------------------------------------------------
    def route_of(self, request: RecordedRequest) -> str:
        return ROUTES.get(request.path, "unknown")

    def handle(self, request: RecordedRequest) -> Response:
        try:
            if request.route == "token":
                result = self._issue_token(request)
            elif request.route == "unknown":
                return Response(status=404, body=b"Not Found")
            elif request.route == "menu_delete":
                self._check_token(request)
                result = self._menu_delete(request)
            else:
                self._check_token(request)
                body = request.json
                if not isinstance(body, dict):
                    raise WeChatRefusal(47001, "data format error")
                if request.route == "custom_send":
                    result = self._custom_send(body)
                else:
                    result = self._menu_create(body)
        except WeChatRefusal as exc:
            return Response(json={"errcode": exc.code, "errmsg": f"{exc} rid: {_rid()}"})
        return Response(json=result)

    def _issue_token(self, request: RecordedRequest) -> dict[str, Any]:
        if request.query.get("grant_type") != "client_credential":
            raise WeChatRefusal(40002, "invalid grant_type")
        if request.query.get("appid") != self.app_id:
            raise WeChatRefusal(40013, "invalid appid")
        if request.query.get("secret") != self.app_secret:
            raise WeChatRefusal(40125, "invalid appsecret")
        self.tokens_issued += 1
        self.current_token = f"{self.tokens_issued}_{secrets.token_urlsafe(48)}"
        return {"access_token": self.current_token, "expires_in": 7200}

    def _check_token(self, request: RecordedRequest) -> None:
        token = request.query.get("access_token", "")
        request.meta["token"] = token
        if not token:
            raise WeChatRefusal(41001, "access_token missing")
        if token != self.current_token:
            raise WeChatRefusal(40001, "invalid credential, access_token is invalid or not latest")

    def _custom_send(self, body: dict[str, Any]) -> dict[str, Any]:
        openid = body.get("touser")
        if not isinstance(openid, str) or not openid:
            raise WeChatRefusal(40003, "invalid openid")
        check_message(body)
        wrote = self._last_wrote.get(openid)
        if wrote is None or self.clock() - wrote > WINDOW_SECONDS:
            raise WeChatRefusal(45015, "response out of time limit or subscription is canceled")
        if self._sent_since[openid] >= MESSAGES_PER_SHOPPER_MESSAGE:
            raise WeChatRefusal(45047, "out of response count limit")
        self._sent_since[openid] += 1
        self.sent.append(body)
        return {"errcode": 0, "errmsg": "ok"}

    def _menu_create(self, body: dict[str, Any]) -> dict[str, Any]:
        buttons = body.get("button")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
            raise WeChatRefusal(40017, "invalid button size")
        for button in buttons:
            if not 0 < _bytes(button.get("name", "")) <= 16:
                raise WeChatRefusal(40018, "invalid button name size")
            if button.get("type") == "click":
                if not 0 < _bytes(button.get("key", "")) <= 128:
                    raise WeChatRefusal(40019, "invalid button key size")
            elif button.get("type") != "view" or not button.get("url"):
                raise WeChatRefusal(40016, "invalid button type")
        self.menu = body
        return {"errcode": 0, "errmsg": "ok"}

    def _menu_delete(self, request: RecordedRequest) -> dict[str, Any]:
        if request.method != "GET":
            raise WeChatRefusal(43001, "require GET method")
        self.menu = None
        return {"errcode": 0, "errmsg": "ok"}

    # -- pushes to the account's server URL --------------------------------------------------
    def handshake(self, echostr: str = "", *, timestamp: int | None = None) -> dict[str, str]:
        """The query string of WeChat's server URL check."""
        query = self._signed(timestamp)
        query["echostr"] = echostr or secrets.token_hex(9)
        return query

    def push(
        self,
        fields: dict[str, Any],
        *,
        safe: bool = False,
        timestamp: int | None = None,
        app_id: str | None = None,
    ) -> tuple[dict[str, str], bytes]:
        """(query string, body) of a push of `fields`, as WeChat posts it to the server URL."""
        query = self._signed(timestamp)
        query["openid"] = str(fields.get("FromUserName", ""))
        plain = to_xml(fields)
        if not safe:
            return query, plain
        encrypted = self.encrypt(plain, app_id=app_id or self.app_id)
        query["encrypt_type"] = "aes"
        query["msg_signature"] = _sha1(self.token, query["timestamp"], query["nonce"], encrypted)
        return query, to_xml({"ToUserName": self.original_id, "Encrypt": encrypted})

    def _signed(self, timestamp: int | None) -> dict[str, str]:
        stamp = str(int(self.clock()) if timestamp is None else timestamp)
        nonce = str(secrets.randbelow(10**9))
        return {"signature": _sha1(self.token, stamp, nonce), "timestamp": stamp, "nonce": nonce}

    def encrypt(self, message: bytes, *, app_id: str) -> str:
        key = base64.b64decode(self.encoding_aes_key + "=")
        plain = os.urandom(16) + struct.pack(">I", len(message)) + message + app_id.encode()
        pad = 32 - len(plain) % 32
        plain += bytes([pad]) * pad
        encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()

    # -- what WeChat pushes --------------------------------------------------------------------
    def _base(self, openid: str, kind: str) -> dict[str, Any]:
        return {
            "ToUserName": self.original_id,
            "FromUserName": openid,
            "CreateTime": int(self.clock()),
            "MsgType": kind,
        }

    def text(self, openid: str, content: str, *, menu_id: str = "") -> dict[str, Any]:
        fields = {**self._base(openid, "text"), "Content": content, "MsgId": next(self._msg_ids)}
        if menu_id:  # a tapped msgmenu option: its label as the text, its id beside it
            fields["bizmsgmenuid"] = menu_id
        return fields

    def image(self, openid: str) -> dict[str, Any]:
        return {
            **self._base(openid, "image"),
            "PicUrl": "https://mmbiz.qpic.cn/fake.jpg",
            "MediaId": secrets.token_urlsafe(16),
            "MsgId": next(self._msg_ids),
        }

    def location(self, openid: str, latitude: float, longitude: float, label: str = ""):
        return {
            **self._base(openid, "location"),
            "Location_X": f"{latitude:.6f}",
            "Location_Y": f"{longitude:.6f}",
            "Scale": 15,
            "Label": label,
            "MsgId": next(self._msg_ids),
        }

    def event(self, openid: str, event: str, key: str = "") -> dict[str, Any]:
        return {**self._base(openid, "event"), "Event": event, "EventKey": key}


def to_xml(fields: dict[str, Any]) -> bytes:
    """WeChat's XML: strings in CDATA, numbers bare."""
    parts = ["<xml>"]
    for name, value in fields.items():
        if isinstance(value, int | float):
            parts.append(f"<{name}>{value}</{name}>")
        else:
            text = str(value).replace("]]>", "]]]]><![CDATA[>")
            parts.append(f"<{name}><![CDATA[{text}]]></{name}>")
    parts.append("</xml>")
    return "".join(parts).encode("utf-8")


def _sha1(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode(), usedforsecurity=False).hexdigest()


def _rid() -> str:
    return f"{secrets.token_hex(4)}-{secrets.token_hex(4)}-{secrets.token_hex(4)}"


def check_message(body: dict[str, Any]) -> None:
    """Raises WeChatRefusal, with WeChat's code, for a customer-service message it refuses."""
    kind = body.get("msgtype")
    checks = {"text": _check_text, "news": _check_news, "msgmenu": _check_msgmenu}
    if kind not in checks or not isinstance(body.get(kind), dict):
        raise WeChatRefusal(40008, "invalid message type")
    checks[kind](body[kind])


def _check_text(text: dict[str, Any]) -> None:
    content = text.get("content")
    if not isinstance(content, str) or not content:
        raise WeChatRefusal(44003, "empty content")
    if _bytes(content) > 2048:
        raise WeChatRefusal(45002, "content size out of limit")


def _check_news(news: dict[str, Any]) -> None:
    articles = news.get("articles")
    if not isinstance(articles, list) or len(articles) != 1:
        raise WeChatRefusal(45008, "article size out of limit")
    article = articles[0]
    if not article.get("title") or _bytes(article["title"]) > 128:
        raise WeChatRefusal(47001, "data format error: title")
    if _bytes(article.get("description", "")) > 512:
        raise WeChatRefusal(47001, "data format error: description")
    if _bytes(article.get("url", "")) > 2048 or _bytes(article.get("picurl", "")) > 2048:
        raise WeChatRefusal(47001, "data format error: url")


def _check_msgmenu(menu: dict[str, Any]) -> None:
    items = menu.get("list")
    if not isinstance(items, list) or not items:
        raise WeChatRefusal(47001, "data format error: list")
    if len(items) > 10:
        raise WeChatRefusal(45098, "msgmenu list size is out of limit")
    if _bytes(menu.get("head_content", "")) > 1024 or _bytes(menu.get("tail_content", "")) > 1024:
        raise WeChatRefusal(45002, "content size out of limit")
    for item in items:
        if (
            not 0 < _bytes(item.get("id", "")) <= 64
            or not 0 < _bytes(item.get("content", "")) <= 128
        ):
            raise WeChatRefusal(47001, "data format error: msgmenu item")
