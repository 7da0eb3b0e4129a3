"""The shoppers of `bench end_to_end`: who writes next, what, and when their answer arrived.

A mix of three kinds of Telegram Updates, in a fixed repeating pattern (`--mix`):

  first   a new chat's first message ("hello", "Bonjour", "/start"): a new customer and
          conversation, the greeting with its buttons
  search  a returning shopper types words ("robe rouge", "bleue"...): the search and its cards
  tap     a returning shopper taps a button of the bot's last message to that chat (a product,
          a category, browse, the menu; never buy, add or a person: no orders, no hand-offs),
          as a callback_query naming that message

A returning shopper is a chat that has had its answer, then stayed quiet for REUSE_AFTER, and
has nothing left to receive (`PendingChats`: an answer of several messages goes out one a
second per chat, Telegram's limit, so a shopper who wrote again before the last one arrived
would take it for the answer to the new message). While no chat is ready, a search or tap
becomes a first message. Chat ids are unique over the whole run.

`ReplyClock` sits in the fake Telegram: for each chat, when each bot message arrived and the
buttons of the last one. An event's reply is the first bot message to its chat after it was
sent (each chat has one event in flight at a time).
"""

from __future__ import annotations

import bisect
import collections
import itertools
import json
import threading
import time
from dataclasses import dataclass, field

KINDS = ("first", "search", "tap")
# Seconds a chat stays quiet after its answer before its shopper writes again.
REUSE_AFTER = 1.0
FIRST_TEXTS = ("hello", "Bonjour", "/start")
SEARCH_TEXTS = ("robe rouge", "robe", "bleue", "robe verte", "rouge")
# Buttons a benchmark shopper taps, by the action of their payload (conversations/payloads.py);
# the others start a checkout or a hand-off, which would change what is measured.
TAPPABLE = ("p", "cat", "browse", "sr", "menu", "v")
# Routes through which the bot says something in a chat.
SAYING = {
    "sendMessage",
    "sendPhoto",
    "sendMediaGroup",
    "editMessageText",
    "editMessageReplyMarkup",
    "sendInvoice",
}


def parse_mix(text: str) -> list[str]:
    """ "first=1,search=1,tap=2" -> the repeating pattern of kinds, interleaved."""
    weights = {}
    for part in text.split(","):
        name, _, weight = part.partition("=")
        name = name.strip()
        if name not in KINDS:
            raise ValueError(f"unknown kind {name!r} (known: {', '.join(KINDS)})")
        weights[name] = int(weight or 1)
    if not any(weights.values()) or min(weights.values()) < 0:
        raise ValueError("weights must be positive integers")
    # Spread each kind over the pattern rather than in runs.
    slots = []
    for name, weight in weights.items():
        slots += [((k + 0.5) / weight, name) for k in range(weight)]
    return [name for _, name in sorted(slots)]


@dataclass
class Event:
    index: int
    kind: str
    due: float  # time.monotonic() when it was due to leave (open loop)
    chat: int = 0
    bot: int = 0
    body: bytes = b""
    sent: float | None = None
    acked: float | None = None
    status: int | None = None
    error: str = ""
    replied: float | None = None


@dataclass
class _Chat:
    chat: int
    bot: int
    sent: float = 0.0  # when its event in flight left


