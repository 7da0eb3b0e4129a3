"""Who of the team is around, kept in the cache, never in the database: a key per person per
shop ("online": used the inbox in the last few minutes) and per person per conversation
("viewing": has it open). Keys expire by themselves, so nobody has to sign out of anything,
and each person writes only their own keys, so two agents refreshing at once never overwrite
each other."""

from collections.abc import Iterable

from django.core.cache import cache

# An agent counts as online this long after their last request in the inbox (its pages
# refresh every 15 seconds while open).
ONLINE_SECONDS = 5 * 60
# Another agent is "also looking" at a conversation for this long after their last ping.
VIEWING_SECONDS = 60


def _online_key(shop_id: int, user_id: int) -> str:
    return f"souk:inbox:online:{shop_id}:{user_id}"


def _viewing_key(conversation_id: int, user_id: int) -> str:
    return f"souk:inbox:viewing:{conversation_id}:{user_id}"


def presence_touch(*, shop_id: int, user_id: int, conversation_id: int | None = None) -> None:
    """Marks the person online in the shop and, with `conversation_id`, viewing it."""
    cache.set(_online_key(shop_id, user_id), 1, ONLINE_SECONDS)
    if conversation_id is not None:
        cache.set(_viewing_key(conversation_id, user_id), 1, VIEWING_SECONDS)


def presence_leave(*, conversation_id: int, user_id: int) -> None:
    cache.delete(_viewing_key(conversation_id, user_id))


def online_user_ids(*, shop_id: int, user_ids: Iterable[int]) -> set[int]:
    """Which of `user_ids` (the shop's team) are online: one cache round trip."""
    keys = {_online_key(shop_id, user_id): user_id for user_id in user_ids}
    if not keys:
        return set()
    return {keys[key] for key in cache.get_many(list(keys))}


def viewer_ids(*, conversation_id: int, user_ids: Iterable[int]) -> set[int]:
    """Which of `user_ids` have the conversation open: one cache round trip."""
    keys = {_viewing_key(conversation_id, user_id): user_id for user_id in user_ids}
    if not keys:
        return set()
    return {keys[key] for key in cache.get_many(list(keys))}
