"""Collecting an order's money and giving it back.

  payment_link_start     a Payment for the order; its hosted page is created by a task
  payment_saved_start    "reply OK to pay with Visa •••• 4242": the charge runs in a task
  payment_outcome_record what the provider says happened (pay page, webhook, task, invoice)
  refund_create          full or partial, through the provider that took the money
  order_cancel_and_refund  cancel; a paid order is refunded first (API and dashboard)
  shop_payment_settings_update  the shop's provider and its own Stripe keys (checked first)
  provider_work_due      pay links, saved-card charges and refunds whose task was lost (sweeper)

The rule for every provider call (DESIGN.md): the row that names it (Payment, Refund) is
committed first, the call runs outside any transaction with the row's idempotency key, and
its outcome is recorded in a new short transaction. A crash between two steps is retried
from the row, never charged twice.
"""

import logging
import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from orders import lifecycle
from orders.events import order_event
from orders.models import Order
from orders.transitions import FulfillmentStatus, InvalidTransition, PaymentStatus
from payments import selectors
from payments.collected import collected_details_record
from payments.models import (
    Payment,
    PaymentKind,
    PaymentMethod,
    PaymentState,
    Provider,
    Refund,
    RefundState,
    ShopPaymentSettings,
)
from payments.providers import base
from payments.providers.registry import provider_for

logger = logging.getLogger(__name__)

# A provider call owed (next_attempt_at) and untouched this long is taken as lost by the
# sweeper: its task was never published (broker down) or its worker was killed mid-call.
SWEEP_AFTER = timedelta(seconds=20)
# The sweeper stops re-enqueueing work this old (provider down for a day: the order's stock
# reservation has long expired and cancelled it anyway).
SWEEP_GIVE_UP_AFTER = timedelta(days=1)


class PaymentError(Exception):
    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.code = code


def default_provider(*, shop_id: int | None = None) -> str:
    """The provider for a shop's new payments: the one the shop chose (dashboard, payment
    settings), else Stripe when the platform has a key, else the test provider."""
    if shop_id is not None:
        chosen = selectors.shop_payment_provider(shop_id=shop_id)
        if chosen:
            return chosen
    return Provider.STRIPE if settings.STRIPE_SECRET_KEY else Provider.TEST


def saved_method_for_new_payment(*, customer) -> PaymentMethod | None:
    """The card the shopper saved with the provider of the shop's new payments (one query)."""
    return selectors.saved_method_for_chosen_provider(
        customer=customer, fallback=default_provider()
    )


def _payable(order: Order) -> None:
    if order.payment_status not in (PaymentStatus.AWAITING, PaymentStatus.FAILED):
        raise PaymentError(
            f"Order #{order.number} is {order.get_payment_status_display().lower()}.",
            code="not_payable",
        )


def _new_payment(
    order: Order, *, provider: str, kind: str, method=None, task_queued: bool = False
) -> Payment:
    """Replaces any open attempt: one order has at most one pending payment. `task_queued`: a
    task will make the provider call; the sweeper re-enqueues it if it is lost."""
    _payable(order)
    _open_attempts_cancel(order)
    lifecycle.order_mark_awaiting(order=order)
    return Payment.objects.create(
        shop_id=order.shop_id,
        order=order,
        provider=provider,
        kind=kind,
        amount=order.total,
        currency=order.currency,
        method=method,
        next_attempt_at=timezone.now() + SWEEP_AFTER if task_queued else None,
    )


def _open_attempts_cancel(order: Order) -> None:
    """Cancels the order's open attempts and, after commit, closes their hosted pages: a
    shopper must not be able to pay twice on two pages. (Should money still arrive on one,
    payment_outcome_record refunds it.)"""
    from payments.tasks import payment_link_expire

    open_ids = list(
        Payment.objects.filter(
            order=order, state__in=[PaymentState.PENDING, PaymentState.REQUIRES_ACTION]
        ).values_list("pk", flat=True)
    )
    if not open_ids:
        return
    Payment.objects.filter(pk__in=open_ids).update(
        state=PaymentState.CANCELLED, updated_at=timezone.now(), next_attempt_at=None
    )
    for payment_id in open_ids:
        payment_link_expire.delay_on_commit(payment_id)


