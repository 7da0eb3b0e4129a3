"""Channel accounts (with their shop) and webhook routes, cached in each process
(shops/process_cache.py says how long an entry can be stale: not at all in the process that
changed it, VERSION_CHECK seconds elsewhere, MAX_AGE after a change that bypassed the ORM).

Every inbound event reads its channel twice, once to route the webhook and once to process
it, and the answer almost never changes: brands connect a channel once and rarely touch its
settings. Caching them spares one SQL query on each side (docs/performance.md, "Queries per
message"), and the decryption of the credentials on each event.

Callers get a copy of the cached instances: changing one never changes what the next caller
reads.
"""

import copy
from collections.abc import Callable, Hashable, Iterable

from channels_adapters.models import ChannelAccount
from shops.models import Shop
from shops.process_cache import ProcessCache

_cache = ProcessCache("channel-accounts", watches=(ChannelAccount, Shop))


def cached(key: Hashable, load: Callable[[], object]) -> object:
    return _cache.get(key, load)


def cached_many(
    keys: Iterable[Hashable], load: Callable[[list[Hashable]], dict]
) -> dict[Hashable, object]:
    return _cache.get_many(keys, load)


def channel_account(channel_id: int) -> ChannelAccount | None:
    """The channel with its shop, whatever its status (None if it does not exist)."""
    account = _cache.get(
        ("account", channel_id),
        lambda: ChannelAccount.objects.select_related("shop").filter(pk=channel_id).first(),
    )
    if account is None:
        return None
    duplicate = copy.copy(account)
    duplicate.shop = copy.copy(account.shop)
    return duplicate
