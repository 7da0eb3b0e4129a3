"""The soak: the production stack at a steady rate for `--minutes` (10), shoppers of 4 shops
sending first messages, searches and button taps (the callback data of buttons the bot really
sent them), open loop.

Prints throughput (webhooks and replies per second), webhook and reply latency (p50/p99; reply
= from when a message was due to the first reply payload Telegram accepted for that chat), and
each process's resident memory (web server and its workers, Celery worker, beat, PostgreSQL,
Redis) at the start, every minute and at the end. "No growth beyond noise": a process group's
RSS may not end more than `--growth-mib` MiB (40) *and* `--growth-percent` % (25) above its
size after the warm-up; Celery workers recycle themselves, which the figures show.
Ends with the ledger's "N lost, M doubled" over every message of the soak.
"""

from __future__ import annotations

import argparse
import json
import random
import threading
import time
from collections import defaultdict

from bench.drills.common import warm_up
from bench.drills.ledger import Verdict, judge, latency_line, ms, wait_until_settled
from bench.drills.platform import Delivery, Numbering, Platform
from bench.drills.stack import Stack, rss_mib

DESCRIPTION = "a steady mix of first messages, searches and button taps for 10 minutes"

SEARCHES = ["robe", "robe rouge", "bleue", "verte", "noire", "robe verte", "rouge", "robe noire"]
QUIET = 3.0  # a chat is free for its next message once nothing was sent to it for this long


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--minutes", type=float, default=10.0, help="(10)")
    parser.add_argument("--rate", type=float, default=4.0, help="messages per second (4)")
    parser.add_argument(
        "--mix",
        default="30,40,30",
        help="percent of first messages, searches, button taps (30,40,30)",
    )
    parser.add_argument("--growth-mib", type=float, default=40.0)
    parser.add_argument("--growth-percent", type=float, default=25.0)
    parser.add_argument("--drain-timeout", type=float, default=300.0)


class Shoppers:
    """Chats and what the bot last offered each; picks who writes next and what."""

    def __init__(self, stack: Stack, numbering: Numbering, mix: list[int]) -> None:
        self.stack = stack
        self.numbering = numbering
        self.mix = mix
        self.random = random.Random(11)  # a fixed mix, the same every run
        self.last_due: dict[int, float] = {}
        self.channel_of: dict[int, int] = {}
        self.kinds: dict[str, int] = defaultdict(int)

    def _idle(self, now: float) -> list[int]:
        recent = {
            int(str(r.params.get("chat_id")))
            for r in self.stack.telegram.requests
            if r.received_at > now - QUIET and r.route.startswith("send")
        }
        return [
            chat for chat, due in self.last_due.items() if chat not in recent and due < now - QUIET
        ]

    def _buttons(self, chat: int) -> list[str]:
        for request in reversed(self.stack.telegram.requests):
            if str(request.params.get("chat_id")) != str(chat) or request.status != 200:
                continue
            markup = request.params.get("reply_markup")
            if isinstance(markup, str):
                markup = json.loads(markup)
            if isinstance(markup, dict) and markup.get("inline_keyboard"):
                return [
                    button["callback_data"]
                    for row in markup["inline_keyboard"]
                    for button in row
                    if button.get("callback_data")
                ]
        return []

    def next(self, now: float) -> Delivery:
        roll = self.random.uniform(0, 100)
        idle = self._idle(now) if roll >= self.mix[0] else []
        if not idle:
            delivery = self.numbering.first_messages(self.stack, 1)[0]
            self.kinds["first messages"] += 1
        else:
            chat = self.random.choice(idle)
            update = 500000 + self.numbering.take()
            buttons = self._buttons(chat) if roll >= self.mix[0] + self.mix[1] else []
            if buttons:
                data = self.random.choice(buttons)
                delivery = Delivery(self.channel_of[chat], update, chat, "", callback_data=data)
                self.kinds["button taps"] += 1
            else:
                text = self.random.choice(SEARCHES)
                delivery = Delivery(self.channel_of[chat], update, chat, text)
                self.kinds["searches"] += 1
        self.channel_of[delivery.chat] = delivery.channel
        self.last_due[delivery.chat] = now + 1e9  # busy until it is actually due and answered
        return delivery

    def sent(self, delivery: Delivery) -> None:
        self.last_due[delivery.chat] = delivery.due


def _memory(stack: Stack) -> dict[str, float]:
    return {name: rss_mib(pids) for name, pids in stack.processes().items()}