def payment_link_expire(*, payment: Payment) -> None:
    """Task body: best effort, the provider's page stops taking money."""
    provider_for(payment.provider).link_expire(payment)


def order_event_listen(event_type: str, order_id: int, details: dict) -> None:
    """SOUK_ORDER_LISTENERS: an order cancelled (by the shop, the shopper or expiry) closes
    its open payment attempts."""
    if event_type != "order.cancelled":
        return
    order = Order.objects.filter(pk=order_id).first()
    if order is not None:
        with transaction.atomic():
            _open_attempts_cancel(order)


def payment_link_start(*, order: Order, provider: str | None = None) -> Payment:
    """The shopper will pay on a hosted page; the task creates it and tells the chat."""
    from payments.tasks import payment_link_create

    with transaction.atomic():
        payment = _new_payment(
            order,
            provider=provider or default_provider(shop_id=order.shop_id),
            kind=PaymentKind.LINK,
            task_queued=True,
        )
        payment_link_create.delay_on_commit(payment.pk)
    return payment


def payment_link_again(*, payment: Payment) -> Payment:
    """The shopper tries another card on the hosted page after a decline: a new attempt (a new
    idempotency key), created and linked at once (the test provider's page is local)."""
    with transaction.atomic():
        again = _new_payment(payment.order, provider=payment.provider, kind=PaymentKind.LINK)
    url = provider_for(again.provider).link_create(again)
    Payment.objects.filter(pk=again.pk).update(url=url)
    again.url = url
    return again


def payment_invoice_start(*, order: Order, provider: str) -> Payment:
    """A channel's native invoice: the chat sends it; the platform reports the outcome.
    `provider`: the channel's own, named after its kind (payments/invoices.py)."""
    with transaction.atomic():
        return _new_payment(order, provider=provider, kind=PaymentKind.INVOICE)


def payment_saved_start(*, order: Order, method: PaymentMethod) -> Payment:
    from payments.tasks import payment_charge_saved

    if method.customer_id != order.customer_id or not method.is_active:
        raise PaymentError("That card is not available.", code="method_unavailable")
    with transaction.atomic():
        payment = _new_payment(
            order,
            provider=method.provider,
            kind=PaymentKind.SAVED,
            method=method,
            task_queued=True,
        )
        payment_charge_saved.delay_on_commit(payment.pk)
    return payment


def payment_link_create(*, payment: Payment) -> None:
    """Task body: the provider's hosted page, then the link in the chat. A provider outage
    leaves the order awaiting payment (stock reserved) and tells the shopper to try again.
    Run again (swept, redelivered), the same idempotency key gets the same page back."""
    if payment.state != PaymentState.PENDING or payment.url:
        _provider_work_done(Payment, payment.pk)
        return
    _provider_work_claim(Payment, payment.pk)
    provider = provider_for(payment.provider)
    customer_ref = _provider_customer(payment)
    try:
        url = provider.link_create(payment, customer_ref=customer_ref)
    except base.ProviderRefused:
        # Retrying cannot help (a bad key): the sweeper must not ask again every 20 s.
        _provider_work_done(Payment, payment.pk)
        raise
    # Only the first run to get the page tells the chat (a swept duplicate may run too).
    if not Payment.objects.filter(pk=payment.pk, url="").update(
        url=url, updated_at=timezone.now(), next_attempt_at=None
    ):
        return
    order_event(payment.order, "order.payment_link", url=url, payment_id=payment.pk)


def payment_unavailable_notify(*, payment: Payment) -> None:
    with transaction.atomic():
        order_event(payment.order, "order.payment_unavailable")


