"""Taking units from stock and giving them back, safely under concurrency.

Every take is one conditional UPDATE (`stock = stock - n WHERE stock >= n`): the database
decides who gets the last unit, no read-then-write race, no oversell. Takes for several
variants go in ascending variant id, so two checkouts never lock the same rows in opposite
orders (a deadlock). Callers hold the transaction; keep it short and never call a payment
provider inside it.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F

from catalog.models import Variant
from orders.models import ReservationState, StockReservation


class NotEnoughStock(Exception):
    def __init__(self, variant: Variant, available: int):
        self.variant, self.available = variant, available
        super().__init__(f"Only {available} of {variant.sku} left")


@dataclass(frozen=True)
class Want:
    variant: Variant
    quantity: int


def take(wants: list[Want]) -> list[tuple[Want, bool]]:
    """Takes every wanted quantity or none (raises NotEnoughStock; the caller's transaction
    rolls back the takes already made). Returns each want with whether stock was taken
    (untracked variants are never short)."""
    taken = []
    for want in sorted(wants, key=lambda w: w.variant.pk):
        if not want.variant.track_stock:
            taken.append((want, False))
            continue
        updated = Variant.objects.filter(
            pk=want.variant.pk, track_stock=True, stock__gte=want.quantity
        ).update(stock=F("stock") - want.quantity)
        if not updated:
            left = Variant.objects.filter(pk=want.variant.pk).values_list("stock", flat=True)
            raise NotEnoughStock(want.variant, max(0, left.first() or 0))
        taken.append((want, True))
    return taken


def give_back(reservations: list[StockReservation]) -> None:
    """Releases reservations, held or sold (a paid order cancelled): their units go back to
    stock, exactly once (the state change is conditional, so a second release of the same row
    finds nothing to do)."""
    for reservation in sorted(reservations, key=lambda r: (r.variant_id, r.pk)):
        released = (
            StockReservation.objects.filter(pk=reservation.pk)
            .exclude(state=ReservationState.RELEASED)
            .update(state=ReservationState.RELEASED)
        )
        if released and reservation.from_stock:
            Variant.objects.filter(pk=reservation.variant_id).update(
                stock=F("stock") + reservation.quantity
            )
        reservation.state = ReservationState.RELEASED


def retake(reservations: list[StockReservation]) -> bool:
    """Takes released reservations' units again (a payment landed after they expired).
    True when all could be taken; otherwise nothing is taken."""
    wants = []
    for reservation in reservations:
        variant = Variant(pk=reservation.variant_id, track_stock=reservation.from_stock)
        wants.append(Want(variant, reservation.quantity))
    try:
        with transaction.atomic():  # a savepoint: a partial take is undone
            take(wants)
    except NotEnoughStock:
        return False
    StockReservation.objects.filter(pk__in=[r.pk for r in reservations]).update(
        state=ReservationState.HELD
    )
    return True
