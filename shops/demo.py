"""The demo shop's team besides its owner, one person per role, to try what each may do."""

from shops.models import Membership, Role, Shop, User

# e-mail, role, name (shown on their replies in the inbox and in the web chat)
DEMO_TEAM = (
    ("manager@souk.test", Role.MANAGER, "Sami Benali"),
    ("agent@souk.test", Role.AGENT, "Jade Morel"),
)


def demo_team(shop: Shop, *, password: str) -> None:
    """Idempotent; the printed password always works (reset if someone changed it)."""
    for email, role, name in DEMO_TEAM:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, password, full_name=name)
        elif not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        Membership.objects.update_or_create(shop=shop, user=user, defaults={"role": role})
