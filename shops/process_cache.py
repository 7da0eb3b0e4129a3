"""Rarely changing rows cached in process memory, invalidated when they change.

For lookups made on every message or every order and changed a few times a year: a shop's
channel accounts (channels_adapters/account_cache.py) and its webhook endpoints
(shops/webhooks/selectors.py). Each `ProcessCache` watches some models.

How long an entry can be stale:
- in the process that saved or deleted a watched model through the ORM: not at all (post_save
  and post_delete clear the process's entries at once, and again on commit);
- in every other process: at most VERSION_CHECK seconds after the commit. The commit bumps the
  cache's version key in the shared cache (Redis in production); a process compares it with
  the version its entries were loaded under at most once every VERSION_CHECK seconds, and
  drops them all when it changed. The version is read before an entry is loaded, so an entry
  loaded while a write was committing is dropped at the next check, never kept under the new
  version;
- after a write that bypasses the ORM's signals (QuerySet.update, raw SQL, the shared cache
  flushed or unreachable): at most MAX_AGE seconds, the life of any entry.
"""

import logging
import threading
import time
import uuid
from collections.abc import Callable, Hashable, Iterable

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

logger = logging.getLogger(__name__)

VERSION_CHECK = 1.0
MAX_AGE = 60.0
# A bound on memory for a process serving very many shops: past it, the entries start over.
MAX_ENTRIES = 20_000

_caches: list["ProcessCache"] = []


def _clock() -> float:
    return time.monotonic()


class ProcessCache:
    def __init__(self, name: str, *, watches: Iterable[type]) -> None:
        self.version_key = f"souk:process-cache:{name}:version"
        self._lock = threading.Lock()
        self._entries: dict[Hashable, tuple[float, object]] = {}
        self._version: str | None = None
        self._checked_at = float("-inf")
        for model in watches:
            uid = f"process_cache_{name}_{model._meta.label}"
            post_save.connect(self._changed, sender=model, dispatch_uid=uid, weak=False)
            post_delete.connect(self._changed, sender=model, dispatch_uid=f"{uid}_d", weak=False)
        _caches.append(self)

    def clear(self) -> None:
        """Drops this process's entries."""
        with self._lock:
            self._entries = {}
            self._checked_at = float("-inf")

    def _changed(self, sender, **kwargs) -> None:
        self.clear()
        # Other processes learn it once the change is visible to them.
        transaction.on_commit(self._bump_version)

    def _bump_version(self) -> None:
        self.clear()
        try:
            cache.set(self.version_key, uuid.uuid4().hex, timeout=None)
        except Exception:
            # Committed already; the other processes catch up within MAX_AGE.
            logger.warning("%s: version not bumped", self.version_key, exc_info=True)

    def _sync(self, now: float) -> None:
        if now - self._checked_at < VERSION_CHECK:
            return
        try:
            version = cache.get(self.version_key)
            if version is None:
                # First use, or the shared cache lost it: whatever was cached may be older
                # than the last write, so start a new version.
                cache.add(self.version_key, uuid.uuid4().hex, timeout=None)
                version = cache.get(self.version_key)
        except Exception:
            # The shared cache unreachable must not stop webhooks or orders (the database
            # has the truth): no news of other processes' writes, so keep nothing longer
            # than one check.
            logger.warning("%s unreadable", self.version_key, exc_info=True)
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
        them (a key it leaves out is cached as None: "there is none" is an answer too)."""
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

    def get(self, key: Hashable, load: Callable[[], object]) -> object:
        """The value cached under `key`, loaded by `load()` when absent or too old."""
        return self.get_many([key], lambda keys: {key: load()})[key]


def clear_process_caches() -> None:
    """Drops every cache's entries in this process (tests call it between tests: ids repeat
    across tests on SQLite)."""
    for process_cache in _caches:
        process_cache.clear()
