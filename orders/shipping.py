"""A shop's shipping rates as the brand manages them: the one place their rules live, for the
REST API (/api/v1/shipping-rates/) and the dashboard's shipping pages alike. (What shoppers
are offered, active rates only, is orders.selectors.shipping_rates.)"""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from orders.models import ShippingKind, ShippingRate
from shops.models import Shop, User

logger = logging.getLogger(__name__)

RATE_FIELDS = frozenset(
    {
        "name",
        "kind",
        "amount",
        "free_above",
        "is_active",
        "position",
        "delivery_days_min",
        "delivery_days_max",
        "translations",  # checked by the caller (orders.translations.RATE_TEXT_FIELDS)
    }
)
FREE_ABOVE_REQUIRED = "Required for a 'free_above' rate: the amount from which it is free."
NOT_NEGATIVE = "Cannot be negative."
AT_LEAST_A_DAY = "At least 1 business day (leave it blank to promise nothing)."
DAYS_IN_ORDER = "Cannot be fewer days than the shortest delivery."


def shipping_rate_list(*, shop: Shop):
    """Every rate, inactive ones included, in the order shoppers see them."""
    return ShippingRate.objects.for_shop(shop).order_by("position", "id")


def _validate(rate: ShippingRate) -> None:
    errors: dict[str, list[str]] = {}
    if rate.kind == ShippingKind.FREE_ABOVE and rate.free_above is None:
        errors.setdefault("free_above", []).append(FREE_ABOVE_REQUIRED)
    # The check constraint would only say "constraint violated" for the whole form.
    for name in ("amount", "free_above"):
        value = getattr(rate, name)
        if value is not None and value < 0:
            errors.setdefault(name, []).append(NOT_NEGATIVE)
    shortest, longest = rate.delivery_days_min, rate.delivery_days_max
    for name, days in (("delivery_days_min", shortest), ("delivery_days_max", longest)):
        if days is not None and days < 1:
            errors.setdefault(name, []).append(AT_LEAST_A_DAY)
    if shortest is not None and longest is not None and 1 <= longest < shortest:
        errors.setdefault("delivery_days_max", []).append(DAYS_IN_ORDER)
    if errors:
        raise ValidationError(errors)
    rate.full_clean(exclude=["shop"])


def _set(rate: ShippingRate, fields: dict) -> None:
    unknown = set(fields) - RATE_FIELDS
    if unknown:
        raise TypeError(f"A shipping rate has no {sorted(unknown)}")
    for name, value in fields.items():
        setattr(rate, name, value)


def _who(actor: User | None) -> str:
    return f"user {actor.pk}" if actor is not None else "api"


def shipping_rate_create(*, shop: Shop, actor: User | None = None, **fields) -> ShippingRate:
    """A new rate; without a `position` it goes last. Raises ValidationError naming fields."""
    rate = ShippingRate(shop=shop)
    _set(rate, fields)
    with transaction.atomic():
        if "position" not in fields:
            last = ShippingRate.objects.for_shop(shop).aggregate(last=Max("position"))["last"]
            rate.position = 0 if last is None else last + 1
        _validate(rate)
        rate.save()
    logger.info("shop %s shipping rate %s created by %s", shop.pk, rate.pk, _who(actor))
    return rate


def shipping_rate_update(
    *, rate: ShippingRate, actor: User | None = None, **fields
) -> ShippingRate:
    """Changes the given fields; the rules apply to the rate as it ends up. On a
    ValidationError nothing is saved and `rate` is left as it was."""
    changed = ShippingRate.objects.get(pk=rate.pk)
    _set(changed, fields)
    _validate(changed)
    changed.save()
    logger.info(
        "shop %s shipping rate %s updated by %s: %s",
        changed.shop_id,
        changed.pk,
        _who(actor),
        ", ".join(sorted(fields)),
    )
    return changed


def shipping_rate_delete(*, rate: ShippingRate, actor: User | None = None) -> None:
    """Orders and checkouts keep their shipping method's name and cost; their link to the
    rate is cleared (SET_NULL)."""
    shop_id, rate_id, name = rate.shop_id, rate.pk, rate.name
    rate.delete()
    logger.info("shop %s shipping rate %s (%s) deleted by %s", shop_id, rate_id, name, _who(actor))


def shipping_rate_move(*, rate: ShippingRate, up: bool, actor: User | None = None) -> bool:
    """Swaps the rate with its neighbour in the display order (the order shoppers see them
    in). Positions are renumbered 0…n-1 on the way, as rates created through the API may all
    share position 0. False when the rate is already first (or last)."""
    with transaction.atomic():
        rates = list(
            ShippingRate.objects.for_shop(rate.shop_id)
            .select_for_update()
            .order_by("position", "id")
        )
        index = next((i for i, r in enumerate(rates) if r.pk == rate.pk), None)
        other = -1 if index is None else index - 1 if up else index + 1
        if not 0 <= other < len(rates):
            return False
        rates[index], rates[other] = rates[other], rates[index]
        for position, each in enumerate(rates):
            each.position = position
        ShippingRate.objects.bulk_update(rates, ["position"])
    logger.info(
        "shop %s shipping rate %s moved %s by %s",
        rate.shop_id,
        rate.pk,
        "up" if up else "down",
        _who(actor),
    )
    return True