def _provider_customer(payment: Payment) -> str:
    method = (
        PaymentMethod.objects.filter(
            customer_id=payment.order.customer_id, provider=payment.provider
        )
        .exclude(provider_customer_id="")
        .first()
    )
    return method.provider_customer_id if method else ""


def payment_charge_saved(*, payment: Payment) -> None:
    """Task body (acks late, retried on outage, swept when lost): the off-session charge. Run
    again, the same idempotency key gets the first charge's answer, and the row lock in
    payment_outcome_record lets only one run record it."""
    if payment.state != PaymentState.PENDING:
        _provider_work_done(Payment, payment.pk)
        return
    _provider_work_claim(Payment, payment.pk)
    provider = provider_for(payment.provider)
    try:
        outcome = provider.charge_saved(payment, payment.method)
    except base.ProviderRefused as exc:
        outcome = base.Outcome(base.DECLINED, decline_code="refused", decline_message=str(exc))
    payment_outcome_record(payment=payment, outcome=outcome)
    # Recorded (or pending at the provider, whose webhook settles it): no call is owed.
    _provider_work_done(Payment, payment.pk)


# -- provider work the sweeper recovers (payments.tasks.provider_work_sweep) ---------------------
def _provider_work_lease() -> timedelta:
    # A call in flight is never taken as lost: the lease outlasts the call's own timeout.
    return max(SWEEP_AFTER, timedelta(seconds=float(settings.PLATFORM_TIMEOUT_SECONDS) + 5))


def _provider_work_claim(model, pk: int) -> None:
    """A run starts: the sweeper leaves the row alone while the provider call may be in flight."""
    model.objects.filter(pk=pk, next_attempt_at__isnull=False).update(
        next_attempt_at=timezone.now() + _provider_work_lease()
    )


def _provider_work_done(model, pk: int) -> None:
    model.objects.filter(pk=pk, next_attempt_at__isnull=False).update(next_attempt_at=None)


def provider_work_retry_later(*, model, pk: int, countdown: float) -> None:
    """The task retries in `countdown` seconds: the sweeper waits for that retry, and enqueues
    the work itself if the retry was never published (broker down)."""
    model.objects.filter(pk=pk, next_attempt_at__isnull=False).update(
        next_attempt_at=timezone.now() + timedelta(seconds=countdown) + SWEEP_AFTER
    )


def provider_work_due(*, limit: int = 200) -> tuple[list[int], list[int], list[int]]:
    """(pay links to create, saved cards to charge, refunds to make) whose call is owed and
    whose task seems lost; see payments.selectors.provider_work_due."""
    return selectors.provider_work_due(
        now=timezone.now(), give_up_before=timezone.now() - SWEEP_GIVE_UP_AFTER, limit=limit
    )


def payment_refresh(*, payment: Payment) -> Payment:
    """Asks the provider where the payment stands, and records it (webhooks, return pages)."""
    outcome = provider_for(payment.provider).refresh(payment)
    return payment_outcome_record(payment=payment, outcome=outcome)


def _save_card(payment: Payment, card: base.SavedCard) -> PaymentMethod | None:
    if not payment.order.customer_id:
        return None
    method = PaymentMethod(
        customer_id=payment.order.customer_id,
        provider=payment.provider,
        provider_method_id=card.provider_method_id,
        shop_id=payment.shop_id,
        provider_customer_id=card.provider_customer_id,
        brand=card.brand,
        last4=card.last4,
        exp_month=card.exp_month,
        exp_year=card.exp_year,
        is_active=True,
    )
    # One INSERT … ON CONFLICT DO UPDATE (the card saved before is brought up to date) instead
    # of a locking read then a write; it returns the row's id either way.
    PaymentMethod.objects.bulk_create(
        [method],
        update_conflicts=True,
        unique_fields=["customer", "provider", "provider_method_id"],
        update_fields=[
            "shop_id",
            "provider_customer_id",
            "brand",
            "last4",
            "exp_month",
            "exp_year",
            "is_active",
        ],
    )
    return method


