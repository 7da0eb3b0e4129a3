"""Webhooks sent the way a platform sends them: on a schedule, and again after any answer but
200 (Telegram and Meta redeliver an unacknowledged update, with growing delays)."""

from __future__ import annotations

import http.client
import json
import threading
import time
from dataclasses import dataclass, field

from bench.drills.stack import TELEGRAM_SECRET, Stack
from bench.intake import telegram_body


@dataclass
class Delivery:
    """One update and what became of it (times are time.monotonic())."""

    channel: int
    update_id: int
    chat: int
    text: str
    callback_data: str | None = None  # a button tap (callback_query) instead of a text
    due: float = 0.0
    first_answer: float | None = None  # the first response of any kind (or connection error)
    acked: float | None = None  # the 200
    attempts: int = 0
    statuses: list[str] = field(default_factory=list)
    refusals: list[float] = field(default_factory=list)  # seconds each non-200 answer took

    @property
    def body(self) -> bytes:
        if self.callback_data is None:
            return telegram_body(self.update_id, self.chat, text=self.text)
        sender = {"id": self.chat, "is_bot": False, "first_name": "Léa", "language_code": "fr"}
        update = {
            "update_id": self.update_id,
            "callback_query": {
                "id": f"cb{self.update_id}",
                "from": sender,
                "message": {
                    "message_id": 1,
                    "chat": {"id": self.chat, "type": "private", "first_name": "Léa"},
                    "date": 1763900000,
                    "text": self.text,
                },
                "chat_instance": f"ci{self.chat}",
                "data": self.callback_data,
            },
        }
        return json.dumps(update, separators=(",", ":"), ensure_ascii=False).encode()

    @property
    def ack_seconds(self) -> float | None:
        return None if self.acked is None else self.acked - self.due


class Platform:
    """Posts deliveries to the stack's Telegram webhook from `senders` threads."""

    def __init__(
        self,
        stack: Stack,
        *,
        senders: int = 32,
        timeout: float = 30.0,
        retry_for: float = 120.0,
    ) -> None:
        self.stack = stack
        self.senders = senders
        self.timeout = timeout  # the platform's own request timeout
        self.retry_for = retry_for  # how long after its due time an update is redelivered
        self._threads: list[threading.Thread] = []

    def post_once(self, delivery: Delivery) -> int | None:
        connection = http.client.HTTPConnection("127.0.0.1", self.stack.port, timeout=self.timeout)
        delivery.attempts += 1
        sent = time.monotonic()
        try:
            connection.request(
                "POST",
                f"/webhooks/telegram/{delivery.channel}/",
                body=delivery.body,
                headers={
                    "Content-Type": "application/json",
                    "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET,
                },
            )
            response = connection.getresponse()
            response.read()
            delivery.statuses.append(str(response.status))
            if response.status != 200:
                delivery.refusals.append(time.monotonic() - sent)
            return response.status
        except OSError as exc:
            delivery.statuses.append(type(exc).__name__)
            return None
        finally:
            connection.close()
            if delivery.first_answer is None:
                delivery.first_answer = time.monotonic()

    def deliver(self, delivery: Delivery) -> None:
        """Until a 200, or `retry_for` seconds after it was due: 0.5 s, 1 s, 2 s … 8 s apart."""
        pause = 0.5
        while True:
            if self.post_once(delivery) == 200:
                delivery.acked = time.monotonic()
                return
            if time.monotonic() + pause > delivery.due + self.retry_for:
                return
            time.sleep(pause)
            pause = min(8.0, pause * 2)

    def start(self, deliveries: list[Delivery]) -> None:
        """Sends in the background, each at its `due` time (open loop: delivery i on thread
        i % senders; a thread still busy with a slow one sends the next late, counted)."""

        def sender(offset: int) -> None:
            for delivery in deliveries[offset :: self.senders]:
                wait = delivery.due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                self.deliver(delivery)

        self._threads = [
            threading.Thread(target=sender, args=(k,), daemon=True, name=f"platform-{k}")
            for k in range(min(self.senders, len(deliveries)))
        ]
        for thread in self._threads:
            thread.start()

    def join(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(t.is_alive() for t in self._threads)


def schedule(deliveries: list[Delivery], *, rate: float, start_in: float = 0.2) -> float:
    """Spreads deliveries at a steady `rate` per second; returns the first one's due time."""
    t0 = time.monotonic() + start_in
    for k, delivery in enumerate(deliveries):
        delivery.due = t0 + k / rate
    return t0


class Numbering:
    """Unique update ids and chat ids across every drill run on one stack."""

    def __init__(self) -> None:
        self._next = 1000
        self._lock = threading.Lock()

    def take(self) -> int:
        with self._lock:
            self._next += 1
            return self._next

    def first_messages(self, stack: Stack, count: int, text: str = "bonjour") -> list[Delivery]:
        """`count` first messages, each from a new chat, round-robin over the stack's bots."""
        made = []
        for _ in range(count):
            n = self.take()
            made.append(
                Delivery(
                    channel=stack.channels[n % len(stack.channels)],
                    update_id=500000 + n,
                    chat=9100000 + n,
                    text=text,
                )
            )
        return made
