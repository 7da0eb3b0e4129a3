"""The demo shop's team besides its owner, one person per role, to try what each may do."""

from shops.models import Membership, Role, Shop, User

DEMO_TEAM = (("manager@souk.test", Role.MANAGER), ("agent@souk.test", Role.AGENT))


def demo_team(shop: Shop, *, password: str) -> None:
    """Idempotent; the printed password always works (reset if someone changed it)."""
    for email, role in DEMO_TEAM:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, password)
        elif not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        Membership.objects.update_or_create(shop=shop, user=user, defaults={"role": role})