def payment_outcome_record(*, payment: Payment, outcome: base.Outcome) -> Payment:
    """Idempotent: the same outcome twice (a webhook and the return page) changes nothing."""
    paid_too_late = duplicate = None
    with transaction.atomic():
        succeeded_before = Payment.objects.filter(
            order=OuterRef("order_id"), state=PaymentState.SUCCEEDED
        ).exclude(pk=OuterRef("pk"))
        locked = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("order")
            # Whether another attempt of the order was paid, read with the lock: one query.
            .annotate(paid_otherwise=Exists(succeeded_before))
            .get(pk=payment.pk)
        )
        if locked.state == PaymentState.SUCCEEDED or outcome.status == base.PENDING:
            return locked
        if outcome.provider_ref:
            locked.provider_ref = outcome.provider_ref
        if outcome.charge_ref:
            locked.provider_charge_ref = outcome.charge_ref
        order = locked.order
        if outcome.status == base.SUCCEEDED:
            replaced = locked.state == PaymentState.CANCELLED
            locked.state = PaymentState.SUCCEEDED
            locked.succeeded_at = timezone.now()
            if outcome.saved_card:
                locked.method = _save_card(locked, outcome.saved_card) or locked.method
            if outcome.collected is not None:
                collected_details_record(payment=locked, collected=outcome.collected)
            locked.save()
            if locked.paid_otherwise:
                # Paid twice (an old page of a replaced attempt): this money goes back.
                duplicate = locked
            else:
                try:
                    lifecycle.order_mark_paid(order=order)
                except lifecycle.PaidTooLate:
                    paid_too_late = locked
                if replaced:
                    logger.info("payment %s succeeded after it was replaced", locked.pk)
        elif outcome.status == base.REQUIRES_ACTION:
            locked.state = PaymentState.REQUIRES_ACTION
            locked.url = outcome.action_url or locked.url
            locked.save()
            order_event(order, "order.payment_action", url=locked.url)
        elif outcome.status in (base.DECLINED, base.CANCELLED):
            if locked.state == PaymentState.FAILED:
                return locked
            locked.state = PaymentState.FAILED
            locked.failure_code = outcome.decline_code[:60]
            locked.failure_message = outcome.decline_message[:300]
            locked.save()
            lifecycle.order_mark_payment_failed(order=order, reason=locked.failure_message)
    if paid_too_late is not None:
        _refund_in_full(paid_too_late, reason="Paid after the reservation expired; sold out")
    if duplicate is not None:
        _refund_in_full(duplicate, reason="The order was already paid", tell=False)
    return locked


def _refund_in_full(payment: Payment, *, reason: str, tell: bool = True) -> None:
    """Nobody is charged without an order: money that came in after the stock was sold to
    someone else, or for an order already paid, goes straight back (not counted as a refund
    of the order, which keeps what it was paid)."""
    from payments.tasks import refund_process

    with transaction.atomic():
        refund = Refund.objects.create(
            shop_id=payment.shop_id,
            payment=payment,
            amount=payment.amount,
            reason=reason,
            record_on_order=False,
            next_attempt_at=timezone.now() + SWEEP_AFTER,
        )
        if tell:
            order_event(payment.order, "order.paid_too_late")
        refund_process.delay_on_commit(refund.pk)


def refund_left(*, order: Order) -> int:
    """What can still be refunded: the total, less what was refunded and what is on its way."""
    pending = Refund.objects.filter(payment__order=order, state=RefundState.PENDING)
    return order.total - order.refunded_total - sum(pending.values_list("amount", flat=True))


