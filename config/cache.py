"""Django's Redis cache backend, with one Redis client per connection pool instead of one per
operation.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` around the shared pool for
every cache call; building one costs about 50 µs here (its response-callback tables), as much
as the GET it is for. The send pipeline takes a conversation lock, checks wake-ups and rate
limits through the cache several times per message (bench end_to_end's profile: 5 % of the
Celery worker). A `redis.Redis` holds no connection of its own (the pool lends one per command,
thread-safely, and resets itself after a fork), so one per pool is shared by every caller of
the process.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._client(connection_pool=self._get_connection_pool(write))
            self._clients[index] = client
        return client


class SharedClientRedisCache(RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
