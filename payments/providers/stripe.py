"""The Stripe provider: Stripe Checkout hosts the page where the shopper pays and saves a card
(`setup_future_usage=off_session`), and types the name, phone, address and delivery option the
order lacks (stripe_details.py); a saved card is charged later with an off-session
PaymentIntent. Webhooks only tell us something changed: `refresh` re-reads the truth, details
included.

Every create carries an idempotency key derived from our row (`souk-payment-<id>`,
`souk-refund-<id>`), and the same row always sends the same parameters, so a task retried after
a timeout gets Stripe's first answer back instead of a second charge. Stripe's client never
retries on its own (`max_network_retries=0`): Celery retries with backoff.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from functools import lru_cache
from typing import Any

import stripe
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext

from payments.models import Payment, PaymentMethod, Refund
from payments.pay_page import channel_wallet, shopper_language
from payments.providers.base import (
    CANCELLED,
    DECLINED,
    PENDING,
    REQUIRES_ACTION,
    SUCCEEDED,
    Outcome,
    PaymentProvider,
    ProviderRefused,
    ProviderUnavailable,
    SavedCard,
)
from payments.providers.stripe_details import (
    DELIVERY_OPTIONS_MAX,
    collected_details,
    details_params,
)
from payments.selectors import stripe_secret_key

logger = logging.getLogger(__name__)

# Stripe refuses a Checkout Session expiring sooner than 30 minutes after its creation.
SESSION_MIN_LIFETIME = timedelta(minutes=31)
SESSION_PLANNED_LIFETIME = timedelta(minutes=45)
RETURN_PATH = "/pay/done/"
# A session is read with its card (to save it) and the delivery option chosen on the page
# (our rate id is in the ShippingRate's metadata).
SESSION_EXPAND = ["payment_intent.payment_method", "shipping_cost.shipping_rate"]
# The wallets Checkout can offer beside the card when a channel's browser pays with one
# (channels_adapters.base.Capabilities.wallet), with the currencies Stripe takes them in
# (docs.stripe.com/payments/wechat-pay, "Supported currencies"). Another currency: card only.
WALLET_CURRENCIES = {
    "wechat_pay": frozenset(
        {"aud", "cad", "chf", "cny", "dkk", "eur", "gbp", "hkd", "jpy", "nok", "sek", "sgd", "usd"}
    ),
}
# Per wallet, its Checkout options: WeChat Pay in a browser (WeChat's own) is client `web`.
WALLET_OPTIONS = {"wechat_pay": {"client": "web"}}

DECLINE_MESSAGES = {
    "card_declined": "Your card was declined.",
    "generic_decline": "Your card was declined.",
    "insufficient_funds": "Your card has insufficient funds.",
    "lost_card": "Your card was declined.",
    "stolen_card": "Your card was declined.",
    "expired_card": "Your card has expired.",
    "incorrect_cvc": "Your card's security code is incorrect.",
    "processing_error": "The bank could not process the payment. Please try again.",
    "authentication_required": "Your bank asks you to confirm this payment.",
    "do_not_honor": "Your card was declined.",
}


def _new_client(api_key: str, api_base: str, timeout: float) -> stripe.StripeClient:
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base},
        http_client=stripe.RequestsClient(timeout=timeout),
        max_network_retries=0,
    )


# One client per Stripe account in use (the platform's and each shop's own), per process.
_client_for = lru_cache(maxsize=256)(_new_client)


def stripe_client(shop_id: int | None = None) -> stripe.StripeClient:
    """The client for the Stripe account `shop_id`'s payments go through: the shop's own key
    when it entered one, else STRIPE_SECRET_KEY. Settings are read on every call, so a test
    that points STRIPE_API_BASE at a fake gets a client for it."""
    api_key = stripe_secret_key(shop_id=shop_id)
    if not api_key:
        raise ProviderRefused(
            "Stripe is not configured (no key of the shop's own, STRIPE_SECRET_KEY is empty)"
        )
    return _client_for(api_key, settings.STRIPE_API_BASE, float(settings.PLATFORM_TIMEOUT_SECONDS))


def stripe_key_check(api_key: str) -> None:
    """Asks Stripe whether `api_key` works, before a shop's key is stored: lists one Checkout
    Session, which needs the key to be valid and (for a restricted key) allowed to read
    Checkout Sessions, as Souk will. Raises ProviderRefused with Stripe's reason (its message
    masks the key), or ProviderUnavailable. A fresh client: a refused key is not cached."""
    client = _new_client(
        api_key, settings.STRIPE_API_BASE, float(settings.PLATFORM_TIMEOUT_SECONDS)
    )
    try:
        client.v1.checkout.sessions.list(params={"limit": 1})
    except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as exc:
        raise ProviderUnavailable(f"Stripe key check: {exc.user_message or exc}") from exc
    except stripe.StripeError as exc:
        # 401 (unknown or revoked key), 403 (a restricted key without that permission).
        raise ProviderRefused(exc.user_message or "no reason given") from exc


def stripe_client_reset() -> None:
    _client_for.cache_clear()


@contextmanager
def _calling_stripe(what: str) -> Iterator[None]:
    """Stripe's errors as the provider contract names them. Card errors are left to the
    caller: they are an answer, not a failure."""
    try:
        yield
    except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
        raise ProviderUnavailable(f"Stripe {what}: {exc}") from exc
    except stripe.APIError as exc:
        # 5xx and 409 (a concurrent request with the same idempotency key): try again later.
        raise ProviderUnavailable(f"Stripe {what}: HTTP {exc.http_status}: {exc}") from exc
    except (
        stripe.AuthenticationError,
        stripe.PermissionError,
        stripe.InvalidRequestError,
        stripe.IdempotencyError,
    ) as exc:
        raise ProviderRefused(f"Stripe {what}: {exc}") from exc


def _plain(obj: Any) -> dict[str, Any]:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj or {})


def _metadata(payment: Payment) -> dict[str, str]:
    return {
        "souk_payment_id": str(payment.pk),
        "souk_order_id": str(payment.order_id),
        "souk_shop_id": str(payment.shop_id),
    }


def _session_expiry(payment: Payment) -> tuple[int, str]:
    """When the hosted page stops taking money, and the idempotency key suffix that goes with
    it. A retry must send exactly the first request's parameters, so the expiry derives from
    the row's creation time; a retry too late for that window gets a window of its own (stable
    for ten minutes) and a key of its own."""
    planned = (payment.created_at or timezone.now()) + SESSION_PLANNED_LIFETIME
    earliest = timezone.now() + SESSION_MIN_LIFETIME
    if planned >= earliest:
        return int(planned.timestamp()), ""
    late = math.ceil(earliest.timestamp() / 600) * 600
    return late, f"-late-{late}"


def _wallet_params(payment: Payment, intent_data: dict[str, Any]) -> dict[str, Any]:
    """The channel's wallet offered beside the card, when Stripe takes it in this currency.
    A wallet like WeChat Pay is single-use: Stripe refuses `setup_future_usage` on a session
    that offers it, so saving moves to the card's own options (a card paid here is still
    kept for "OK" next time; a WeChat Pay payment keeps nothing and the next order gets a
    link)."""
    wallet = channel_wallet(payment.order)
    if payment.currency.lower() not in WALLET_CURRENCIES.get(wallet, ()):
        return {}
    usage = intent_data.pop("setup_future_usage", None)
    options: dict[str, Any] = {wallet: dict(WALLET_OPTIONS.get(wallet, {}))}
    if usage:
        options["card"] = {"setup_future_usage": usage}
    return {"payment_method_types": ["card", wallet], "payment_method_options": options}


def _friendly(code: str, fallback: str = "") -> str:
    return DECLINE_MESSAGES.get(code) or fallback or "Your card was declined."


def _saved_card(intent: dict[str, Any], customer: str) -> SavedCard | None:
    """The card the shopper asked us to keep (setup_future_usage, on the intent or on its card
    options), as Stripe describes it. Only a card is kept: a wallet's payment is single-use."""
    method = intent.get("payment_method")
    if not isinstance(method, dict) or not method.get("id") or method.get("type") != "card":
        return None
    card_options = (intent.get("payment_method_options") or {}).get("card") or {}
    if not (intent.get("setup_future_usage") or card_options.get("setup_future_usage")):
        return None
    customer = customer or intent.get("customer") or method.get("customer") or ""
    if isinstance(customer, dict):
        customer = customer.get("id", "")
    if not customer:
        return None
    card = method.get("card") or {}
    return SavedCard(
        provider_customer_id=customer,
        provider_method_id=method["id"],
        brand=card.get("brand") or "",
        last4=card.get("last4") or "",
        exp_month=card.get("exp_month"),
        exp_year=card.get("exp_year"),
    )