class ReplyClock:
    """Per chat: the times bot messages arrived (monotonic), and the last message's buttons."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._times: dict[int, list[float]] = collections.defaultdict(list)
        self._buttons: dict[int, tuple[int, list[str]]] = {}
        self.calls = 0

    def note(self, route: str, params: dict, result, at: float) -> None:
        if route not in SAYING:
            return
        chat = str(params.get("chat_id", ""))
        if not chat.lstrip("-").isdigit():
            return
        chat_id = int(chat)
        buttons = _callback_data(params.get("reply_markup"))
        message_id = result.get("message_id") if isinstance(result, dict) else None
        with self._lock:
            self.calls += 1
            self._times[chat_id].append(at)
            if buttons and message_id:
                self._buttons[chat_id] = (message_id, buttons)

    def reply_after(self, chat: int, sent: float) -> float | None:
        with self._lock:
            times = self._times.get(chat)
            if not times:
                return None
            k = bisect.bisect_left(times, sent)
            return times[k] if k < len(times) else None

    def last_at(self, chat: int) -> float | None:
        with self._lock:
            times = self._times.get(chat)
            return times[-1] if times else None

    def buttons(self, chat: int) -> tuple[int, list[str]] | None:
        with self._lock:
            return self._buttons.get(chat)


def _callback_data(markup) -> list[str]:
    if isinstance(markup, str):
        try:
            markup = json.loads(markup)
        except ValueError:
            return []
    if not isinstance(markup, dict):
        return []
    return [
        button["callback_data"]
        for row in markup.get("inline_keyboard") or []
        for button in row
        if isinstance(button, dict) and isinstance(button.get("callback_data"), str)
    ]


class PendingChats:
    """The chats with replies still queued in Souk's database (outbound messages not sent
    yet), refreshed by a thread every `period` seconds: one indexed query."""

    def __init__(self, database_url: str, period: float = 0.2) -> None:
        self.database_url = database_url
        self.period = period
        self._chats: frozenset[int] = frozenset()
        self._at = 0.0  # monotonic time the set was read
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True, name="pending-chats")

    def __enter__(self) -> PendingChats:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(5)

    def clear_since(self, chat: int, moment: float) -> bool:
        """True if the set, read after `moment`, does not hold the chat."""
        return self._at > moment and chat not in self._chats

    def _poll(self) -> None:
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as conn:
            while not self._stop.is_set():
                started = time.monotonic()
                rows = conn.execute(
                    "SELECT DISTINCT recipient FROM channels_adapters_outboundmessage"
                    " WHERE status = 'queued'"
                ).fetchall()
                self._chats = frozenset(int(r[0]) for r in rows if r[0].lstrip("-").isdigit())
                self._at = started
                self._stop.wait(self.period)


@dataclass
class Shoppers:
    """Chooses each event's chat and builds its Update, at send time (thread-safe)."""

    clock: ReplyClock
    bots: int
    pattern: list[str]
    first_chat: int = 7_100_000
    pending: PendingChats | None = None
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _chats: itertools.count | None = None
    _in_flight: collections.deque = field(default_factory=collections.deque)
    _ready: collections.deque = field(default_factory=collections.deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _turn: itertools.count = field(default_factory=itertools.count)

    def __post_init__(self) -> None:
        self._chats = itertools.count(self.first_chat)

    def schedule(self, count: int, *, rate: float, start: float) -> list[Event]:
        return [
            Event(index=k, kind=self.pattern[k % len(self.pattern)], due=start + k / rate)
            for k in range(count)
        ]

    def prepare(self, event: Event) -> None:
        """Fills in the event's chat, bot and body, just before it is sent."""
        now = time.monotonic()
        with self._lock:
            chat = self._returning(now) if event.kind != "first" else None
            if chat is None:
                event.kind = "first" if event.kind == "first" else f"{event.kind}→first"
                number = next(self._chats)
                chat = _Chat(chat=number, bot=number % self.bots)
            chat.sent = now
            self._in_flight.append(chat)
        event.chat, event.bot = chat.chat, chat.bot
        update_id = next(self._ids)
        kind = event.kind.split("→")[-1]
        if kind == "first":
            text = FIRST_TEXTS[update_id % len(FIRST_TEXTS)]
            event.body = message_update(update_id, chat.chat, text)
        elif kind == "search":
            text = SEARCH_TEXTS[update_id % len(SEARCH_TEXTS)]
            event.body = message_update(update_id, chat.chat, text)
        else:
            event.body = self._tap(update_id, chat.chat)

    def _returning(self, now: float) -> _Chat | None:
        # Chats move from in flight to ready once answered and quiet for REUSE_AFTER; the
        # oldest in flight is looked at first, and the scan stops at one still waiting.
        while self._in_flight:
            head = self._in_flight[0]
            last = self.clock.last_at(head.chat)
            if last is None or last < head.sent or now - last < REUSE_AFTER:
                break
            if self.pending is not None and not self.pending.clear_since(head.chat, last):
                break
            self._ready.append(self._in_flight.popleft())
        return self._ready.popleft() if self._ready else None

    def _tap(self, update_id: int, chat: int) -> bytes:
        message_id, data = 1, "browse"
        shown = self.clock.buttons(chat)
        if shown is not None:
            message_id, buttons = shown
            choices = [b for b in buttons if b.split(":")[0] in TAPPABLE]
            if choices:
                data = choices[next(self._turn) % len(choices)]
        return callback_update(update_id, chat, message_id, data)


def _sender(chat: int) -> dict:
    return {"id": chat, "is_bot": False, "first_name": "Léa", "language_code": "fr"}


def message_update(update_id: int, chat: int, text: str) -> bytes:
    update = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "from": _sender(chat),
            "chat": {"id": chat, "type": "private", "first_name": "Léa"},
            "date": int(time.time()),
            "text": text,
        },
    }
    return json.dumps(update, separators=(",", ":"), ensure_ascii=False).encode()


def callback_update(update_id: int, chat: int, message_id: int, data: str) -> bytes:
    update = {
        "update_id": update_id,
        "callback_query": {
            "id": f"cb{update_id}",
            "from": _sender(chat),
            "chat_instance": str(chat),
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat, "type": "private", "first_name": "Léa"},
                "text": "…",
            },
        },
    }
    return json.dumps(update, separators=(",", ":"), ensure_ascii=False).encode()
