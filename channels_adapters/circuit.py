"""A circuit breaker per channel account, so a platform outage does not fill the send queue with
doomed tasks. State lives in the shared cache: every worker agrees.

Closed: sends go through; transient failures and 429s are counted. After FAILURE_THRESHOLD of
them within FAILURE_WINDOW seconds with no success between, the circuit opens for a cool-down
(COOLDOWN seconds, or longer when the platform's Retry-After says so). Open: nobody calls the
platform; senders are told when the circuit half-opens and park their messages until then.
Half-open: one sender (the probe) is let through; the others wait PROBE_WAIT seconds. The
probe's success closes the circuit; its failure opens it again for another cool-down. The
cool-down stays short because it bounds how long after an outage sending resumes, while a probe
costs the platform one request. Opening and closing are logged once each, by the worker that
did it.

Times are epoch seconds (`time.time()`), passed in so tests can move the clock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.cache import cache

logger = logging.getLogger(__name__)

FAILURE_THRESHOLD = 5
FAILURE_WINDOW = 30.0
COOLDOWN = 20.0
# How long the probe may take before another sender may probe (the probe's worker died).
PROBE_SECONDS = 30.0
# What senders wait while another one probes.
PROBE_WAIT = 5.0
ON_TIME = 0.001
# How long an expired opening is remembered: a failure then reopens it with a longer cool-down.
HALF_OPEN_MEMORY = 600.0
# A process that has just read an account's circuit closed, with no failure counted, takes it
# as closed for this long without reading it again (a send every few milliseconds to a busy
# account read it each time). The bound this keeps: a circuit opened by another worker is
# noticed here at most CLOSED_MEMO seconds after this process last read it closed, or at this
# process's own next failure or 429 with that account (circuit_failure forgets what it knew),
# whichever comes first; until then this process's calls go to the platform as they did just
# before it opened. A success meanwhile resets no failure: it had seen none to reset, as a
# sender that checked before another worker's failures never did.
CLOSED_MEMO = 1.0
# account id -> when (epoch) this process last read its circuit closed without failures.
_closed_seen: dict[int, float] = {}


def _keys(account_id: int) -> tuple[str, str, str]:
    base = f"souk:circuit:{account_id}"
    return f"{base}:open", f"{base}:failures", f"{base}:probe"


@dataclass(frozen=True)
class Pass:
    """May this sender call the platform now? `wait_until` (epoch) when not. `probe`: this
    sender is the half-open circuit's probe, whose outcome closes or reopens it. `failures`:
    failures counted when asked (a success then resets the count)."""

    wait_until: float | None = None
    probe: bool = False
    failures: int = 0

    @property
    def allowed(self) -> bool:
        return self.wait_until is None


def circuit_check(account_id: int, *, now: float) -> Pass:
    """One cache read while the circuit is closed (none within CLOSED_MEMO of the last one
    that found it closed without failures); a second one to claim the probe."""
    seen = _closed_seen.get(account_id)
    if seen is not None and 0 <= now - seen < CLOSED_MEMO:
        return Pass()
    open_key, failures_key, probe_key = _keys(account_id)
    state = cache.get_many([open_key, failures_key])
    opening = state.get(open_key)
    failures = int(state.get(failures_key) or 0)
    if opening is None:
        if failures:
            _closed_seen.pop(account_id, None)
        else:
            _closed_seen[account_id] = now
        return Pass(failures=failures)
    _closed_seen.pop(account_id, None)
    # A message parked until `until` is stored to the microsecond and may come back a hair
    # early: that is on time.
    if now < opening["until"] - ON_TIME:
        return Pass(wait_until=opening["until"], failures=failures)
    if cache.add(probe_key, now, PROBE_SECONDS):
        return Pass(probe=True, failures=failures)
    return Pass(wait_until=now + PROBE_WAIT, failures=failures)


def circuit_success(account_id: int, granted: Pass) -> None:
    """A call went through: closes the circuit after a probe, resets the failure count."""
    open_key, failures_key, probe_key = _keys(account_id)
    if granted.probe:
        cache.delete_many([open_key, failures_key, probe_key])
        logger.warning(
            "circuit for channel account %s closed: the platform answers again", account_id
        )
    elif granted.failures:
        cache.delete(failures_key)


def circuit_failure(
    account_id: int, granted: Pass, *, now: float, retry_after: float | None = None
) -> float | None:
    """A transient failure or a 429. Returns when the circuit half-opens if this failure opened
    it (or reopened it after a failed probe), else None."""
    # The platform failed: this process reads the circuit again before its next call.
    _closed_seen.pop(account_id, None)
    open_key, failures_key, probe_key = _keys(account_id)
    if granted.probe:
        until = now + max(COOLDOWN, retry_after or 0.0)
        cache.set(open_key, {"until": until}, until - now + HALF_OPEN_MEMORY)
        cache.delete(probe_key)
        logger.warning(
            "circuit for channel account %s reopened for %.0f s: the probe failed too",
            account_id,
            until - now,
        )
        return until
    cache.add(failures_key, 0, FAILURE_WINDOW)
    try:
        failures = cache.incr(failures_key)
    except ValueError:  # expired between add and incr
        cache.add(failures_key, 1, FAILURE_WINDOW)
        failures = 1
    if failures < FAILURE_THRESHOLD:
        return None
    until = now + max(COOLDOWN, retry_after or 0.0)
    opening = {"until": until}
    if not cache.add(open_key, opening, until - now + HALF_OPEN_MEMORY):
        current = cache.get(open_key)
        if current is not None and now < current["until"]:
            return None  # another worker opened it
        # An opening remembered but expired, and no probe holds it: open again.
        cache.set(open_key, opening, until - now + HALF_OPEN_MEMORY)
    cache.delete(failures_key)
    logger.warning(
        "circuit for channel account %s opened for %.0f s after %d failures in a row",
        account_id,
        until - now,
        failures,
    )
    return until
