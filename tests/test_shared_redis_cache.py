"""The Redis cache (config/cache.py) keeps one client per pool and behaves as Django's: what a
conversation's send lock relies on (add refuses a held key, touch, delete) still holds."""

import os

import pytest
from django.core.cache.backends.redis import RedisCache

from config.cache import SharedClientRedisCache

pytestmark = pytest.mark.services


@pytest.fixture
def cache(require_redis):
    backend = SharedClientRedisCache(
        os.environ["REDIS_URL"], {"KEY_PREFIX": "souk-test-shared-client"}
    )
    backend.clear()
    yield backend
    backend.clear()


def test_one_client_serves_every_operation(cache):
    first = cache._cache.get_client(write=True)
    cache.set("a", 1)
    cache.get("a")
    assert cache._cache.get_client(write=True) is first
    # Django's own backend builds a client per operation: this is what is saved.
    plain = RedisCache(os.environ["REDIS_URL"], {})
    assert plain._cache.get_client(write=True) is not plain._cache.get_client(write=True)


def test_the_send_lock_semantics_hold(cache):
    assert cache.add("souk:send-lock:42", "token-a", 30)
    assert not cache.add("souk:send-lock:42", "token-b", 30)  # held: the other worker waits
    assert cache.get("souk:send-lock:42") == "token-a"
    assert cache.touch("souk:send-lock:42", 30)
    cache.delete("souk:send-lock:42")
    assert cache.add("souk:send-lock:42", "token-b", 30)
    assert cache.get_many(["souk:send-lock:42", "missing"]) == {"souk:send-lock:42": "token-b"}
