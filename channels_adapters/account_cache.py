"""Channel accounts (with their shop) and webhook routes, cached in each process.

Every inbound event reads its channel twice, once to route the webhook and once to process
it, and the answer almost never changes: brands connect a channel once and rarely touch its
settings. Caching them in process memory spares one SQL query on each side (docs/performance.md,
"Queries per message"), and the decryption of the credentials on each event.

How long an entry can be stale:
- in the process that saved or deleted a ChannelAccount or a Shop through the ORM: not at all
  (post_save / post_delete clear the process's entries at once, and again on commit);
- in every other process: at most VERSION_CHECK seconds after the commit. The commit bumps a
  version key in the shared cache (Redis in production); a process compares it with the version
  its entries were loaded under at most once every VERSION_CHECK seconds, and drops them all
  when it changed. The version is read before an entry is loaded, so an entry loaded while a
  write was committing is dropped at the next check, never kept under the new version;
- after a write that bypasses the ORM's signals (QuerySet.update, raw SQL, the shared cache
  flushed or unreachable): at most MAX_AGE seconds, the life of any entry.

Callers get a copy of the cached instances: changing one never changes what the next caller
reads.
"""

import copy
import logging
import threading
import time
import uuid
from collections.abc import Callable, Hashable, Iterable

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from channels_adapters.models import ChannelAccount
from shops.models import Shop

logger = logging.getLogger(__name__)

VERSION_KEY = "souk:channel-accounts:version"
VERSION_CHECK = 1.0
MAX_AGE = 60.0
# A bound on memory for a process serving very many channels: past it, the entries start over.
MAX_ENTRIES = 20_000

_MISSING = object()


def _clock() -> float:
    return time.monotonic()


class _ProcessCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[Hashable, tuple[float, object]] = {}
        self._version: str | None = None
        self._checked_at = float("-inf")

    def clear(self) -> None:
        with self._lock:
            self._entries = {}
            self._checked_at = float("-inf")

    def _sync(self, now: float) -> None:
        if now - self._checked_at < VERSION_CHECK:
            return
        try:
            version = cache.get(VERSION_KEY)
            if version is None:
                # First use, or the shared cache lost it: whatever was cached may be older
                # than the last write, so start a new version.
                cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
                version = cache.get(VERSION_KEY)
        except Exception:
            # The shared cache unreachable must not stop webhooks (the events are stored in
            # the database): no news of other processes' writes, so keep nothing longer than
            # one check.
            logger.warning("channel account cache: shared version unreadable", exc_info=True)
            version = None
        with self._lock:
            if version != self._version or version is None:
                self._entries = {}
                self._version = version
            self._checked_at = now

    def get_many(
        self, keys: Iterable[Hashable], load: Callable[[list[Hashable]], dict]
    ) -> dict[Hashable, object]:
        """{key: value} for `keys`; `load(missing keys)` returns what the database has for
        them (a key it leaves out is cached as None: "no such channel" is an answer too)."""
        now = _clock()
        self._sync(now)
        found, missing = {}, []
        for key in keys:
            entry = self._entries.get(key)
            if entry is None or now - entry[0] > MAX_AGE:
                missing.append(key)
            else:
                found[key] = entry[1]
        if missing:
            loaded = load(missing)
            with self._lock:
                if len(self._entries) + len(missing) > MAX_ENTRIES:
                    self._entries = {}
                for key in missing:
                    value = loaded.get(key)
                    self._entries[key] = (now, value)
                    found[key] = value
        return found


_cache = _ProcessCache()


def cached(key: Hashable, load: Callable[[], object]) -> object:
    """The value cached under `key`, loaded by `load()` when absent or too old."""
    return _cache.get_many([key], lambda keys: {key: load()})[key]


def cached_many(
    keys: Iterable[Hashable], load: Callable[[list[Hashable]], dict]
) -> dict[Hashable, object]:
    return _cache.get_many(keys, load)


def _copy_account(account: ChannelAccount | None) -> ChannelAccount | None:
    if account is None:
        return None
    duplicate = copy.copy(account)
    duplicate.shop = copy.copy(account.shop)
    return duplicate


def channel_account(channel_id: int) -> ChannelAccount | None:
    """The channel with its shop, whatever its status (None if it does not exist)."""
    account = cached(
        ("account", channel_id),
        lambda: ChannelAccount.objects.select_related("shop").filter(pk=channel_id).first(),
    )
    return _copy_account(account)


def clear_process_cache() -> None:
    """Drops this process's entries (tests call it between tests)."""
    _cache.clear()


def _bump_version() -> None:
    _cache.clear()
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:
        # Committed already; the other processes catch up within MAX_AGE.
        logger.warning("channel account cache: version not bumped", exc_info=True)


def _changed(sender, **kwargs) -> None:
    _cache.clear()
    # Other processes learn it once the change is visible to them.
    transaction.on_commit(_bump_version)


for _model in (ChannelAccount, Shop):
    post_save.connect(_changed, sender=_model, dispatch_uid=f"account_cache_{_model.__name__}")
    post_delete.connect(
        _changed, sender=_model, dispatch_uid=f"account_cache_{_model.__name__}_delete"
    )
