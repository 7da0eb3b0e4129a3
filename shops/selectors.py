import hashlib
from datetime import timedelta

from django.utils import timezone

from shops.models import ApiKey, Membership, Shop

API_KEY_PREFIX = "souk_"
# last_used_at is written at most this often per key, so reads stay reads.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def api_key_digest(raw_key: str) -> str:
    # Keys are 256-bit random tokens: a fast hash is enough (nothing to brute-force).
    return hashlib.sha256(raw_key.encode()).hexdigest()


def api_key_authenticate(*, raw_key: str) -> ApiKey | None:
    """The active key matching `raw_key`, with its shop; None for an unknown or revoked key."""
    if not raw_key.startswith(API_KEY_PREFIX) or len(raw_key) > 100:
        return None
    key = (
        ApiKey.objects.select_related("shop")
        .filter(digest=api_key_digest(raw_key), revoked_at__isnull=True)
        .first()
    )
    if key is not None:
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
            key.last_used_at = now
    return key


def api_key_list(*, shop: Shop):
    return ApiKey.objects.filter(shop=shop).order_by("-created_at", "-id")


def shop_memberships(*, shop: Shop):
    return Membership.objects.filter(shop=shop).select_related("user")
