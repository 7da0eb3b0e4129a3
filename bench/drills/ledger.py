"""Counting what was lost and what was doubled, from the database and from the fakes.

Webhooks: every update a platform got a 200 for must be a stored event, and every stored event
processed. Replies: for each chat, the payloads the fake Telegram accepted (200), in the order
it accepted them, must be exactly the payloads of that chat's outbound messages in the database,
in conversation order: nothing missing (lost), nothing twice (doubled), nothing out of order.
A conversation answered twice for one message (the event processed twice) shows as two
identical outbound messages for one inbound message, also counted as doubled.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from bench.drills.platform import Delivery
from bench.drills.stack import Stack


@dataclass
class Verdict:
    name: str
    lost: int = 0
    doubled: int = 0
    problems: list[str] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    recovery_seconds: float | None = None

    def lose(self, count: int, what: str) -> None:
        if count:
            self.lost += count
            self.problems.append(f"lost: {what}")

    def double(self, count: int, what: str) -> None:
        if count:
            self.doubled += count
            self.problems.append(f"doubled: {what}")

    def fail(self, what: str) -> None:
        """A broken promise that is neither a loss nor a double (order, rate, a 200 too slow)."""
        self.problems.append(what)

    @property
    def ok(self) -> bool:
        return not self.lost and not self.doubled and not self.problems

    @property
    def line(self) -> str:
        return f"{self.lost} lost, {self.doubled} doubled"

    def report(self) -> str:
        lines = [f"--- {self.name}", *self.figures, *("  ! " + p for p in self.problems[:20])]
        lines.append(f"{self.name}: {self.line}" + ("" if self.ok else " -- FAILED"))
        return "\n".join(lines)


def _payload_key(method: str, params: dict) -> tuple[str, str]:
    text = params.get("text") or params.get("caption") or params.get("photo") or ""
    return method, str(text)


def sent_by_chat(stack: Stack) -> dict[str, list[tuple[str, str]]]:
    """What the fake Telegram accepted, per chat, in the order it accepted it."""
    accepted: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for request in stack.telegram.requests:
        if request.status == 200 and request.route.startswith("send"):
            params = request.params
            accepted[str(params.get("chat_id"))].append(_payload_key(request.route, params))
    return accepted


def expected_by_chat(stack: Stack, chats: set[str]) -> tuple[dict, dict, dict]:
    """From the database, per chat: payloads due in conversation order, outbound messages not
    sent (status), and each message's JSON (to find a message answered twice)."""
    rows = stack.sql(
        "SELECT recipient, status, payloads, message::text FROM channels_adapters_outboundmessage"
        " WHERE recipient = ANY(%s) ORDER BY conversation_key, id",
        (sorted(chats),),
    )
    due: dict[str, list[tuple[str, str]]] = defaultdict(list)
    unsent: dict[str, list[str]] = defaultdict(list)
    messages: dict[str, list[str]] = defaultdict(list)
    for recipient, status, payloads, message in rows:
        messages[recipient].append(message)
        if status != "sent":
            unsent[recipient].append(status)
        for payload in payloads:
            due[recipient].append(_payload_key(payload["method"], payload.get("params") or {}))
    return due, unsent, messages


def stored_events(stack: Stack, deliveries: list[Delivery]) -> dict[tuple[int, str], bool]:
    """(channel, update id) -> processed, for the deliveries' events that are stored."""
    rows = stack.sql(
        "SELECT channel_id, event_id, processed_at IS NOT NULL FROM channels_adapters_inboundevent"
        " WHERE event_id = ANY(%s)",
        ([str(d.update_id) for d in deliveries],),
    )
    return {(channel, event_id): processed for channel, event_id, processed in rows}


def settled(stack: Stack, deliveries: list[Delivery]) -> bool:
    """Every acknowledged event processed, every outbound message of these chats sent, and
    the fake holding as many payloads per chat as the database has due."""
    stored = stored_events(stack, deliveries)
    acked = [d for d in deliveries if d.acked is not None]
    if any(not stored.get((d.channel, str(d.update_id)), False) for d in acked):
        return False
    chats = {str(d.chat) for d in acked}
    due, unsent, _ = expected_by_chat(stack, chats)
    if unsent or any(chat not in due for chat in chats):
        return False
    accepted = sent_by_chat(stack)
    return all(len(accepted.get(chat, [])) >= len(due[chat]) for chat in chats)


def wait_until_settled(stack: Stack, deliveries: list[Delivery], *, timeout: float) -> float | None:
    """Seconds until settled (polled every 0.25 s), None if not within `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        # the database may be restarting: then ask again
        with contextlib.suppress(Exception):
            if settled(stack, deliveries):
                return time.monotonic() - started
        time.sleep(0.25)
    return None


def judge(
    verdict: Verdict, stack: Stack, deliveries: list[Delivery], *, distinct_messages: bool = True
) -> Verdict:
    """Counts lost and doubled webhooks and replies for these deliveries into `verdict`.
    `distinct_messages`: each chat's messages differ, so the same answer twice in one chat means
    a message processed twice (a soak repeats searches and taps: it says False)."""
    unacked = [d for d in deliveries if d.acked is None]
    if unacked:
        sample = unacked[0].statuses[-3:]
        verdict.fail(f"{len(unacked)} webhooks never acknowledged (last answers e.g. {sample})")
    stored = stored_events(stack, deliveries)
    verdict.lose(
        sum((d.channel, str(d.update_id)) not in stored for d in deliveries if d.acked),
        "webhooks acknowledged (200) but not stored",
    )
    verdict.lose(
        sum(1 for processed in stored.values() if not processed), "stored events never processed"
    )

    chats = {str(d.chat) for d in deliveries if (d.channel, str(d.update_id)) in stored}
    due, unsent, messages = expected_by_chat(stack, chats)
    accepted = sent_by_chat(stack)
    verdict.lose(sum(chat not in due for chat in chats), "stored messages the bot never answered")
    verdict.lose(
        sum(len(v) for v in unsent.values()),
        "outbound messages never sent ("
        + ", ".join(f"{k} {v}" for k, v in Counter(s for v in unsent.values() for s in v).items())
        + ")",
    )
    missing = extra = disorder = 0
    examples: list[str] = []
    for chat in chats:
        want, got = due.get(chat, []), accepted.get(chat, [])
        want_count, got_count = Counter(want), Counter(got)
        missing += sum((want_count - got_count).values())
        extra += sum((got_count - want_count).values())
        for method, text in (got_count - want_count) + (want_count - got_count):
            examples.append(
                f"chat {chat}: {method} {text[:50]!r} accepted {got_count[(method, text)]}x, "
                f"due {want_count[(method, text)]}x"
            )
        if want_count == got_count and want != got:
            disorder += 1
        if distinct_messages:
            extra += sum(n - 1 for n in Counter(messages.get(chat, [])).values() if n > 1)
    verdict.lose(missing, "reply payloads due but never accepted by the platform")
    verdict.double(extra, "reply payloads the platform accepted more than once")
    if disorder:
        verdict.fail(f"{disorder} chats got their replies out of order")
    verdict.figures += ["  e.g. " + example for example in examples[:5]]
    return verdict


def ms(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1] * 1000


def latency_line(label: str, values: list[float]) -> str:
    if not values:
        return f"{label}: none"
    return (
        f"{label}: p50 {ms(values, 50):,.0f} ms, p99 {ms(values, 99):,.0f} ms, "
        f"max {max(values) * 1000:,.0f} ms (n={len(values)})"
    )
