"""The demo shop's team besides its owner, one person per role, to try what each may do, and
the answers its bot gives about delivery and returns."""

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


# In the demo shop's language (French); a shopper asking "combien de temps pour la livraison ?"
# gets these words, which the brand edits in Settings → Shop.
DEMO_DELIVERY_INFO = (
    "Livraison en 48 h ouvrées en France métropolitaine (Colissimo), offerte dès 60 €. "
    "Vous recevez le numéro de suivi dès l'expédition."
)
DEMO_RETURNS_INFO = (
    "Retours gratuits sous 30 jours : répondez « retour » avec votre numéro de commande et "
    "nous vous envoyons l'étiquette. Remboursement sous 5 jours après réception."
)


def demo_answers(shop: Shop) -> None:
    """Fills the answers the brand has not written yet; never overwrites what it changed."""
    changed = []
    if not shop.delivery_info:
        shop.delivery_info = DEMO_DELIVERY_INFO
        changed.append("delivery_info")
    if not shop.returns_info:
        shop.returns_info = DEMO_RETURNS_INFO
        changed.append("returns_info")
    if changed:
        shop.save(update_fields=changed)