def _declined(intent: dict[str, Any], provider_ref: str) -> Outcome:
    error = intent.get("last_payment_error") or {}
    code = error.get("decline_code") or error.get("code") or "card_declined"
    return Outcome(
        DECLINED,
        provider_ref=provider_ref,
        decline_code=code,
        decline_message=_friendly(code, error.get("message", "")),
    )


def _intent_outcome(intent: dict[str, Any], *, provider_ref: str, customer: str = "") -> Outcome:
    status = intent.get("status")
    if status == "succeeded":
        return Outcome(
            SUCCEEDED,
            provider_ref=provider_ref,
            charge_ref=intent.get("latest_charge") or "",
            saved_card=_saved_card(intent, customer),
        )
    if status == "requires_payment_method" and intent.get("last_payment_error"):
        return _declined(intent, provider_ref)
    if status == "canceled":
        return Outcome(CANCELLED, provider_ref=provider_ref)
    return Outcome(PENDING, provider_ref=provider_ref)


class StripeProvider(PaymentProvider):
    name = "stripe"
    # Checkout asks the name, phone, address and delivery option the order lacks
    # (payments/providers/stripe_details.py), up to five delivery options.
    collects_details = True
    delivery_options_max = DELIVERY_OPTIONS_MAX

    # -- hosted page (Stripe Checkout) ---------------------------------------------------------
    def link_create(self, payment: Payment, *, customer_ref: str = "") -> str:
        session = self._session_create(payment, customer_ref=customer_ref, key_suffix="")
        Payment.objects.filter(pk=payment.pk).update(
            provider_ref=session["id"], updated_at=timezone.now()
        )
        payment.provider_ref = session["id"]
        return session["url"]

    def _session_create(self, payment: Payment, *, customer_ref: str, key_suffix: str) -> dict:
        order = payment.order
        base = settings.SOUK_PUBLIC_URL.rstrip("/")
        expires_at, late_suffix = _session_expiry(payment)
        metadata = _metadata(payment)
        # Stripe's page in the shopper's language, its one line named in it too.
        language = shopper_language(order)
        with translation.override(language):
            line_name = gettext("Order #%(number)s") % {"number": order.number}
        params: dict[str, Any] = {
            "mode": "payment",
            "locale": language,
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": payment.currency.lower(),
                        "unit_amount": payment.amount,
                        "product_data": {"name": line_name},
                    },
                }
            ],
            "payment_intent_data": {
                "setup_future_usage": "off_session",
                "description": f"Order #{order.number}",
                "metadata": metadata,
            },
            "metadata": metadata,
            "client_reference_id": str(payment.pk),
            "success_url": f"{base}{RETURN_PATH}?session_id={{CHECKOUT_SESSION_ID}}",
            "cancel_url": f"{base}{RETURN_PATH}",
            "expires_at": expires_at,
        }
        if customer_ref:
            params["customer"] = customer_ref
        else:
            params["customer_creation"] = "always"
        # Name, phone, address and delivery option: asked on Stripe's page when the order
        # lacks them (the chat left them to it).
        params.update(details_params(order, customer_ref=customer_ref))
        params.update(_wallet_params(payment, params["payment_intent_data"]))
        key = payment.idempotency_key + key_suffix + late_suffix
        with _calling_stripe("checkout session create"):
            session = stripe_client(payment.shop_id).v1.checkout.sessions.create(
                params=params, options={"idempotency_key": key}
            )
        return _plain(session)

    def link_expire(self, payment: Payment) -> None:
        if not payment.provider_ref.startswith("cs_"):
            return
        try:
            with _calling_stripe("checkout session expire"):
                stripe_client(payment.shop_id).v1.checkout.sessions.expire(payment.provider_ref)
        except (ProviderUnavailable, ProviderRefused) as exc:
            # Best effort: an already completed or expired session refuses, which is fine.
            logger.info("stripe session %s not expired: %s", payment.provider_ref, exc)

    # -- saved card, off session ---------------------------------------------------------------
    def charge_saved(self, payment: Payment, method: PaymentMethod | None) -> Outcome:
        if method is None or not method.provider_customer_id:
            raise ProviderRefused(f"payment {payment.pk}: the saved card is no longer available")
        params = {
            "amount": payment.amount,
            "currency": payment.currency.lower(),
            "customer": method.provider_customer_id,
            "payment_method": method.provider_method_id,
            "off_session": True,
            "confirm": True,
            "description": f"Order #{payment.order.number}",
            "metadata": _metadata(payment),
        }
        try:
            with _calling_stripe("payment intent create"):
                intent = stripe_client(payment.shop_id).v1.payment_intents.create(
                    params=params, options={"idempotency_key": payment.idempotency_key}
                )
        except stripe.CardError as exc:
            return self._card_error(payment, method, exc)
        intent = _plain(intent)
        return _intent_outcome(intent, provider_ref=intent["id"])

    def _card_error(self, payment: Payment, method: PaymentMethod, exc: stripe.CardError):
        body = exc.json_body.get("error", {}) if isinstance(exc.json_body, dict) else {}
        intent = body.get("payment_intent") or {}
        code = body.get("decline_code") or exc.code or "card_declined"
        if exc.code == "authentication_required" or code == "authentication_required":
            # The bank wants the shopper: a Checkout page for this payment, where Stripe runs
            # 3-D Secure. The off-session intent is left behind, unpaid.
            session = self._session_create(
                payment, customer_ref=method.provider_customer_id, key_suffix="-auth"
            )
            return Outcome(REQUIRES_ACTION, provider_ref=session["id"], action_url=session["url"])
        return Outcome(
            DECLINED,
            provider_ref=intent.get("id", ""),
            decline_code=code[:60],
            decline_message=_friendly(code, body.get("message") or exc.user_message or ""),
        )

    # -- where a payment stands ----------------------------------------------------------------
    def refresh(self, payment: Payment) -> Outcome:
        ref = payment.provider_ref
        client = stripe_client(payment.shop_id)
        if ref.startswith("cs_"):
            with _calling_stripe("checkout session retrieve"):
                session = client.v1.checkout.sessions.retrieve(
                    ref, params={"expand": SESSION_EXPAND}
                )
            return self._session_outcome(_plain(session))
        if ref.startswith("pi_"):
            with _calling_stripe("payment intent retrieve"):
                intent = client.v1.payment_intents.retrieve(
                    ref, params={"expand": ["payment_method"]}
                )
            return _intent_outcome(_plain(intent), provider_ref=ref)
        return Outcome(PENDING)

    def _session_outcome(self, session: dict[str, Any]) -> Outcome:
        ref = session["id"]
        intent = session.get("payment_intent")
        intent = intent if isinstance(intent, dict) else {}
        customer = session.get("customer") or ""
        if isinstance(customer, dict):
            customer = customer.get("id", "")
        if session.get("status") == "complete" and session.get("payment_status") == "paid":
            collected = collected_details(session)
            if intent:
                outcome = _intent_outcome(intent, provider_ref=ref, customer=customer)
                if outcome.status == SUCCEEDED:
                    return replace(outcome, collected=collected)
            return Outcome(SUCCEEDED, provider_ref=ref, collected=collected)
        if session.get("status") == "expired":
            return Outcome(
                CANCELLED,
                provider_ref=ref,
                decline_code="expired",
                decline_message="The payment page expired before it was used.",
            )
        if intent.get("status") == "requires_payment_method" and intent.get("last_payment_error"):
            return _declined(intent, ref)
        return Outcome(PENDING, provider_ref=ref)

    # -- money back ----------------------------------------------------------------------------
    def refund(self, payment: Payment, refund: Refund) -> str:
        client = stripe_client(payment.shop_id)
        intent_id = payment.provider_ref
        if intent_id.startswith("cs_"):
            with _calling_stripe("checkout session retrieve"):
                session = _plain(client.v1.checkout.sessions.retrieve(intent_id))
            intent_id = session.get("payment_intent") or ""
            if isinstance(intent_id, dict):
                intent_id = intent_id.get("id", "")
        if not intent_id.startswith("pi_"):
            raise ProviderRefused(f"payment {payment.pk} has no Stripe PaymentIntent to refund")
        params = {
            "payment_intent": intent_id,
            "amount": refund.amount,
            "metadata": {"souk_refund_id": str(refund.pk), **_metadata(payment)},
        }
        with _calling_stripe("refund create"):
            created = _plain(
                client.v1.refunds.create(
                    params=params, options={"idempotency_key": refund.idempotency_key}
                )
            )
        if created.get("status") in ("failed", "canceled"):
            raise ProviderRefused(
                f"Stripe refund {created.get('id')} {created.get('status')}: "
                f"{created.get('failure_reason') or 'no reason given'}"
            )
        return created["id"]
