"""The demo shop's team besides its owner, one person per role, to try what each may do, and
the answers its bot gives about delivery and returns (in French, and in English for English
speakers)."""

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
# French typography: no-break spaces in "48 h", "60 €", before ":" and inside « ».
DEMO_DELIVERY_INFO = (
    "Livraison en 48\u00a0h ouvrées en France métropolitaine (Colissimo), offerte dès 60\u00a0€. "
    "Vous recevez le numéro de suivi dès l'expédition."
)
DEMO_RETURNS_INFO = (
    "Retours gratuits sous 30\u00a0jours\u00a0: répondez «\u00a0retour\u00a0» avec votre numéro "
    "de commande et nous vous envoyons l'étiquette. Remboursement sous 5\u00a0jours après "
    "réception."
)


# The same answers for an English-speaking shopper (Shop.translations, shops/translations.py).
DEMO_ANSWERS_EN = {
    "delivery_info": (
        "Delivered in 2 working days in mainland France (Colissimo), free from €60. "
        "You get the tracking number as soon as it ships."
    ),
    "returns_info": (
        "Free returns within 30 days: reply “return” with your order number and we send you "
        "the label. Refunded within 5 days of receiving it."
    ),
}

DEMO_FRENCH = {"delivery_info": DEMO_DELIVERY_INFO, "returns_info": DEMO_RETURNS_INFO}


def demo_answers(shop: Shop) -> None:
    """Fills the answers the brand has not written yet, in French and in English; never
    overwrites what it changed."""
    changed = set()
    if not shop.delivery_info:
        shop.delivery_info = DEMO_DELIVERY_INFO
        changed.add("delivery_info")
    if not shop.returns_info:
        shop.returns_info = DEMO_RETURNS_INFO
        changed.add("returns_info")
    if shop.language != "en":
        english = dict((shop.translations or {}).get("en") or {})
        for field, text in DEMO_ANSWERS_EN.items():
            # Only beside the demo's own French: a brand's answer is not "translated" by ours.
            ours = _words(getattr(shop, field)) == _words(DEMO_FRENCH[field])
            if ours and not english.get(field):
                english[field] = text
                changed.add("translations")
        if english:
            shop.translations = {**(shop.translations or {}), "en": english}
    if changed:
        shop.save(update_fields=sorted(changed))


def _words(text: str) -> list[str]:
    # The same words whatever the spaces: a demo seeded before its text gained no-break spaces
    # still counts as the demo's own.
    return text.split()
