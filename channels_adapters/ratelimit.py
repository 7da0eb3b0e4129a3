"""Send-rate limits shared by every worker: token buckets in Redis (one Lua call, atomic), or in
process memory when there is no Redis (development: one process sends).

`acquire(key, rate)` answers how long to wait before the caller may send: 0.0 means go.
`acquire_all(buckets)` does the same for several buckets at once (a platform's limit per
account and its limit per chat): a token is taken from every one of them or from none, so a
send that must wait for one bucket spends nothing of the others, in one round trip.
"""

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

from django.conf import settings

logger = logging.getLogger(__name__)

# A token refilled to within this of whole counts as whole: a wait computed as (1 - tokens) /
# rate, once waited, may refill it only to 0.99999… (an epoch in seconds as a float is exact
# to about 0.2 µs), and the next wait would then be too short for the clock to move: a loop
# that never sends. The same in the script below.
TOKEN_EPSILON = 1e-3


@dataclass(frozen=True)
class Bucket:
    """Refilled at `rate` tokens a second, holding at most `burst` (never less than one)."""

    key: str
    rate: float
    burst: float

    @classmethod
    def of(cls, key: str, rate: float, burst: float | None = None) -> "Bucket":
        return cls(key, rate, max(1.0, burst if burst is not None else rate))


@dataclass(frozen=True)
class Fence:
    """A key that must still hold `value` for the tokens to be taken (a lock the caller holds,
    checked in the same atomic call as the buckets). `key` is the key as stored in Redis;
    `held` answers the same question without the script (Redis failed: the process's own
    buckets count, and the lock is read the ordinary way)."""

    key: str
    value: int | str
    held: Callable[[], bool]


class FenceLost(Exception):
    """The fence's key no longer holds the caller's value: no token was taken."""


# KEYS: the fence (when ARGV[2] is not empty), then the buckets. ARGV: now (s), the fence's
# value or '', then rate/s and burst per bucket. Each bucket stores its tokens and last refill.
# Every bucket has a token: one is taken from each, returns '0'. Else nothing is taken (an
# untouched bucket refills the same as one written now) and returns the longest wait.
_BUCKETS_SCRIPT = f"""
local now = tonumber(ARGV[1])
local first = 1
if ARGV[2] ~= '' then
  if redis.call('GET', KEYS[1]) ~= ARGV[2] then
    return 'fence'
  end
  first = 2
end
local counts = {{}}
local wait = 0
for i = first, #KEYS do
  local n = 3 + 2 * (i - first)
  local rate = tonumber(ARGV[n])
  local burst = tonumber(ARGV[n + 1])
  local state = redis.call('HMGET', KEYS[i], 'tokens', 'at')
  local tokens = tonumber(state[1]) or burst
  local at = tonumber(state[2]) or now
  tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
  counts[i] = tokens
  if tokens < 1 - {TOKEN_EPSILON!r} then
    wait = math.max(wait, (1 - tokens) / rate)
  end
end
if wait > 0 then
  return tostring(wait)
end
for i = first, #KEYS do
  local n = 3 + 2 * (i - first)
  local rate = tonumber(ARGV[n])
  local burst = tonumber(ARGV[n + 1])
  redis.call('HSET', KEYS[i], 'tokens', counts[i] - 1, 'at', now)
  redis.call('EXPIRE', KEYS[i], math.ceil(burst / rate) + 60)
end
return '0'
"""


@cache
def _redis_script():
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    # Short and without retries: the web chat asks on every message a shopper sends, and a
    # hung Redis must not hold it (see acquire_all).
    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_timeout=0.1,
        socket_connect_timeout=0.1,
        retry=Retry(NoBackoff(), 0),
    )
    return client.register_script(_BUCKETS_SCRIPT)


class _LocalBuckets:
    def __init__(self):
        self._lock = threading.Lock()
        self._state: dict[str, tuple[float, float]] = {}

    def acquire_all(self, buckets: Sequence[Bucket], now: float) -> float:
        """The script's rule, under this process's lock."""
        with self._lock:
            counts, wait = [], 0.0
            for bucket in buckets:
                tokens, at = self._state.get(bucket.key, (bucket.burst, now))
                tokens = min(bucket.burst, tokens + max(0.0, now - at) * bucket.rate)
                counts.append(tokens)
                if tokens < 1 - TOKEN_EPSILON:
                    wait = max(wait, (1 - tokens) / bucket.rate)
            if wait:
                return wait
            for bucket, tokens in zip(buckets, counts, strict=True):
                self._state[bucket.key] = (tokens - 1, now)
            return 0.0

    def acquire(self, key: str, rate: float, burst: float, now: float) -> float:
        return self.acquire_all([Bucket(key, rate, burst)], now)


_local = _LocalBuckets()


def acquire_all(
    buckets: Sequence[Bucket], *, now: float | None = None, fence: Fence | None = None
) -> float:
    """Takes one token from every bucket if each has one, and returns 0.0: the caller may send
    now. Otherwise takes none and returns the seconds until every bucket has one (the longest
    wait). `now` (epoch seconds) is the caller's clock when it keeps one. With a `fence`, the
    buckets are touched only while its key holds its value, checked in the same atomic call:
    FenceLost (nothing taken) when it does not."""
    now = time.time() if now is None else now
    if settings.REDIS_URL:
        keys = [f"souk:rate:{bucket.key}" for bucket in buckets]
        args: list[float | int | str] = [now, ""]
        if fence is not None:
            keys.insert(0, fence.key)
            args[1] = fence.value
        for bucket in buckets:
            args += [bucket.rate, bucket.burst]
        try:
            answer = _redis_script()(keys=keys, args=args)
        except Exception as exc:
            # Redis down or hung: this process's own bucket still limits, and what the caller
            # was about to store or send is not refused for it.
            logger.warning(
                "rate limit %s counted in process: Redis failed (%s)",
                ", ".join(bucket.key for bucket in buckets),
                exc,
            )
        else:
            if answer == b"fence":
                raise FenceLost(fence.key if fence else "")
            return float(answer)
    if fence is not None and not fence.held():
        raise FenceLost(fence.key)
    return _local.acquire_all(buckets, now)


def acquire(
    key: str, rate: float, burst: float | None = None, *, now: float | None = None
) -> float:
    """Takes one token from bucket `key` refilled at `rate` per second (up to `burst`).
    Returns 0.0 if the caller may send now, else the seconds until it may. `now` (epoch
    seconds) is the caller's clock when it keeps one."""
    return acquire_all([Bucket.of(key, rate, burst)], now=now)
