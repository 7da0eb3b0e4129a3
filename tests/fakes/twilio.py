"""A fake Twilio REST API: `POST /2010-04-01/Accounts/{sid}/Messages.json` (route `messages`).

Form-encoded `To`, `From` (or `MessagingServiceSid`), `Body`, `MediaUrl`, `StatusCallback`;
HTTP basic auth `AccountSid:AuthToken`. Answers 201 with a Message resource whose
`num_segments` is computed as carriers do (GSM-7 160/153, UCS-2 70/67), and Twilio's error
shape `{"code", "message", "more_info", "status"}` otherwise. Also signs inbound webhooks.
"""

from __future__ import annotations

import base64
import re
import secrets
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from twilio.request_validator import RequestValidator

from tests.fakes.server import FakeServer, RecordedRequest, Response

DEFAULT_ACCOUNT_SID = "AC" + "50c0fa4e".rjust(32, "0")
DEFAULT_AUTH_TOKEN = "50c0fa4e".ljust(32, "0")
DEFAULT_FROM = "+15005550006"

_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/Messages\.json$")
_E164 = re.compile(r"^(?:whatsapp:)?\+[1-9]\d{1,14}$")
_GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = set("^{}\\[~]|€\f")  # sent as escape + char: two septets each

# Named errors for `fail_with`: (HTTP status, Twilio error code, message).
TWILIO_ERRORS: dict[str, tuple[int, int, str]] = {
    "unsubscribed": (400, 21610, "Attempt to send to unsubscribed recipient"),
    "invalid_to": (400, 21211, "The 'To' number is not a valid phone number."),
    "too_many_requests": (429, 20429, "Too Many Requests"),
    "body_too_long": (
        400,
        21617,
        "The concatenated message body exceeds the 1600 character limit.",
    ),
}


def sms_segments(body: str) -> int:
    """How many SMS segments `body` costs; a character never straddles two segments."""
    if all(c in _GSM7_BASIC or c in _GSM7_EXTENDED for c in body):
        costs, single, per_segment = [2 if c in _GSM7_EXTENDED else 1 for c in body], 160, 153
    else:  # UCS-2: UTF-16 code units, an emoji takes two
        costs, single, per_segment = [2 if ord(c) > 0xFFFF else 1 for c in body], 70, 67
    if sum(costs) <= single:
        return 1
    segments, used = 1, 0
    for cost in costs:
        if used + cost > per_segment:
            segments, used = segments + 1, 0
        used += cost
    return segments


def twilio_signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    """The `X-Twilio-Signature` Twilio sends with a form POST of `params` to `url`."""
    return RequestValidator(auth_token).compute_signature(url, params)


def twilio_error(status: int, code: int, message: str) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


class FakeTwilio(FakeServer):
    def __init__(
        self, account_sid: str = DEFAULT_ACCOUNT_SID, auth_token: str = DEFAULT_AUTH_TOKEN
    ) -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.from_number = DEFAULT_FROM
        self.opted_out: set[str] = set()  # numbers that texted STOP: sending to them is 21610
        self.messages: list[dict[str, Any]] = []

    # -- scripting helpers -----------------------------------------------------------------
    def error_next(self, code: int, message: str, status: int = 400, times: int | None = 1):
        self.fail_next(
            "messages", status=status, json=twilio_error(status, code, message), times=times
        )

    def fail_with(self, name: str, times: int | None = 1) -> None:
        """Script a documented error by name (TWILIO_ERRORS), e.g. `fail_with("unsubscribed")`."""
        status, code, message = TWILIO_ERRORS[name]
        self.error_next(code, message, status, times)

    def opt_out(self, number: str) -> None:
        self.opted_out.add(number)

    def sign(self, url: str, params: dict[str, str]) -> str:
        """`X-Twilio-Signature` of an inbound webhook to `url`, signed with this account's token."""
        return twilio_signature(self.auth_token, url, params)

    # -- dispatch --------------------------------------------------------------------------
    def route_of(self, request: RecordedRequest) -> str:
        match = _PATH.match(request.path)
        if not match:
            return "unknown"
        request.meta["account_sid"] = match["sid"]
        request.meta["auth"] = _basic_auth(request)
        return "messages"

    def handle(self, request: RecordedRequest) -> Response:
        if request.route == "unknown":
            return _error(404, 20404, f"The requested resource {request.path} was not found")
        if request.meta["auth"] != (self.account_sid, self.auth_token):
            return _error(401, 20003, "Authenticate")
        if request.meta["account_sid"] != self.account_sid:
            return _error(404, 20404, f"The requested resource {request.path} was not found")
        if request.method != "POST":
            return _error(405, 20004, "Method not allowed")
        return self._create_message(request.form, request.form_lists.get("MediaUrl", []))

    def _create_message(self, form: dict[str, str], media: list[str]) -> Response:
        to, sender = form.get("To", ""), form.get("From")
        service, body = form.get("MessagingServiceSid"), form.get("Body", "")
        if not to:
            return _error(400, 21604, "A 'To' phone number is required.")
        if not sender and not service:
            message = "A 'From' or 'MessagingServiceSid' parameter is required to send a message."
            return _error(400, 21603, message)
        if not body and not media and not form.get("ContentSid"):
            return _error(400, 21602, "Message body is required.")
        if not _E164.match(to):
            return _error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if len(body) > 1600:
            return _error(*TWILIO_ERRORS["body_too_long"])
        if to in self.opted_out:
            return _error(*TWILIO_ERRORS["unsubscribed"])
        sid = "SM" + secrets.token_hex(16)
        now = format_datetime(datetime.now(UTC))
        base = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}"
        resource = {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": sender,
            "messaging_service_sid": service,
            "num_media": str(len(media)),
            # with a Messaging Service the sender (and so the encoding) is chosen later
            "num_segments": "0" if service and not sender else str(sms_segments(body)),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "accepted" if service and not sender else "queued",
            "subresource_uris": {"media": f"{base}/Media.json"},
            "to": to,
            "uri": f"{base}.json",
        }
        self.messages.append(resource)
        return Response(201, json=resource)


def _error(status: int, code: int, message: str) -> Response:
    return Response(status, json=twilio_error(status, code, message))


def _basic_auth(request: RecordedRequest) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return None
    return user, password
