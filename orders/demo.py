"""The demo shop's shipping options (the demo command seeds them beside the catalog)."""

from orders.models import ShippingKind, ShippingRate

DEMO_RATES = (
    # name (the shop's French), its English, kind, amount, free above (minor units, EUR)
    ("Colissimo 48 h", "Colissimo, 48 hours", ShippingKind.FREE_ABOVE, 490, 10000),
    (
        "Retrait à l'atelier (Paris 11e)",
        "Pickup at the workshop (Paris 11th)",
        ShippingKind.PICKUP,
        0,
        None,
    ),
)


def demo_shipping_rates(shop) -> int:
    """Creates the demo rates that are missing (by name), and gives their English name to
    those seeded before rates had translations; returns how many it created."""
    existing = {rate.name: rate for rate in ShippingRate.objects.for_shop(shop)}
    created = 0
    for position, (name, english, kind, amount, free_above) in enumerate(DEMO_RATES):
        translations = {"en": {"name": english}}
        if name in existing:
            rate = existing[name]
            if not rate.translations:
                rate.translations = translations
                rate.save(update_fields=["translations"])
            continue
        ShippingRate.objects.create(
            shop=shop,
            name=name,
            translations=translations,
            kind=kind,
            amount=amount,
            free_above=free_above,
            position=position,
        )
        created += 1
    return created