def run(stack: Stack, numbering: Numbering, args: argparse.Namespace) -> list[Verdict]:
    warm_up(stack, numbering)
    verdict = Verdict(f"soak {args.minutes:g} min at {args.rate:g}/s")
    shoppers = Shoppers(stack, numbering, [int(x) for x in args.mix.split(",")])
    platform = Platform(stack, senders=32)
    deliveries: list[Delivery] = []
    lock = threading.Lock()
    memory = [("start", _memory(stack))]
    started = time.monotonic()
    ends = started + args.minutes * 60
    next_sample = started + 60
    threads: list[threading.Thread] = []
    k = 0
    while True:
        due = started + k / args.rate
        if due >= ends:
            break
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        now = time.monotonic()
        with lock:
            delivery = shoppers.next(now)
            delivery.due = due
            deliveries.append(delivery)
        thread = threading.Thread(target=_send, args=(platform, shoppers, delivery), daemon=True)
        thread.start()
        threads.append(thread)
        threads = [t for t in threads if t.is_alive()]
        if now >= next_sample:
            memory.append((f"{(now - started) / 60:.0f} min", _memory(stack)))
            next_sample += 60
        k += 1
    for thread in threads:
        thread.join(60)
    sent_for = time.monotonic() - started
    waited = wait_until_settled(stack, deliveries, timeout=args.drain_timeout)
    memory.append(("end", _memory(stack)))
    _report(verdict, stack, deliveries, shoppers, sent_for, waited, memory, args)
    return [judge(verdict, stack, deliveries, distinct_messages=False)]


def _send(platform: Platform, shoppers: Shoppers, delivery: Delivery) -> None:
    platform.deliver(delivery)
    shoppers.sent(delivery)


def _reply_latencies(stack: Stack, deliveries: list[Delivery]) -> tuple[list[float], int]:
    """From each message's due time to the first payload sent (or edited) in its chat before
    that chat's next message; and how many messages got none (a tap answered in place)."""
    by_chat: dict[str, list[float]] = defaultdict(list)
    for request in stack.telegram.requests:
        if request.status == 200 and request.route.startswith(("send", "edit")):
            by_chat[str(request.params.get("chat_id"))].append(request.received_at)
    next_due: dict[int, float] = {}
    latencies, unanswered = [], 0
    for delivery in sorted(deliveries, key=lambda d: d.due, reverse=True):
        until = next_due.get(delivery.chat, float("inf"))
        within = [t for t in by_chat.get(str(delivery.chat), []) if delivery.due <= t < until]
        if within:
            latencies.append(min(within) - delivery.due)
        else:
            unanswered += 1
        next_due[delivery.chat] = delivery.due
    latencies.reverse()
    return latencies, unanswered


def _report(verdict, stack, deliveries, shoppers, sent_for, waited, memory, args) -> None:
    acked = [d for d in deliveries if d.acked]
    replies, unanswered = _reply_latencies(stack, deliveries)
    accepted = sum(
        1 for r in stack.telegram.requests if r.status == 200 and r.route.startswith("send")
    )
    verdict.figures.append(
        f"{len(deliveries)} messages in {sent_for:.0f} s ("
        + ", ".join(f"{v} {k}" for k, v in shoppers.kinds.items())
        + f") to {len(shoppers.channel_of)} chats over {len(stack.channels)} shops"
    )
    verdict.figures.append(
        f"  throughput: {len(acked) / sent_for:.1f} webhooks/s acknowledged, "
        f"{accepted / sent_for:.1f} reply payloads/s accepted by Telegram; backlog "
        + (
            f"drained {waited:.1f} s after the last message"
            if waited is not None
            else "NOT drained"
        )
    )
    verdict.figures.append(latency_line("  webhook 200", [d.ack_seconds for d in acked]))
    verdict.figures.append(latency_line("  first reply payload", replies))
    if unanswered:
        verdict.figures.append(
            f"  {unanswered} messages got no new payload before the chat's next message (a tap "
            "answered by editing, or a reply still pacing out the previous one's)"
        )
    thirds = [replies[i * len(replies) // 3 : (i + 1) * len(replies) // 3] for i in range(3)]
    verdict.figures.append(
        "  reply p50 by third of the run: " + ", ".join(f"{ms(t, 50):,.0f} ms" for t in thirds if t)
    )
    names = sorted({name for _, sample in memory for name in sample})
    verdict.figures.append("  RSS MiB    " + "".join(f"{n:>12}" for n in names))
    for label, sample in memory:
        verdict.figures.append(
            f"  {label:10} " + "".join(f"{sample.get(n, 0):>12.0f}" for n in names)
        )
    first, last = memory[0][1], memory[-1][1]
    for name in names:
        grown = last.get(name, 0) - first.get(name, 0)
        if grown > args.growth_mib and grown > first.get(name, 0) * args.growth_percent / 100:
            verdict.fail(
                f"{name} grew {grown:.0f} MiB ({first.get(name, 0):.0f} -> {last.get(name, 0):.0f})"
                f", beyond the noise threshold ({args.growth_mib:g} MiB and "
                f"{args.growth_percent:g} %)"
            )
