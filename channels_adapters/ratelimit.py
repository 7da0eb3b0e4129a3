"""Send-rate limits shared by every worker: a token bucket per key in Redis (one Lua call,
atomic), or in process memory when there is no Redis (development: one process sends).

`acquire(key, rate)` answers how long to wait before the caller may send: 0.0 means go.
"""

import logging
import threading
import time
from functools import cache

from django.conf import settings

logger = logging.getLogger(__name__)

# A token refilled to within this of whole counts as whole: a wait computed as (1 - tokens) /
# rate, once waited, may refill it only to 0.99999… (an epoch in seconds as a float is exact
# to about 0.2 µs), and the next wait would then be too short for the clock to move: a loop
# that never sends. The same in the script below.
TOKEN_EPSILON = 1e-3

# KEYS[1] bucket; ARGV rate/s, burst, now (s). Stores tokens and last refill; returns the wait.
_BUCKET_SCRIPT = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 - 1e-3 then
  tokens = tokens - 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', now)
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 60)
return tostring(wait)
"""


@cache
def _redis_script():
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    # Short and without retries: the web chat asks on every message a shopper sends, and a
    # hung Redis must not hold it (see acquire).
    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_timeout=0.1,
        socket_connect_timeout=0.1,
        retry=Retry(NoBackoff(), 0),
    )
    return client.register_script(_BUCKET_SCRIPT)


class _LocalBuckets:
    def __init__(self):
        self._lock = threading.Lock()
        self._state: dict[str, tuple[float, float]] = {}

    def acquire(self, key: str, rate: float, burst: float, now: float) -> float:
        with self._lock:
            tokens, at = self._state.get(key, (burst, now))
            tokens = min(burst, tokens + max(0.0, now - at) * rate)
            wait = 0.0
            if tokens >= 1 - TOKEN_EPSILON:
                tokens -= 1
            else:
                wait = (1 - tokens) / rate
            self._state[key] = (tokens, now)
            return wait


_local = _LocalBuckets()


def acquire(
    key: str, rate: float, burst: float | None = None, *, now: float | None = None
) -> float:
    """Takes one token from bucket `key` refilled at `rate` per second (up to `burst`).
    Returns 0.0 if the caller may send now, else the seconds until it may. `now` (epoch
    seconds) is the caller's clock when it keeps one."""
    burst = max(1.0, burst if burst is not None else rate)
    now = time.time() if now is None else now
    if settings.REDIS_URL:
        try:
            return float(_redis_script()(keys=[f"souk:rate:{key}"], args=[rate, burst, now]))
        except Exception as exc:
            # Redis down or hung: this process's own bucket still limits, and what the caller
            # was about to store or send is not refused for it.
            logger.warning("rate limit %s counted in process: Redis failed (%s)", key, exc)
    return _local.acquire(key, rate, burst, now)
