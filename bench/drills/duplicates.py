"""Drill: the same webhook delivered 5 times at once (a platform retrying a slow answer while
the first delivery is still in flight, or two edge servers delivering one update).

Proves: each update stored once, processed once, answered with one reply (the ledger counts a
reply sent twice, or the bot answering the same message twice, as doubled), whatever web
worker each copy lands on.
"""

from __future__ import annotations

import argparse
import threading
import time

from bench.drills.common import warm_up
from bench.drills.ledger import Verdict, judge, latency_line, wait_until_settled
from bench.drills.platform import Delivery, Numbering, Platform
from bench.drills.stack import Stack

DESCRIPTION = "the same webhook delivered several times at once"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--updates", type=int, default=50, help="distinct updates (50)")
    parser.add_argument("--copies", type=int, default=5, help="simultaneous copies of each (5)")
    parser.add_argument("--drain-timeout", type=float, default=120.0)


def run(stack: Stack, numbering: Numbering, args: argparse.Namespace) -> list[Verdict]:
    warm_up(stack, numbering)
    verdict = Verdict(f"same webhook x{args.copies} at once")
    deliveries = numbering.first_messages(stack, args.updates)
    platform = Platform(stack)
    latencies: list[float] = []
    for delivery in deliveries:
        copies = [
            Delivery(delivery.channel, delivery.update_id, delivery.chat, delivery.text)
            for _ in range(args.copies)
        ]
        barrier = threading.Barrier(args.copies)

        def send(copy: Delivery, barrier=barrier) -> None:
            barrier.wait()
            copy.due = time.monotonic()
            platform.deliver(copy)

        threads = [threading.Thread(target=send, args=(c,), daemon=True) for c in copies]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        delivery.due = min(c.due for c in copies)
        acked = [c.acked for c in copies if c.acked is not None]
        delivery.acked = max(acked) if len(acked) == len(copies) else None
        delivery.statuses = [s for c in copies for s in c.statuses]
        latencies += [c.ack_seconds for c in copies if c.acked is not None]
    if wait_until_settled(stack, deliveries, timeout=args.drain_timeout) is None:
        verdict.figures.append(f"replies NOT all sent {args.drain_timeout:.0f} s later")
    verdict.figures.append(
        f"{args.updates} first messages, each posted {args.copies} times at once "
        f"({stack.web_workers} web server workers)"
    )
    verdict.figures.append(latency_line("  webhook 200", latencies))
    stored = stack.sql(
        "SELECT count(*) FROM channels_adapters_inboundevent WHERE event_id = ANY(%s)",
        ([str(d.update_id) for d in deliveries],),
    )[0][0]
    verdict.figures.append(f"  events stored: {stored} for {args.updates} updates")
    verdict.double(max(0, stored - args.updates), "updates stored more than once")
    return [judge(verdict, stack, deliveries)]
