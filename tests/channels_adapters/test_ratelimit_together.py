"""The account's and the chat's send buckets, asked together: a token is taken from both or
from neither, the longer wait is answered, in one Redis call (or in process without Redis, or
when Redis fails), and the call refuses to take anything for a worker whose lock is lost."""

import uuid

import pytest

from channels_adapters import ratelimit
from channels_adapters.ratelimit import Bucket, Fence, FenceLost, acquire_all

NOW = 1_800_000_000.0


@pytest.fixture(params=["redis", "in process"])
def where(request, settings, monkeypatch):
    """Each test on Redis (when configured) and on the process's own buckets."""
    monkeypatch.setattr(ratelimit, "_local", ratelimit._LocalBuckets())
    if request.param == "redis":
        request.getfixturevalue("require_redis")
    else:
        settings.REDIS_URL = ""
    return request.param


@pytest.fixture
def names():
    """Bucket names no earlier run has used (Redis keeps them a minute)."""
    run = uuid.uuid4().hex
    return f"acct:{run}", f"rcpt:{run}:42"


def test_a_token_is_taken_from_both_buckets_or_from_neither(where, names):
    account = Bucket.of(names[0], rate=10, burst=3)
    chat = Bucket.of(names[1], rate=1, burst=1)

    assert acquire_all([account, chat], now=NOW) == 0.0
    # The chat's bucket is empty: the send waits the chat's second and takes nothing.
    assert acquire_all([account, chat], now=NOW) == pytest.approx(1.0)
    assert acquire_all([account, chat], now=NOW) == pytest.approx(1.0)

    # The account's bucket lost nothing to the two refused sends: two tokens of three left.
    waits = [acquire_all([account], now=NOW) for _ in range(3)]
    assert waits[:2] == [0.0, 0.0]
    assert waits[2] == pytest.approx(0.1)


def test_the_longer_wait_is_answered_and_the_other_bucket_is_left_whole(where, names):
    account = Bucket.of(names[0], rate=10, burst=1)
    chat = Bucket.of(names[1], rate=1, burst=3)
    assert acquire_all([account], now=NOW) == 0.0  # the account's one token is spent

    # Account: 0.1 s; chat: a token now. The pair waits 0.1 s, and the chat keeps its three.
    assert acquire_all([account, chat], now=NOW) == pytest.approx(0.1)
    assert [acquire_all([chat], now=NOW) for _ in range(3)] == [0.0, 0.0, 0.0]


def test_a_token_refilled_to_within_epsilon_counts_as_whole(where, names):
    account = Bucket.of(names[0], rate=30, burst=1)
    chat = Bucket.of(names[1], rate=1, burst=1)
    assert acquire_all([account, chat], now=NOW) == 0.0
    wait = acquire_all([account, chat], now=NOW)
    # Waited to a hair short of the whole second (a float clock's rounding): it goes.
    assert acquire_all([account, chat], now=NOW + wait - ratelimit.TOKEN_EPSILON / 2) == 0.0


def test_nothing_is_taken_for_a_worker_whose_fence_no_longer_holds(require_redis, names):
    from django.core.cache import cache

    account = Bucket.of(names[0], rate=10, burst=1)
    lock = f"souk:test-lock:{uuid.uuid4().hex}"
    cache.set(lock, 7, 30)  # an integer: stored as its digits, as the send lock's token is
    fence = Fence(cache.make_key(lock), 7, held=lambda: pytest.fail("Redis answered"))

    assert acquire_all([account], now=NOW, fence=fence) == 0.0
    cache.set(lock, 8, 30)  # another worker holds it now
    with pytest.raises(FenceLost):
        acquire_all([account], now=NOW + 1, fence=fence)
    # The refused call took nothing: a second after the first send, the token is back.
    assert acquire_all([account], now=NOW + 1) == 0.0


@pytest.fixture
def redis_down(settings):
    """REDIS_URL names a server that refuses connections (the cache is left as it is)."""
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    ratelimit._redis_script.cache_clear()
    yield
    ratelimit._redis_script.cache_clear()


def test_when_redis_fails_the_process_buckets_count_both_or_neither(redis_down, names, monkeypatch):
    monkeypatch.setattr(ratelimit, "_local", ratelimit._LocalBuckets())
    account = Bucket.of(names[0], rate=10, burst=2)
    chat = Bucket.of(names[1], rate=1, burst=1)

    assert acquire_all([account, chat], now=NOW) == 0.0
    assert acquire_all([account, chat], now=NOW) == pytest.approx(1.0)
    assert acquire_all([account], now=NOW) == 0.0  # the account's second token was kept


def test_when_redis_fails_the_fence_is_checked_the_ordinary_way(redis_down, names):
    account = Bucket.of(names[0], rate=10, burst=5)
    still_held = Fence("unused", 1, held=lambda: True)
    lost = Fence("unused", 1, held=lambda: False)

    assert acquire_all([account], now=NOW, fence=still_held) == 0.0
    with pytest.raises(FenceLost):
        acquire_all([account], now=NOW, fence=lost)


def test_the_web_chats_single_bucket_still_answers_its_wait(where, names):
    key = names[1]
    assert [ratelimit.acquire(key, rate=2, now=NOW) for _ in range(2)] == [0.0, 0.0]
    assert ratelimit.acquire(key, rate=2, now=NOW) == pytest.approx(0.5)
