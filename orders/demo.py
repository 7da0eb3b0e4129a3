"""The demo shop's shipping options (the demo command seeds them beside the catalog)."""

from orders.models import ShippingKind, ShippingRate

DEMO_RATES = (
    # name, kind, amount, free above (minor units, EUR)
    ("Colissimo 48 h", ShippingKind.FREE_ABOVE, 490, 10000),
    ("Retrait à l'atelier (Paris 11e)", ShippingKind.PICKUP, 0, None),
)


def demo_shipping_rates(shop) -> int:
    """Creates the demo rates that are missing (by name); returns how many it created."""
    existing = set(ShippingRate.objects.for_shop(shop).values_list("name", flat=True))
    created = 0
    for position, (name, kind, amount, free_above) in enumerate(DEMO_RATES):
        if name in existing:
            continue
        ShippingRate.objects.create(
            shop=shop,
            name=name,
            kind=kind,
            amount=amount,
            free_above=free_above,
            position=position,
        )
        created += 1
    return created
