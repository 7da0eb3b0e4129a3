"""Drill: PostgreSQL restarted (`pg_ctl restart -m fast`, or down for `--down-seconds`) while
webhooks keep arriving.

Proves: no 200 for an event that was not stored (a webhook during the outage gets an error the
platform redelivers on: the sender here redelivers like Telegram does), the stack recovers
without restarting the web server or the worker (their process ids are checked), 0 lost, 0 doubled.
"""

from __future__ import annotations

import argparse
import time

from bench.drills.common import ack_figures, settle_and_judge, warm_up
from bench.drills.ledger import Verdict, latency_line
from bench.drills.platform import Numbering, Platform, schedule
from bench.drills.stack import Stack

DESCRIPTION = "PostgreSQL restarted under a steady webhook load"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--webhooks", type=int, default=500, help="first messages sent (500)")
    parser.add_argument("--rate", type=float, default=12.5, help="webhooks per second (12.5)")
    parser.add_argument("--fault-at", type=float, default=10.0, help="restart at (10 s)")
    parser.add_argument(
        "--down-seconds",
        type=float,
        default=10.0,
        help="stopped this long before starting again; 0: a plain pg_ctl restart (10)",
    )
    parser.add_argument("--drain-timeout", type=float, default=300.0)
    parser.add_argument(
        "--senders",
        type=int,
        default=160,
        help="concurrent platform connections (160: Telegram's default max_connections, 40, "
        "for each of 4 bots); with fewer, a thread busy redelivering a refused update sends "
        "its next one late, and the 'first answer' figure measures the sender's queue",
    )


def run(stack: Stack, numbering: Numbering, args: argparse.Namespace) -> list[Verdict]:
    warm_up(stack, numbering)
    verdict = Verdict("postgres restarted")
    before = {name: proc.pid for name, proc in stack.services.procs.items()}
    deliveries = numbering.first_messages(stack, args.webhooks)
    platform = Platform(stack, senders=args.senders)
    t0 = schedule(deliveries, rate=args.rate)
    platform.start(deliveries)
    time.sleep(max(0.0, t0 + args.fault_at - time.monotonic()))
    fault_started = time.monotonic()
    stack.postgres.restart(down_seconds=args.down_seconds)
    fault_ended = time.monotonic()
    verdict.figures.append(
        f"{len(deliveries)} first messages at {args.rate:g}/s; PostgreSQL "
        + (
            f"stopped -m fast {args.fault_at:g} s in, started {args.down_seconds:g} s later"
            if args.down_seconds
            else f"pg_ctl restart -m fast {args.fault_at:g} s in"
        )
        + f" (out {fault_ended - fault_started:.1f} s)"
    )
    settle_and_judge(
        verdict, stack, platform, deliveries, fault_ended=fault_ended, timeout=args.drain_timeout
    )
    ack_figures(verdict, deliveries, fault_started, fault_ended)
    refused = sum(any(s != "200" for s in d.statuses) for d in deliveries)
    verdict.figures.append(f"  {refused} webhooks were refused at least once and redelivered")
    refusals = [seconds for d in deliveries for seconds in d.refusals]
    verdict.figures.append(latency_line("  each refusal (5xx) took, request to answer", refusals))
    for name, pid in before.items():
        proc = stack.services.procs.get(name)
        if proc is None or proc.pid != pid or proc.poll() is not None:
            verdict.fail(f"{name} had to be restarted (exited {proc and proc.returncode})")
    return [verdict]
