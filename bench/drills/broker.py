"""Drill: the broker (Redis) killed, or hung, while webhooks keep arriving.

`kill`: SIGKILL, started again on the same port after `--fault-seconds` (empty: it kept nothing
on disk, so every task it held is gone and only the sweepers can bring the work back).
`hang`: SIGSTOP, SIGCONT after `--fault-seconds` (connections stay open and silent: whatever
waits on Redis waits until its timeout).

Proves: every webhook is acknowledged quickly during the fault (stored without the broker),
0 lost, 0 doubled, and how long after the fault ends the backlog is answered.
"""

from __future__ import annotations

import argparse
import time

from bench.drills.common import ack_figures, settle_and_judge, warm_up
from bench.drills.ledger import Verdict
from bench.drills.platform import Numbering, Platform, schedule
from bench.drills.stack import Stack

DESCRIPTION = "Redis SIGKILLed or SIGSTOPped under a steady webhook load"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mode", choices=["kill", "hang", "both"], default="both")
    parser.add_argument("--webhooks", type=int, default=500, help="first messages sent (500)")
    parser.add_argument(
        "--rate",
        type=float,
        default=12.5,
        help="webhooks per second (12.5: the load lasts as long as the fault and the 10 s "
        "before it)",
    )
    parser.add_argument(
        "--fault-at", type=float, default=10.0, help="seconds into the load the fault starts (10)"
    )
    parser.add_argument("--fault-seconds", type=float, default=30.0, help="its length (30)")
    parser.add_argument(
        "--drain-timeout", type=float, default=300.0, help="how long the backlog is awaited (300)"
    )


def run(stack: Stack, numbering: Numbering, args: argparse.Namespace) -> list[Verdict]:
    modes = ["kill", "hang"] if args.mode == "both" else [args.mode]
    verdicts = []
    for mode in modes:
        warm_up(stack, numbering)
        verdicts.append(_one(stack, numbering, args, mode))
    return verdicts


def _one(stack: Stack, numbering: Numbering, args: argparse.Namespace, mode: str) -> Verdict:
    verdict = Verdict(f"broker {'killed' if mode == 'kill' else 'hung'}")
    deliveries = numbering.first_messages(stack, args.webhooks)
    platform = Platform(stack)
    t0 = schedule(deliveries, rate=args.rate)
    platform.start(deliveries)
    time.sleep(max(0.0, t0 + args.fault_at - time.monotonic()))
    fault_started = time.monotonic()
    if mode == "kill":
        stack.redis.kill()
    else:
        stack.redis.pause()
    time.sleep(args.fault_seconds)
    if mode == "kill":
        stack.redis.start()
    else:
        stack.redis.resume()
    fault_ended = time.monotonic()
    verdict.figures.append(
        f"{len(deliveries)} first messages at {args.rate:g}/s; Redis "
        f"{'SIGKILLed' if mode == 'kill' else 'SIGSTOPped'} {args.fault_at:g} s in for "
        f"{args.fault_seconds:g} s; load ends {len(deliveries) / args.rate:.0f} s in"
    )
    settle_and_judge(
        verdict, stack, platform, deliveries, fault_ended=fault_ended, timeout=args.drain_timeout
    )
    ack_figures(verdict, deliveries, fault_started, fault_ended)
    return verdict
