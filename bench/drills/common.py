"""What every drill does around its fault: warm the stack up, send a steady load, wait for the
backlog, judge."""

from __future__ import annotations

import time

from bench.drills.ledger import Verdict, judge, latency_line, wait_until_settled
from bench.drills.platform import Delivery, Numbering, Platform, schedule
from bench.drills.stack import Stack

WARMUP_TIMEOUT = 120.0


def warm_up(stack: Stack, numbering: Numbering, count: int = 8) -> None:
    """A few first messages answered end to end: every process imported, connected, working."""
    deliveries = numbering.first_messages(stack, count)
    platform = Platform(stack, senders=4)
    schedule(deliveries, rate=20)
    platform.start(deliveries)
    platform.join(60)
    if wait_until_settled(stack, deliveries, timeout=WARMUP_TIMEOUT) is None:
        verdict = judge(Verdict("warm-up"), stack, deliveries)
        raise RuntimeError(
            "the stack did not answer its warm-up messages:\n"
            + verdict.report()
            + "\n--- celery log:\n"
            + stack.services.log_tail("celery", 40)
        )


def settle_and_judge(
    verdict: Verdict,
    stack: Stack,
    platform: Platform,
    deliveries: list[Delivery],
    *,
    fault_ended: float,
    timeout: float,
) -> Verdict:
    """Waits for the platform to stop redelivering and for the backlog to drain, then counts.
    The recovery figure is from the fault's end to the moment everything due was answered."""
    platform.join(platform.retry_for + 60)
    waited = wait_until_settled(stack, deliveries, timeout=timeout)
    if waited is None:
        verdict.figures.append(f"backlog NOT drained {timeout:.0f} s after the load ended")
    else:
        # from the fault's end, or from the last webhook if the load outlasted the fault
        recovery = time.monotonic() - max([fault_ended, *(d.due for d in deliveries)])
        verdict.figures.append(
            f"recovery: everything answered {recovery:.1f} s after the fault ended (or after the "
            "last webhook, when the load outlasted the fault)"
        )
        verdict.recovery_seconds = recovery
    return judge(verdict, stack, deliveries)


def ack_figures(verdict: Verdict, deliveries: list[Delivery], start: float, end: float) -> None:
    during = [d.ack_seconds for d in deliveries if start <= d.due <= end and d.acked]
    first = [d.first_answer - d.due for d in deliveries if start <= d.due <= end and d.first_answer]
    verdict.figures.append(latency_line("  webhook 200 during the fault (from due)", during))
    verdict.figures.append(latency_line("  first answer of any kind during the fault", first))
    outside = [d.ack_seconds for d in deliveries if not start <= d.due <= end and d.acked]
    verdict.figures.append(latency_line("  webhook 200 outside the fault", outside))
    retried = sum(d.attempts > 1 for d in deliveries)
    if retried:
        verdict.figures.append(f"  {retried} webhooks needed a redelivery by the platform")
