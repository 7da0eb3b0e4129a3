"""Drill: the Celery worker killed with SIGKILL in the middle of taking money.

A shopper says hello on Telegram (a customer and a conversation, as in production), then
orders; the charge starts. The fake Stripe holds its answer (`--stripe-delay`) so the kill
lands while the worker waits on Stripe, which still completes the call on its side (as Stripe
does when a client hangs up). Scenarios:

  charge    a saved card charged off session (payment_charge_saved -> payment_intents.create)
  checkout  a Checkout Session created for the pay link (payment_link_create ->
            checkout.sessions.create); the drill then pays on the page and posts the event

`--kill worker`: the whole worker (main process and pool) SIGKILLed and a new worker started:
the task comes back when Redis's visibility timeout lapses (settings: time limit + 180 s).
`--kill pool`: only the pool processes SIGKILLed: the worker requeues the task at once
(task_reject_on_worker_lost).

Proves: one charge per order at Stripe (idempotency keys), the order ends paid, the shopper
gets one receipt (and one pay link), nothing sent twice in their chat.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import signal
import time

from bench.drills.common import warm_up
from bench.drills.ledger import Verdict, judge, wait_until_settled
from bench.drills.platform import Numbering, Platform, schedule
from bench.drills.stack import Stack, _descendants

DESCRIPTION = "the Celery worker SIGKILLed mid-charge and mid-checkout"

ORDER = """
import json
from conversations.models import Conversation
from conversations.phrases import say
from orders.checkout import checkout_complete, checkout_start, checkout_update
from orders.models import Order
from orders.services import cart_add, cart_open
from payments import services
from payments.models import PaymentMethod, Provider
conversation = Conversation.objects.select_related("customer", "channel", "shop").get(
    channel_id={channel}, identity__external_id={chat!r}
)
shop, customer = conversation.shop, conversation.customer
from catalog.models import Variant
variant = Variant.objects.filter(product__shop=shop).order_by("pk").first()
cart = cart_open(shop=shop, owner_key=str(customer.pk))
cart_add(cart=cart, variant=variant, quantity=1)
checkout = checkout_start(cart=cart, customer=customer)
checkout_update(checkout=checkout, contact_name="Léa Martin", contact_phone="+33612345678")
order = checkout_complete(checkout=checkout, require_details=False)
Order.objects.filter(pk=order.pk).update(channel=conversation.channel)
order = Order.objects.get(pk=order.pk)
if {scenario!r} == "charge":
    method = PaymentMethod.objects.create(
        shop=shop, customer=customer, provider=Provider.STRIPE,
        provider_customer_id={customer_id!r}, provider_method_id={method_id!r},
        brand="visa", last4="4242", exp_month=12, exp_year=2030,
    )
    payment = services.payment_saved_start(order=order, method=method)
else:
    payment = services.payment_link_start(order=order)
print(json.dumps({{
    "payment": payment.pk, "order": order.pk,
    "receipt": say("receipt_heading", shop.language, number=order.number),
}}))
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scenario", choices=["charge", "checkout", "both"], default="both")
    parser.add_argument("--kill", choices=["worker", "pool"], default="worker")
    parser.add_argument(
        "--stripe-delay", type=float, default=5.0, help="Stripe's answer held this long (5)"
    )
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=480.0,
        help="how long the outcome is awaited after the kill (480: past the visibility timeout)",
    )


def run(stack: Stack, numbering: Numbering, args: argparse.Namespace) -> list[Verdict]:
    scenarios = ["charge", "checkout"] if args.scenario == "both" else [args.scenario]
    warm_up(stack, numbering)
    return [_one(stack, numbering, args, scenario) for scenario in scenarios]


def _payment_state(stack: Stack, payment_id: int) -> tuple[str, str, str]:
    rows = stack.sql(
        "SELECT p.state, o.payment_status, p.provider_ref FROM payments_payment p"
        " JOIN orders_order o ON o.id = p.order_id WHERE p.id = %s",
        (payment_id,),
    )
    return rows[0] if rows else ("", "", "")


def _wait(predicate, timeout: float) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        # the stack may be between processes: then ask again
        with contextlib.suppress(Exception):
            if predicate():
                return time.monotonic() - started
        time.sleep(0.5)
    return None


def _kill(stack: Stack, how: str, generation: int) -> None:
    name = next(n for n in reversed(stack.services.procs) if n.startswith("celery"))
    proc = stack.services.procs[name]
    if how == "pool":
        for pid in _descendants(proc.pid):
            os.kill(pid, signal.SIGKILL)
        return
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)
    stack.services.procs.pop(name)
    stack.start_worker(f"celery-{generation}")