def refund_create(
    *,
    order: Order,
    amount: int | None = None,
    reason: str = "",
    actor=None,
    source: str | None = None,
) -> Refund:
    """Refunds `amount` (all that is left when None) of the order's successful payment. The
    request goes on the order's timeline with who asked (`actor`, `source`); the refund
    itself once the provider confirms it."""
    from payments.tasks import refund_process

    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.payment_status not in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED):
            raise PaymentError(f"Order #{locked.number} has no payment to refund.", code="not_paid")
        left = refund_left(order=locked)
        amount = left if amount is None else amount
        if amount <= 0 or amount > left:
            raise PaymentError(
                f"The refund must be between 1 and {left} (minor units).", code="amount"
            )
        payment = Payment.objects.filter(order=locked, state=PaymentState.SUCCEEDED).first()
        if payment is None:
            raise PaymentError("No successful payment to refund.", code="not_paid")
        refund = Refund.objects.create(
            shop_id=locked.shop_id,
            payment=payment,
            amount=amount,
            reason=reason[:200],
            next_attempt_at=timezone.now() + SWEEP_AFTER,
        )
        order_event(
            locked,
            "order.refund_requested",
            amount=amount,
            reason=refund.reason,
            refund_id=refund.pk,
            actor=actor,
            source=source,
        )
        refund_process.delay_on_commit(refund.pk)
    return refund


def order_cancel_and_refund(
    *, order: Order, reason: str = "", actor=None, source: str | None = None
) -> Order:
    """Cancels an order not shipped yet; a paid one is first refunded all that is left, in
    the same transaction (a refused cancel leaves no refund behind). Cancelling again changes
    nothing. Raises InvalidTransition or PaymentError. The API and the dashboard cancel here."""
    with transaction.atomic():
        # Locked before reading its payment status: a payment landing meanwhile waits for us.
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.fulfillment_status != FulfillmentStatus.UNFULFILLED:
            raise InvalidTransition("status", f"{locked.status} and shipped", "cancelled")
        paid = (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED)
        if locked.payment_status in paid and refund_left(order=locked) > 0:
            refund_create(
                order=locked, reason=reason or "Order cancelled", actor=actor, source=source
            )
        return lifecycle.order_cancel(order=locked, reason=reason, actor=actor, source=source)


def refund_process(*, refund: Refund, record_on_order: bool | None = None) -> Refund:
    """Task body: the provider refund (idempotency key from our row), then the order. Run
    again (swept, redelivered), the provider returns the first refund, and only the run that
    moves the row out of pending records it on the order. `record_on_order`: the row's, unless
    given (tasks queued before the row stored it)."""
    if refund.state != RefundState.PENDING:
        _provider_work_done(Refund, refund.pk)
        return refund
    if record_on_order is None:
        record_on_order = refund.record_on_order
    _provider_work_claim(Refund, refund.pk)
    provider = provider_for(refund.payment.provider)
    try:
        provider_ref = provider.refund(refund.payment, refund)
    except base.ProviderRefused as exc:
        Refund.objects.filter(pk=refund.pk, state=RefundState.PENDING).update(
            state=RefundState.FAILED, failure_message=str(exc)[:300], next_attempt_at=None
        )
        logger.warning("refund %s refused: %s", refund.pk, exc)
        return refund
    with transaction.atomic():
        updated = Refund.objects.filter(pk=refund.pk, state=RefundState.PENDING).update(
            state=RefundState.SUCCEEDED, provider_ref=provider_ref[:120], next_attempt_at=None
        )
        if updated and record_on_order:
            lifecycle.order_record_refund(order=refund.payment.order, amount=refund.amount)
    return refund


# -- the shop's own provider account (dashboard: payment settings) -----------------------------
STRIPE_KEY_FORMAT = re.compile(r"(?P<head>(?:sk|rk)_(?:test|live)_)[A-Za-z0-9_]{8,200}")
STRIPE_WEBHOOK_SECRET_FORMAT = re.compile(r"(?P<head>whsec_)[A-Za-z0-9_]{8,200}")
SHOP_PROVIDERS = (Provider.TEST, Provider.STRIPE)


def _hint(match: re.Match) -> str:
    """What a page may show of a secret to recognise it: "sk_live_…AbCd"."""
    return f"{match['head']}…{match.string[-4:]}"


