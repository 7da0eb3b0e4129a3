import hashlib
from datetime import timedelta

from django.apps import apps
from django.db.models import Case, Exists, IntegerField, OuterRef, Value, When
from django.utils import timezone

from shops.models import ApiKey, Invitation, Membership, Role, Shop

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


def shop_has_orders(*, shop: Shop) -> bool:
    # shops sits below orders (docs/architecture.md): the model is looked up by name so this
    # module never imports orders.
    return apps.get_model("orders", "Order").objects.filter(shop=shop).exists()


def team_member_list(*, shop: Shop):
    """The team page: members with their user and `has_2fa` (a TOTP or security key), owners
    first. One query whatever the team's size."""
    authenticator = apps.get_model("mfa", "Authenticator")
    second_factor = authenticator.objects.filter(
        user=OuterRef("user_id"), type__in=["totp", "webauthn"]
    )
    role_rank = Case(
        *(When(role=role, then=Value(rank)) for rank, role in enumerate(Role.values)),
        output_field=IntegerField(),
    )
    return (
        Membership.objects.filter(shop=shop)
        .select_related("user")
        .annotate(has_2fa=Exists(second_factor), role_rank=role_rank)
        .order_by("role_rank", "user__email", "id")
    )


def invitation_open_list(*, shop: Shop):
    """Invitations neither accepted nor revoked, expired ones included (they can be resent)."""
    return (
        Invitation.objects.for_shop(shop)
        .filter(accepted_at__isnull=True, revoked_at__isnull=True)
        .select_related("invited_by")
        .order_by("-created_at", "-id")
    )