def _one(stack: Stack, numbering: Numbering, args: argparse.Namespace, scenario: str) -> Verdict:
    verdict = Verdict(f"worker SIGKILLed mid-{scenario} ({args.kill})")
    hello = numbering.first_messages(stack, 1)
    platform = Platform(stack, senders=1)
    schedule(hello, rate=1)
    platform.start(hello)
    platform.join(30)
    if wait_until_settled(stack, hello, timeout=60) is None:
        verdict.fail("the shopper's first message was not answered")
        return judge(verdict, stack, hello)
    route = "payment_intents.create" if scenario == "charge" else "checkout.sessions.create"
    stack.stripe.delay_next(route, seconds=args.stripe_delay)
    customer_id, method_id = stack.stripe.saved_card()
    before = len(stack.stripe.requests_for(route))
    seeded = stack.seed(
        ORDER.format(
            channel=hello[0].channel,
            chat=str(hello[0].chat),
            scenario=scenario,
            customer_id=customer_id,
            method_id=method_id,
        )
    )
    payment_id = seeded["payment"]
    if _wait(lambda: len(stack.stripe.requests_for(route)) > before, 60) is None:
        verdict.fail(f"the worker never called Stripe ({route})")
        return verdict
    time.sleep(min(1.0, args.stripe_delay / 3))  # the worker is now waiting on Stripe
    killed_at = time.monotonic()
    _kill(stack, args.kill, generation=numbering.take())
    verdict.figures.append(
        f"Stripe's answer to {route} held {args.stripe_delay:g} s; the worker "
        f"({'main process and pool' if args.kill == 'worker' else 'pool processes'}) SIGKILLed "
        "while it waited"
    )

    if scenario == "checkout":
        # the pay link reaches the shopper once the session exists; then they pay on the page
        if (
            _wait(
                lambda: _payment_state(stack, payment_id)[2].startswith("cs_"), args.drain_timeout
            )
            is None
        ):
            verdict.lose(1, "the Checkout Session was never recorded")
            return judge(verdict, stack, hello)
        session_id = _payment_state(stack, payment_id)[2]
        delivery = stack.stripe.complete_session(session_id)
        _post_stripe_event(stack, delivery)

    paid_after = _wait(
        lambda: _payment_state(stack, payment_id)[:2] == ("succeeded", "paid"), args.drain_timeout
    )
    state = _payment_state(stack, payment_id)
    if paid_after is None:
        verdict.lose(1, f"the order never ended paid (payment {state[0]}, order {state[1]})")
    else:
        verdict.figures.append(f"order paid {time.monotonic() - killed_at:.1f} s after the kill")
        verdict.recovery_seconds = time.monotonic() - killed_at
    chat = str(hello[0].chat)

    def receipts_sent() -> int:
        return sum(
            str(r.params.get("text", "")).startswith(seeded["receipt"])
            for r in stack.telegram.requests_for("sendMessage")
            if r.status == 200 and str(r.params.get("chat_id")) == chat
        )

    # the receipt is queued after the payment is recorded: give it time to go out
    _wait(lambda: receipts_sent() > 0, 60 if paid_after is not None else 0)
    wait_until_settled(stack, hello, timeout=60)

    intents = [
        i
        for i in stack.stripe.payment_intents.values()
        if str((i.get("metadata") or {}).get("souk_payment_id")) == str(payment_id)
    ]
    charges = [
        c
        for c in stack.stripe.charges.values()
        if c["payment_intent"] in {i["id"] for i in intents}
    ]
    creates = len(stack.stripe.requests_for(route)) - before
    verdict.figures.append(
        f"  Stripe: {creates} {route} requests (same idempotency key), {len(intents)} "
        f"PaymentIntent(s), {len(charges)} charge(s) for the order"
    )
    if scenario == "checkout":
        sessions = [
            s
            for s in stack.stripe.sessions.values()
            if str((s.get("metadata") or {}).get("souk_payment_id")) == str(payment_id)
        ]
        verdict.double(max(0, len(sessions) - 1), "Checkout Sessions created for one payment")
    verdict.double(max(0, len(charges) - 1), "charges for one order")
    verdict.lose(1 if not charges else 0, "the order was never charged")
    receipts = receipts_sent()
    verdict.figures.append(f"  receipts the shopper got: {receipts}")
    verdict.lose(1 if receipts == 0 else 0, "no receipt reached the shopper")
    verdict.double(max(0, receipts - 1), "receipts sent more than once")
    return judge(verdict, stack, hello)


def _post_stripe_event(stack: Stack, delivery) -> None:
    for _ in range(10):
        connection = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=30)
        try:
            connection.request(
                "POST",
                "/webhooks/stripe/",
                body=delivery.body,
                headers={
                    "Content-Type": "application/json",
                    "Stripe-Signature": delivery.signature,
                },
            )
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                return
        except OSError:
            time.sleep(1)
        finally:
            connection.close()
        time.sleep(1)
    raise RuntimeError("the Stripe webhook was never acknowledged")