def _stripe_key_problem(api_key: str) -> str | None:
    """Stripe's verdict on a new key, in words for the page; None when it works."""
    from payments.providers.stripe import stripe_key_check  # the Stripe library, when needed

    try:
        stripe_key_check(api_key)
    except base.ProviderRefused as exc:
        return f"Stripe refused this key: {exc}"
    except base.ProviderUnavailable:
        return "Stripe could not be reached to check this key. Nothing was saved: try again."
    return None


def shop_payment_settings_update(
    *,
    shop,
    provider: str,
    stripe_secret_key: str = "",
    stripe_webhook_secret: str = "",
    updated_by=None,
) -> ShopPaymentSettings:
    """The provider of the shop's new payments and its own Stripe keys. A blank key keeps the
    one stored; a new secret key is checked with Stripe first. Keys are stored encrypted and
    never logged. Raises ValidationError naming the field; nothing is stored then."""
    api_key, signing = stripe_secret_key.strip(), stripe_webhook_secret.strip()
    errors: dict[str, list[str]] = {}
    if provider not in SHOP_PROVIDERS:
        errors["provider"] = ["Choose the test provider or Stripe."]
    key_match = STRIPE_KEY_FORMAT.fullmatch(api_key) if api_key else None
    if api_key and key_match is None:
        errors["stripe_secret_key"] = [
            "A Stripe secret key starts with sk_live_, sk_test_, rk_live_ or rk_test_ "
            "(not the publishable pk_ key)."
        ]
    signing_match = STRIPE_WEBHOOK_SECRET_FORMAT.fullmatch(signing) if signing else None
    if signing and signing_match is None:
        errors["stripe_webhook_secret"] = ["A Stripe webhook signing secret starts with whsec_."]
    current = selectors.shop_payment_settings(shop_id=shop.pk)
    has_key = bool(api_key) or bool(current and current.stripe_secret_key)
    if provider == Provider.STRIPE and not has_key and "stripe_secret_key" not in errors:
        errors["stripe_secret_key"] = ["Enter your Stripe secret key to take payments with Stripe."]
    if errors:
        raise ValidationError(errors)
    # The provider call runs before, and outside, the transaction that stores the key.
    if api_key and (problem := _stripe_key_problem(api_key)):
        raise ValidationError({"stripe_secret_key": [problem]})
    with transaction.atomic():
        row, _ = ShopPaymentSettings.objects.select_for_update().get_or_create(shop=shop)
        row.provider = provider
        if key_match is not None:
            row.stripe_secret_key, row.stripe_key_hint = api_key, _hint(key_match)
        if signing_match is not None:
            row.stripe_webhook_secret = signing
            row.stripe_webhook_secret_hint = _hint(signing_match)
        row.updated_by = updated_by
        row.save()
    logger.info(
        "shop %s payment settings by user %s: provider %s, new secret key: %s, new webhook "
        "secret: %s",
        shop.pk,
        getattr(updated_by, "pk", None),
        provider,
        key_match is not None,
        signing_match is not None,
    )
    return row


def shop_payment_settings_stripe_remove(*, shop, updated_by=None) -> ShopPaymentSettings | None:
    """Forgets the shop's own Stripe keys; new payments go through the test provider (or the
    platform's Stripe account when the shop never chose). Payments made through the removed
    account must then be refunded from Stripe's dashboard."""
    with transaction.atomic():
        row = ShopPaymentSettings.objects.select_for_update().filter(shop=shop).first()
        if row is None:
            return None
        row.provider = Provider.TEST
        row.stripe_secret_key = row.stripe_webhook_secret = None
        row.stripe_key_hint = row.stripe_webhook_secret_hint = ""
        row.updated_by = updated_by
        row.save()
    logger.warning(
        "shop %s: its Stripe keys were removed by user %s", shop.pk, getattr(updated_by, "pk", None)
    )
    return row
