"""Drill: a 429/5xx storm from Telegram while replies are due.

For `--storm-seconds` every send to the fake Telegram is answered, in turn, 429 Too Many
Requests (with Retry-After and `parameters.retry_after`, as Telegram does), 500 and 502, while
`--chats` shoppers each send a first message and then a search (so each chat has several
replies whose order matters).

Proves: every reply is delivered once the storm is over, in order per chat, none twice, within
Telegram's limits (30 messages a second per bot, one a second per chat); prints how many send
attempts the storm cost.
"""

from __future__ import annotations

import argparse
import math
import time
from collections import defaultdict

from bench.drills.common import settle_and_judge, warm_up
from bench.drills.ledger import Verdict
from bench.drills.platform import Delivery, Numbering, Platform, schedule
from bench.drills.stack import Stack
from tests.fakes.server import Response

DESCRIPTION = "a 429/500/502 storm from Telegram's Bot API while replies are due"

# Telegram's own limits (channels_adapters/telegram/limits.py), with room for the fake's clock
# reading arrivals rather than departures.
PER_BOT_PER_SECOND = 30
PER_CHAT_GAP = 1.0  # after a burst of PER_CHAT_BURST, one message a second
PER_CHAT_BURST = 3
TOLERANCE = 0.1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--storm-seconds", type=float, default=60.0, help="(60)")
    parser.add_argument("--chats", type=int, default=100, help="shoppers writing meanwhile (100)")
    parser.add_argument(
        "--load-seconds",
        type=float,
        default=20.0,
        help="their first messages spread over the storm's first seconds (20)",
    )
    parser.add_argument("--retry-after", type=int, default=5, help="Retry-After of the 429s (5)")
    parser.add_argument("--drain-timeout", type=float, default=300.0)


def storm_responses(retry_after: int) -> list[Response]:
    return [
        Response(
            status=429,
            json={
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {retry_after}",
                "parameters": {"retry_after": retry_after},
            },
            headers={"Retry-After": str(retry_after)},
        ),
        Response(
            status=500,
            json={"ok": False, "error_code": 500, "description": "Internal Server Error"},
        ),
        Response(status=502, body=b"<html><body>502 Bad Gateway</body></html>"),
    ]


def run(stack: Stack, numbering: Numbering, args: argparse.Namespace) -> list[Verdict]:
    warm_up(stack, numbering)
    verdict = Verdict("telegram storm")
    first = numbering.first_messages(stack, args.chats)
    schedule(first, rate=max(1.0, args.chats / args.load_seconds), start_in=0.5)
    follow_ups = [
        Delivery(channel=d.channel, update_id=500000 + numbering.take(), chat=d.chat, text="robe")
        for d in first
    ]
    for original, follow_up in zip(first, follow_ups, strict=True):
        follow_up.due = original.due + 2.0
    deliveries = sorted(first + follow_ups, key=lambda d: d.due)
    storm_started = time.monotonic()
    storm_ends = stack.telegram.storm("*", args.storm_seconds, storm_responses(args.retry_after))
    platform = Platform(stack)
    platform.start(deliveries)
    time.sleep(max(0.0, storm_ends - time.monotonic()))
    settle_and_judge(
        verdict, stack, platform, deliveries, fault_ended=storm_ends, timeout=args.drain_timeout
    )
    verdict.figures.insert(
        0,
        f"{args.chats} chats, each a first message then a search 2 s later, over the first "
        f"{args.load_seconds:g} s of a {args.storm_seconds:g} s storm (429 Retry-After "
        f"{args.retry_after}, 500, 502 in turn)",
    )
    _check_limits(verdict, stack, {str(d.chat) for d in deliveries}, storm_started, storm_ends)
    return [verdict]


def _check_limits(
    verdict: Verdict, stack: Stack, chats: set[str], storm_started: float, storm_ends: float
) -> None:
    sends = [
        r
        for r in stack.telegram.requests
        if r.route.startswith("send")
        and str(r.params.get("chat_id")) in chats
        and r.received_at >= storm_started
    ]
    during = [r for r in sends if r.received_at < storm_ends]
    accepted = [r for r in sends if r.status == 200]
    verdict.figures.append(
        f"  send attempts during the storm: {len(during)} (all refused); after it: "
        f"{len(sends) - len(during)}, of which {len(accepted)} accepted"
    )
    by_bot: dict[str, list[float]] = defaultdict(list)
    by_chat: dict[str, list[float]] = defaultdict(list)
    for r in sends:
        by_bot[r.meta.get("token", "")].append(r.received_at)
    for r in accepted:
        by_chat[str(r.params.get("chat_id"))].append(r.received_at)
    busiest = max((_max_in_window(times, 1.0) for times in by_bot.values()), default=0)
    over = [excess for times in by_chat.values() if (excess := chat_excess(times)) > 0]
    verdict.figures.append(
        f"  busiest second for one bot: {busiest} sends (limit {PER_BOT_PER_SECOND}); chats "
        f"sent more than a burst of {PER_CHAT_BURST} then one a second: {len(over)}"
    )
    if busiest > PER_BOT_PER_SECOND * (1 + TOLERANCE):
        verdict.fail(f"a bot sent {busiest} messages in one second (limit {PER_BOT_PER_SECOND})")
    if over:
        verdict.fail(
            f"{len(over)} chats got more than {PER_CHAT_BURST} replies at once or more than one "
            f"a second after (worst: {max(over)} too many)"
        )


def chat_excess(times: list[float]) -> int:
    """How many of one chat's replies (arrival times, sorted) exceed Telegram's per-chat
    bucket: from any reply to any later one, at most PER_CHAT_BURST plus one per
    PER_CHAT_GAP between them (with the fake's clock's TOLERANCE)."""
    worst = 0
    for i, first in enumerate(times):
        for j in range(i + PER_CHAT_BURST, len(times)):
            allowed = PER_CHAT_BURST + (times[j] - first) / (PER_CHAT_GAP * (1 - TOLERANCE))
            worst = max(worst, (j - i + 1) - math.floor(allowed))
    return worst


def _max_in_window(times: list[float], window: float) -> int:
    ordered = sorted(times)
    best = start = 0
    for end, t in enumerate(ordered):
        while t - ordered[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best
