"""A fake Stripe API (`/v1/...`) that the real stripe-python client talks to.

It speaks Stripe's wire format: form-encoded requests with bracket notation
(`payment_intent_data[metadata][souk_payment_id]=7`, `expand[0]=payment_intent`), JSON
objects carrying their `object` type, errors as `{"error": {"type", "code", "decline_code",
"message", "param", "payment_intent"}}` with Stripe's status codes (400, 401, 402, 404). Like
Stripe, it keeps the first answer to each `Idempotency-Key` and replays it for the same request
(`Idempotent-Replayed: true`), and refuses the key reused with other parameters.

Covered: Checkout Sessions (create, list, retrieve with expand, expire), PaymentIntents (create
off session with a saved card, retrieve), Refunds (create). A session's parameters are checked
as Stripe checks them (an unknown one is `parameter_unknown`), including what the page asks
besides the card: `shipping_address_collection[allowed_countries]` (Stripe's own country
list), `phone_number_collection`, `name_collection`, `customer_update` and up to five
`shipping_options[][shipping_rate_data]` (each becomes a ShippingRate, `shr_…`, expandable as
`shipping_cost.shipping_rate`; the first is pre-selected and counted in `amount_total`).
Sessions are shaped as the API version stripe-python pins (2025-03-31 and later): the address
in `collected_information.shipping_details`, name and phone in `customer_details`, the option
chosen in `shipping_cost`. What happens on Stripe's side without an API call is a test helper:

    delivery = fake.complete_session(session_id, card="4242424242424242")
    fake.complete_session(session_id, name="Léa Martin", phone="+33612345678",
                          address={"line1": "…", "postal_code": "…", "city": "…",
                                   "country": "FR"}, shipping_option=1)
    client.post("/webhooks/stripe/", delivery.body, content_type="application/json",
                HTTP_STRIPE_SIGNATURE=delivery.signature)
    fake.event("checkout.session.expired", session)   # any signed event

WeChat Pay beside the card (`payment_method_types[]=card&payment_method_types[]=wechat_pay`,
`payment_method_options[wechat_pay][client]=web`) is checked as Stripe checks it: a client is
required (an `app_id` too for ios/android), the currency must be one WeChat Pay takes, and the
session may not ask `payment_intent_data[setup_future_usage]` (WeChat Pay is single-use; the
card's own `payment_method_options[card][setup_future_usage]` may). The shopper pays with it:
    fake.complete_session(session_id, wallet="wechat_pay")                 # paid
    fake.complete_session(session_id, wallet="wechat_pay", declined=True)  # refused
The payment method is `{"type": "wechat_pay"}`, never attached to the customer.
Test cards, as on Stripe:
  4242424242424242  succeeds, on the page and off session
  4000002760003184  authenticates on the page; off session: authentication_required
  4000000000000341  succeeds on the page; off session: card_declined
  4000000000000002  declined on the page (the session stays open)
"""

from __future__ import annotations

import copy
import json
import re
import secrets
import time
import typing
from dataclasses import dataclass
from typing import Any

import stripe
from stripe.params.checkout import SessionCreateParamsShippingAddressCollection

from tests.fakes.server import FakeServer, RecordedRequest, Response

DEFAULT_SECRET_KEY = "sk_test_souk_fake_0123456789abcdefghijklmnop"
DEFAULT_WEBHOOK_SECRET = "whsec_souk_fake_0123456789abcdefghijklmnop"
API_VERSION = "2025-09-30.clover"

_ROUTES = [
    ("POST", re.compile(r"^/v1/checkout/sessions$"), "checkout.sessions.create"),
    ("GET", re.compile(r"^/v1/checkout/sessions$"), "checkout.sessions.list"),
    ("GET", re.compile(r"^/v1/checkout/sessions/(?P<id>[^/]+)$"), "checkout.sessions.retrieve"),
    (
        "POST",
        re.compile(r"^/v1/checkout/sessions/(?P<id>[^/]+)/expire$"),
        "checkout.sessions.expire",
    ),
    ("POST", re.compile(r"^/v1/payment_intents$"), "payment_intents.create"),
    ("GET", re.compile(r"^/v1/payment_intents/(?P<id>[^/]+)$"), "payment_intents.retrieve"),
    ("POST", re.compile(r"^/v1/refunds$"), "refunds.create"),
]
_INT_FIELDS = {"amount", "unit_amount", "quantity", "expires_at", "value"}
_BOOL_FIELDS = {"off_session", "confirm", "enabled", "optional"}

# What POST /v1/checkout/sessions accepts here (Stripe accepts more; this fake refuses any
# parameter it does not model, as Stripe refuses one it does not know).
_SESSION_PARAMS = frozenset(
    {
        "mode",
        "locale",
        "line_items",
        "payment_intent_data",
        "metadata",
        "client_reference_id",
        "success_url",
        "cancel_url",
        "expires_at",
        "customer",
        "customer_creation",
        "customer_email",
        "customer_update",
        "shipping_address_collection",
        "phone_number_collection",
        "name_collection",
        "shipping_options",
        "payment_method_types",
        "payment_method_options",
        "expand",
    }
)
# The payment methods this fake models, and where WeChat Pay is taken
# (docs.stripe.com/payments/wechat-pay/accept-a-payment, "Supported currencies").
PAYMENT_METHOD_TYPES = ("card", "wechat_pay")
WECHAT_PAY_CURRENCIES = frozenset(
    {"aud", "cad", "chf", "cny", "dkk", "eur", "gbp", "hkd", "jpy", "nok", "sek", "sgd", "usd"}
)
_METHOD_SCHEMA: dict[str, Any] = {
    "payment_method_types": [PAYMENT_METHOD_TYPES],
    "payment_method_options": {
        "card": {"setup_future_usage": ("off_session", "on_session")},
        "wechat_pay": {
            "app_id": str,
            "client": ("android", "ios", "web"),
            "setup_future_usage": ("none",),
        },
    },
}
_AUTO_NEVER = ("auto", "never")
_ESTIMATE_BOUND = {"unit": ("business_day", "day", "hour", "month", "week"), "value": int}
# The shape of the parameters about the shopper's details: a dict is an object (no other
# keys), a one-item list an array of it, a tuple the allowed strings, a type the value's.
_DETAIL_SCHEMA: dict[str, Any] = {
    "customer_update": {"name": _AUTO_NEVER, "address": _AUTO_NEVER, "shipping": _AUTO_NEVER},
    "shipping_address_collection": {"allowed_countries": [str]},
    "phone_number_collection": {"enabled": bool},
    "name_collection": {
        "individual": {"enabled": bool, "optional": bool},
        "business": {"enabled": bool, "optional": bool},
    },
    "shipping_options": [
        {
            "shipping_rate": str,
            "shipping_rate_data": {
                "type": ("fixed_amount",),
                "display_name": str,
                "fixed_amount": {"amount": int, "currency": str},
                "delivery_estimate": {"minimum": _ESTIMATE_BOUND, "maximum": _ESTIMATE_BOUND},
                "metadata": dict,
                "tax_behavior": ("exclusive", "inclusive", "unspecified"),
                "tax_code": str,
            },
        }
    ],
}
SHIPPING_OPTIONS_MAX = 5


@dataclass(frozen=True)
class TestCard:
    number: str
    brand: str
    on_page: str  # succeeded | declined
    off_session: str  # succeeded | authentication_required | card_declined
    decline_code: str = ""


CARDS = {
    card.number: card
    for card in (
        TestCard("4242424242424242", "visa", "succeeded", "succeeded"),
        TestCard(
            "4000002760003184",
            "visa",
            "succeeded",
            "authentication_required",
            "authentication_required",
        ),
        TestCard("4000000000000341", "visa", "succeeded", "card_declined", "generic_decline"),
        TestCard("4000000000000002", "visa", "declined", "card_declined", "generic_decline"),
        TestCard("5555555555554444", "mastercard", "succeeded", "succeeded"),
    )
}


def stripe_countries() -> frozenset[str]:
    """The countries Stripe takes in `allowed_countries`, as stripe-python types them."""
    hints = typing.get_type_hints(SessionCreateParamsShippingAddressCollection)
    (items,) = typing.get_args(hints["allowed_countries"])
    return frozenset(
        code
        for arg in typing.get_args(items)
        if typing.get_origin(arg) is typing.Literal
        for code in typing.get_args(arg)
    )


class StripeError(Exception):
    def __init__(self, status: int, error: dict[str, Any]):
        super().__init__(error.get("message", ""))
        self.status = status
        self.error = error


def _missing(kind: str, object_id: str, param: str = "id") -> StripeError:
    return StripeError(
        404,
        {
            "type": "invalid_request_error",
            "code": "resource_missing",
            "param": param,
            "message": f"No such {kind}: '{object_id}'",
        },
    )


def _invalid(message: str, param: str = "", code: str = "parameter_invalid") -> StripeError:
    error = {"type": "invalid_request_error", "code": code, "message": message}
    if param:
        error["param"] = param
    return StripeError(400, error)


def _unknown(param: str) -> StripeError:
    return _invalid(f"Received unknown parameter: {param}", param, "parameter_unknown")


def _check_shape(value: Any, schema: Any, param: str) -> None:
    """Stripe's answer to a parameter of the wrong shape, naming it in bracket notation."""
    if isinstance(schema, dict):
        if not isinstance(value, dict):
            raise _invalid(f"Invalid object: {param} must be an object.", param)
        for key, item in value.items():
            if key not in schema:
                raise _unknown(f"{param}[{key}]")
            _check_shape(item, schema[key], f"{param}[{key}]")
    elif isinstance(schema, list):
        if not isinstance(value, list):
            raise _invalid(f"Invalid array: {param} must be an array.", param)
        for index, item in enumerate(value):
            _check_shape(item, schema[0], f"{param}[{index}]")
    elif isinstance(schema, tuple):
        if value not in schema:
            raise _invalid(
                f"Invalid {param}: must be one of {', '.join(schema)}", param, "parameter_invalid"
            )
    elif schema is bool and not isinstance(value, bool):
        raise _invalid(f"Invalid boolean: {value}", param, "parameter_invalid_boolean")
    elif schema is int and not isinstance(value, int):
        raise _invalid(f"Invalid integer: {value}", param, "parameter_invalid_integer")
    elif schema is str and not isinstance(value, str):
        raise _invalid(f"Invalid string: {param} must be a string.", param)
    elif schema is dict and not (
        isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
    ):
        raise _invalid(f"Invalid hash: {param} must map keys to strings.", param)


def _missing_param(param: str) -> StripeError:
    return _invalid(f"Missing required param: {param}.", param, "parameter_missing")


@dataclass
class WebhookDelivery:
    """A signed webhook body, as Stripe would POST it."""

    event: dict[str, Any]
    body: bytes
    signature: str

    @property
    def id(self) -> str:
        return self.event["id"]

    def post(self, client, path: str = "/webhooks/stripe/"):
        """Delivers it with a Django test client."""
        return client.post(
            path, self.body, content_type="application/json", HTTP_STRIPE_SIGNATURE=self.signature
        )


@dataclass
class _Idempotent:
    route: str
    params: dict[str, Any]
    response: Response


class FakeStripe(FakeServer):
    """Stripe's API for one account: `secret_key` authenticates, `webhook_secret` signs."""

    def __init__(
        self,
        secret_key: str = DEFAULT_SECRET_KEY,
        webhook_secret: str = DEFAULT_WEBHOOK_SECRET,
    ) -> None:
        super().__init__()
        self.secret_key = secret_key
        self.webhook_secret = webhook_secret
        self.sessions: dict[str, dict[str, Any]] = {}
        self.payment_intents: dict[str, dict[str, Any]] = {}
        self.customers: dict[str, dict[str, Any]] = {}
        self.payment_methods: dict[str, dict[str, Any]] = {}
        self.charges: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.shipping_rates: dict[str, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self._idempotent: dict[tuple[str, str], _Idempotent] = {}
        self._card_of_method: dict[str, TestCard] = {}

    # -- routing ---------------------------------------------------------------------------
    def route_of(self, request: RecordedRequest) -> str:
        for method, pattern, route in _ROUTES:
            match = pattern.match(request.path)
            if match and request.method == method:
                request.meta.update(match.groupdict())
                return route
        return f"{request.method} {request.path}"

    def handle(self, request: RecordedRequest) -> Response:
        auth = request.headers.get("authorization", "")
        if auth != f"Bearer {self.secret_key}":
            given = auth.removeprefix("Bearer ")
            return _error_response(
                StripeError(
                    401,
                    {
                        "type": "invalid_request_error",
                        "message": f"Invalid API Key provided: {given[:8]}****{given[-4:]}",
                    },
                )
            )
        params = decode_params(
            request.query if request.method == "GET" else request.form, request.form_lists
        )
        request.meta["params"] = params
        key = request.headers.get("idempotency-key")
        if request.method == "POST" and key:
            seen = self._idempotent.get((self.secret_key, key))
            if seen is not None:
                if seen.route != request.route or seen.params != params:
                    return _error_response(
                        StripeError(
                            400,
                            {
                                "type": "idempotency_error",
                                "message": (
                                    "Keys for idempotent requests can only be used with the same "
                                    "parameters they were first used with. Try using a key other "
                                    f"than '{key}' if you meant to execute a different request."
                                ),
                            },
                        )
                    )
                replay = seen.response
                return Response(
                    status=replay.status,
                    json=replay.json,
                    headers={**replay.headers, "Idempotent-Replayed": "true"},
                )
        handler = getattr(self, "_" + request.route.replace(".", "_"), None)
        if handler is None:
            response = _error_response(
                StripeError(
                    404,
                    {
                        "type": "invalid_request_error",
                        "message": f"Unrecognized request URL ({request.method}: {request.path})",
                    },
                )
            )
        else:
            try:
                response = Response(json=handler(params, request))
            except StripeError as exc:
                response = _error_response(exc)
        response = Response(
            status=response.status,
            json=response.json,
            headers={**response.headers, "Request-Id": "req_" + secrets.token_hex(7)},
        )
        if request.method == "POST" and key:
            self._idempotent[(self.secret_key, key)] = _Idempotent(request.route, params, response)
        return response

    # -- Checkout Sessions -----------------------------------------------------------------
    def _checkout_sessions_create(self, params, request) -> dict[str, Any]:
        for name in params:
            if name not in _SESSION_PARAMS:
                raise _unknown(name)
        for name, schema in {**_DETAIL_SCHEMA, **_METHOD_SCHEMA}.items():
            if name in params:
                _check_shape(params[name], schema, name)
        if params.get("mode") != "payment":
            raise _invalid("This fake supports mode=payment only.", "mode")
        items = params.get("line_items")
        if not isinstance(items, list) or not items:
            raise _invalid("You must provide at least one line item.", "line_items")
        currency, total = None, 0
        for index, item in enumerate(items):
            price = item.get("price_data") or {}
            if not price.get("product_data", {}).get("name"):
                raise _invalid(
                    f"Missing required param: line_items[{index}][price_data][product_data][name].",
                    f"line_items[{index}][price_data][product_data][name]",
                    "parameter_missing",
                )
            unit, quantity = price.get("unit_amount"), item.get("quantity")
            if not isinstance(unit, int) or unit < 0 or not isinstance(quantity, int):
                raise _invalid("Invalid integer.", f"line_items[{index}][price_data][unit_amount]")
            item_currency = price.get("currency", "")
            if not re.fullmatch(r"[a-z]{3}", item_currency) or currency not in (
                None,
                item_currency,
            ):
                raise _invalid("Invalid currency.", f"line_items[{index}][price_data][currency]")
            currency = item_currency
            total += unit * quantity
        if not params.get("success_url"):
            raise _invalid(
                "Missing required param: success_url.", "success_url", "parameter_missing"
            )
        customer = params.get("customer")
        if customer and params.get("customer_creation"):
            raise _invalid(
                "You may only specify one of these parameters: customer, customer_creation.",
                "customer_creation",
            )
        if customer and customer not in self.customers:
            raise _missing("customer", customer, "customer")
        if params.get("customer_update") and not customer:
            raise _invalid("customer_update can only be used with customer.", "customer_update")
        self._check_details(params)
        method_types = self._check_methods(params, currency)
        options = self._shipping_options(params, currency)
        now = int(time.time())
        expires_at = params.get("expires_at", now + 24 * 3600)
        if not isinstance(expires_at, int) or not now + 1800 <= expires_at <= now + 24 * 3600:
            raise _invalid(
                "The `expires_at` timestamp must be between 30 minutes and 24 hours from "
                "Checkout Session creation.",
                "expires_at",
            )
        session_id = "cs_test_" + secrets.token_urlsafe(24).replace("-", "a").replace("_", "b")
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": "payment",
            "status": "open",
            "payment_status": "unpaid",
            "amount_subtotal": total,
            "amount_total": total,
            "currency": currency,
            "customer": customer,
            "customer_creation": params.get("customer_creation"),
            "customer_details": None,
            "collected_information": None,
            "shipping_address_collection": params.get("shipping_address_collection"),
            "phone_number_collection": {
                "enabled": bool((params.get("phone_number_collection") or {}).get("enabled"))
            },
            "name_collection": params.get("name_collection"),
            "shipping_options": options,
            "shipping_cost": None,
            "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
            "client_reference_id": params.get("client_reference_id"),
            "metadata": dict(params.get("metadata") or {}),
            "payment_intent": None,
            "payment_method_types": method_types,
            "payment_method_options": copy.deepcopy(params.get("payment_method_options") or {}),
            "success_url": params["success_url"],
            "cancel_url": params.get("cancel_url"),
            "expires_at": expires_at,
            "created": now,
            "livemode": False,
            "url": f"{self.url}/c/pay/{session_id}",
        }
        self.sessions[session_id] = session
        if options:  # Stripe's page pre-selects the first option, counted in the total
            self._choose_shipping(session, 0)
        # What Stripe keeps to build the PaymentIntent once the shopper pays (not returned).
        session["_payment_intent_data"] = copy.deepcopy(params.get("payment_intent_data") or {})
        session["_line_items"] = copy.deepcopy(items)
        session["_customer_update"] = dict(params.get("customer_update") or {})
        return self._public(session)

    def _check_methods(self, params, currency: str | None) -> list[str]:
        """The payment method types the page offers, refused as Stripe refuses them."""
        types = params.get("payment_method_types") or ["card"]
        options = params.get("payment_method_options") or {}
        if "wechat_pay" in types:
            wechat = options.get("wechat_pay") or {}
            if not wechat.get("client"):
                raise _missing_param("payment_method_options[wechat_pay][client]")
            if wechat["client"] in ("ios", "android") and not wechat.get("app_id"):
                raise _missing_param("payment_method_options[wechat_pay][app_id]")
            if currency not in WECHAT_PAY_CURRENCIES:
                raise _invalid(
                    f"The currency provided ({currency}) is invalid. Payments with wechat_pay "
                    "support the following currencies: "
                    f"{', '.join(sorted(WECHAT_PAY_CURRENCIES))}.",
                    "payment_method_types",
                )
            if (params.get("payment_intent_data") or {}).get("setup_future_usage"):
                raise _invalid(
                    "The following payment method types do not support setup_future_usage: "
                    "wechat_pay.",
                    "payment_intent_data[setup_future_usage]",
                )
        return list(types)

    def _check_details(self, params) -> None:
        """What Stripe refuses in the parameters asking the shopper's details."""
        collection = params.get("shipping_address_collection")
        if collection is not None:
            countries = collection.get("allowed_countries")
            if not countries:
                raise _missing_param("shipping_address_collection[allowed_countries]")
            accepted = stripe_countries()
            for index, country in enumerate(countries):
                if country not in accepted:
                    raise _invalid(
                        f"Invalid shipping_address_collection[allowed_countries][{index}]: "
                        f"must be one of {', '.join(sorted(accepted))}",
                        f"shipping_address_collection[allowed_countries][{index}]",
                    )
        for name, node in (
            ("phone_number_collection", params.get("phone_number_collection")),
            (
                "name_collection[individual]",
                (params.get("name_collection") or {}).get("individual"),
            ),
            ("name_collection[business]", (params.get("name_collection") or {}).get("business")),
        ):
            if node is not None and "enabled" not in node:
                raise _missing_param(f"{name}[enabled]")

    def _shipping_options(self, params, currency: str | None) -> list[dict[str, Any]]:
        """Each `shipping_rate_data` becomes a ShippingRate, as on Stripe."""
        given = params.get("shipping_options") or []
        if len(given) > SHIPPING_OPTIONS_MAX:
            raise _invalid(
                f"shipping_options: you can specify up to {SHIPPING_OPTIONS_MAX} shipping "
                f"options, got {len(given)}.",
                "shipping_options",
                "parameter_invalid",
            )
        options = []
        for index, option in enumerate(given):
            param = f"shipping_options[{index}]"
            if ("shipping_rate" in option) == ("shipping_rate_data" in option):
                raise _invalid(
                    f"You must specify exactly one of {param}[shipping_rate] or "
                    f"{param}[shipping_rate_data].",
                    param,
                )
            if "shipping_rate" in option:
                rate = self.shipping_rates.get(option["shipping_rate"])
                if rate is None:
                    raise _missing("shipping_rate", option["shipping_rate"], param)
            else:
                rate = self._new_shipping_rate(option["shipping_rate_data"], param, currency)
            options.append(
                {"shipping_amount": rate["fixed_amount"]["amount"], "shipping_rate": rate["id"]}
            )
        return options

    def _new_shipping_rate(self, data, param: str, currency: str | None) -> dict[str, Any]:
        param += "[shipping_rate_data]"
        if not data.get("display_name"):
            raise _missing_param(f"{param}[display_name]")
        fixed = data.get("fixed_amount")
        if fixed is None:
            raise _missing_param(f"{param}[fixed_amount]")
        for name in ("amount", "currency"):
            if name not in fixed:
                raise _missing_param(f"{param}[fixed_amount][{name}]")
        if fixed["amount"] < 0:
            raise _invalid(
                "This value must be greater than or equal to 0.", f"{param}[fixed_amount][amount]"
            )
        if fixed["currency"] != currency:
            raise _invalid(
                f"The shipping rate's currency ({fixed['currency']}) must match the Checkout "
                f"Session's currency ({currency}).",
                f"{param}[fixed_amount][currency]",
            )
        for bound, value in (data.get("delivery_estimate") or {}).items():
            if "unit" not in value or "value" not in value:
                raise _missing_param(f"{param}[delivery_estimate][{bound}][unit]")
            if value["value"] < 1:
                raise _invalid(
                    "Must be greater than 0.", f"{param}[delivery_estimate][{bound}][value]"
                )
        rate_id = "shr_" + secrets.token_hex(12)
        self.shipping_rates[rate_id] = {
            "id": rate_id,
            "object": "shipping_rate",
            "active": True,
            "type": "fixed_amount",
            "display_name": data["display_name"],
            "fixed_amount": {"amount": fixed["amount"], "currency": fixed["currency"]},
            "delivery_estimate": copy.deepcopy(data.get("delivery_estimate")),
            "metadata": dict(data.get("metadata") or {}),
            "tax_behavior": data.get("tax_behavior", "unspecified"),
            "tax_code": data.get("tax_code"),
            "created": int(time.time()),
            "livemode": False,
        }
        return self.shipping_rates[rate_id]

    def _choose_shipping(self, session: dict[str, Any], index: int) -> None:
        option = session["shipping_options"][index]
        amount = option["shipping_amount"]
        session["shipping_cost"] = {
            "amount_subtotal": amount,
            "amount_tax": 0,
            "amount_total": amount,
            "shipping_rate": option["shipping_rate"],
        }
        session["total_details"]["amount_shipping"] = amount
        session["amount_total"] = session["amount_subtotal"] + amount

    def _checkout_sessions_list(self, params, request) -> dict[str, Any]:
        limit = int(params.get("limit", 10))
        if not 1 <= limit <= 100:
            raise _invalid("This value must be between 1 and 100.", "limit")
        newest = sorted(self.sessions.values(), key=lambda s: s["created"], reverse=True)
        return {
            "object": "list",
            "url": "/v1/checkout/sessions",
            "has_more": len(newest) > limit,
            "data": [self._public(session) for session in newest[:limit]],
        }

    def _checkout_sessions_retrieve(self, params, request) -> dict[str, Any]:
        session = self._session(request.meta["id"])
        return self._expand(self._public(session), params.get("expand") or [])

    def _checkout_sessions_expire(self, params, request) -> dict[str, Any]:
        session = self._session(request.meta["id"])
        if session["status"] != "open":
            raise _invalid('Only Checkout Sessions with a status in ["open"] can be expired.')
        session["status"] = "expired"
        session["url"] = None
        self.event("checkout.session.expired", self._public(session))
        return self._public(session)

    def _session(self, session_id: str) -> dict[str, Any]:
        session = self.sessions.get(session_id)
        if session is None:
            raise _missing("checkout.session", session_id)
        return session

    # -- PaymentIntents --------------------------------------------------------------------
    def _payment_intents_create(self, params, request) -> dict[str, Any]:
        amount, currency = params.get("amount"), params.get("currency", "")
        if not isinstance(amount, int) or amount < 1:
            raise _invalid("This value must be greater than or equal to 1.", "amount")
        if not re.fullmatch(r"[a-z]{3}", currency):
            raise _invalid(f"Invalid currency: {currency}.", "currency")
        customer = params.get("customer")
        if customer and customer not in self.customers:
            raise _missing("customer", customer, "customer")
        method_id = params.get("payment_method")
        method = self.payment_methods.get(method_id) if method_id else None
        if method_id and method is None:
            raise _missing("PaymentMethod", method_id, "payment_method")
        if method is not None and method.get("customer") != customer:
            raise _invalid(
                f"The provided PaymentMethod {method_id} does not belong to the Customer "
                f"{customer}.",
                "payment_method",
            )
        if params.get("off_session") and not params.get("confirm"):
            raise _invalid("off_session can only be used with confirm=true.", "off_session")
        intent = self._new_intent(
            amount=amount,
            currency=currency,
            customer=customer,
            payment_method=method_id,
            metadata=params.get("metadata") or {},
            setup_future_usage=params.get("setup_future_usage"),
            description=params.get("description"),
        )
        if not params.get("confirm"):
            intent["status"] = "requires_confirmation" if method else "requires_payment_method"
            return self._public(intent)
        card = self._card_of_method.get(method_id) if method_id else None
        if card is None:
            raise _invalid("You must provide a payment method to confirm.", "payment_method")
        result = card.off_session if params.get("off_session") else card.on_page
        if result == "succeeded":
            self._succeed(intent)
            self.event("payment_intent.succeeded", self._public(intent))
            return self._public(intent)
        code = "authentication_required" if result == "authentication_required" else "card_declined"
        message = (
            "Your card was declined. This transaction requires authentication."
            if code == "authentication_required"
            else "Your card was declined."
        )
        error = {
            "type": "card_error",
            "code": code,
            "decline_code": card.decline_code or "generic_decline",
            "message": message,
            "payment_method": copy.deepcopy(method),
        }
        intent["status"] = "requires_payment_method"
        intent["last_payment_error"] = copy.deepcopy(error)
        self.event("payment_intent.payment_failed", self._public(intent))
        raise StripeError(402, {**error, "payment_intent": self._public(intent)})

    def _payment_intents_retrieve(self, params, request) -> dict[str, Any]:
        intent = self.payment_intents.get(request.meta["id"])
        if intent is None:
            raise _missing("payment_intent", request.meta["id"])
        return self._expand(self._public(intent), params.get("expand") or [])

    def _new_intent(self, **fields) -> dict[str, Any]:
        intent_id = "pi_" + secrets.token_hex(12)
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": fields["amount"],
            "amount_received": 0,
            "currency": fields["currency"],
            "customer": fields.get("customer"),
            "payment_method": fields.get("payment_method"),
            "setup_future_usage": fields.get("setup_future_usage"),
            "payment_method_types": ["card"],
            "payment_method_options": {},
            "description": fields.get("description"),
            "metadata": dict(fields.get("metadata") or {}),
            "status": "requires_payment_method",
            "latest_charge": None,
            "last_payment_error": None,
            "created": int(time.time()),
            "livemode": False,
        }
        self.payment_intents[intent_id] = intent
        return intent

    def _succeed(self, intent: dict[str, Any]) -> None:
        charge_id = "ch_" + secrets.token_hex(12)
        self.charges[charge_id] = {
            "id": charge_id,
            "object": "charge",
            "amount": intent["amount"],
            "amount_refunded": 0,
            "currency": intent["currency"],
            "customer": intent["customer"],
            "payment_intent": intent["id"],
            "payment_method": intent["payment_method"],
            "paid": True,
            "refunded": False,
            "status": "succeeded",
            "created": int(time.time()),
        }
        intent.update(
            status="succeeded",
            amount_received=intent["amount"],
            latest_charge=charge_id,
            last_payment_error=None,
        )

    # -- Refunds ---------------------------------------------------------------------------
    def _refunds_create(self, params, request) -> dict[str, Any]:
        if params.get("payment_intent"):
            intent = self.payment_intents.get(params["payment_intent"])
            if intent is None:
                raise _missing("payment_intent", params["payment_intent"], "payment_intent")
            charge = self.charges.get(intent.get("latest_charge") or "")
            if charge is None:
                raise _invalid(
                    f"This PaymentIntent ({intent['id']}) does not have a successful charge "
                    "to refund.",
                    "payment_intent",
                )
        elif params.get("charge"):
            charge = self.charges.get(params["charge"])
            if charge is None:
                raise _missing("charge", params["charge"], "charge")
        else:
            raise _invalid(
                "One of the following params should be provided: charge, payment_intent."
            )
        left = charge["amount"] - charge["amount_refunded"]
        amount = params.get("amount", left)
        if left == 0:
            raise _invalid(
                f"Charge {charge['id']} has already been refunded.",
                code="charge_already_refunded",
            )
        if not isinstance(amount, int) or amount < 1 or amount > left:
            raise _invalid(
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})",
                "amount",
                "amount_too_large",
            )
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        refund_id = "re_" + secrets.token_hex(12)
        refund = {
            "id": refund_id,
            "object": "refund",
            "amount": amount,
            "currency": charge["currency"],
            "charge": charge["id"],
            "payment_intent": charge["payment_intent"],
            "metadata": dict(params.get("metadata") or {}),
            "reason": params.get("reason"),
            "status": "succeeded",
            "created": int(time.time()),
        }
        self.refunds[refund_id] = refund
        self.event("charge.refunded", copy.deepcopy(charge))
        return copy.deepcopy(refund)

    # -- what happens on Stripe's side (test helpers) ---------------------------------------
    def complete_session(
        self,
        session_id: str,
        card: str = "4242424242424242",
        *,
        exp_year: int | None = None,
        name: str = "Jenny Rosen",
        phone: str = "+33612345678",
        address: dict[str, str] | None = None,
        shipping_option: int = 0,
        email: str = "jenny.rosen@example.com",
        wallet: str = "",
        declined: bool = False,
    ) -> WebhookDelivery:
        """The shopper pays on the Checkout page with `card`, typing what the page asks: the
        name on the card (and on the address), the phone when `phone_number_collection` is
        on, the address (`line1`, `postal_code`, `city`, `country`, …) when
        `shipping_address_collection` is set, and the delivery option `shipping_option` (an
        index in the session's options). Returns the signed event Stripe would send:
        checkout.session.completed, or payment_intent.payment_failed when the card is
        declined (the session stays open for another try). `wallet="wechat_pay"`: paid with
        WeChat Pay instead (the session must offer it), refused when `declined`."""
        with self._lock:
            session = self._session(session_id)
            if session["status"] != "open":
                raise AssertionError(f"session {session_id} is {session['status']}")
            self._fill_page(session, name, phone, email, address, shipping_option)
            if wallet and wallet not in session["payment_method_types"]:
                raise AssertionError(f"session {session_id} does not offer {wallet}")
            test_card = CARDS[card.replace(" ", "")]
            data = session["_payment_intent_data"]
            customer = session["customer"]
            if customer is None:
                customer = self.create_customer()["id"]
            if wallet:
                method = self._new_wallet_method(wallet)
            else:
                method = self._new_method(test_card, exp_year=exp_year)
            intent = self._existing_intent(session) or self._new_intent(
                amount=session["amount_total"],
                currency=session["currency"],
                customer=customer,
                payment_method=None,
                metadata=data.get("metadata") or {},
                setup_future_usage=data.get("setup_future_usage"),
                description=data.get("description"),
            )
            intent["payment_method_types"] = list(session["payment_method_types"])
            intent["payment_method_options"] = copy.deepcopy(session["payment_method_options"])
            intent["payment_method"] = method["id"]
            intent["amount"] = session["amount_total"]  # with the delivery option chosen now
            session["payment_intent"] = intent["id"]
            if declined if wallet else test_card.on_page != "succeeded":
                intent["status"] = "requires_payment_method"
                intent["last_payment_error"] = {
                    "type": "invalid_request_error" if wallet else "card_error",
                    "code": "payment_method_provider_decline" if wallet else "card_declined",
                    "decline_code": "" if wallet else test_card.decline_code,
                    "message": "The payment was declined by WeChat Pay."
                    if wallet
                    else "Your card was declined.",
                    "payment_method": copy.deepcopy(method),
                }
                return self.event("payment_intent.payment_failed", self._public(intent))
            card_options = intent["payment_method_options"].get("card") or {}
            saving = intent.get("setup_future_usage") or card_options.get("setup_future_usage")
            if saving and method["type"] == "card":
                method["customer"] = customer  # attached: chargeable off session later
            self._customer_keeps(session, customer)
            self._succeed(intent)
            session.update(status="complete", payment_status="paid", customer=customer, url=None)
            self.event("payment_intent.succeeded", self._public(intent))
            return self.event("checkout.session.completed", self._public(session))

    def _fill_page(self, session, name, phone, email, address, shipping_option) -> None:
        """What Stripe's page records of the shopper (every field it asked is required)."""
        collection = session.get("shipping_address_collection")
        shipping = None
        if collection:
            address = {
                "line1": "12 rue de la Paix",
                "line2": None,
                "postal_code": "75002",
                "city": "Paris",
                "state": None,
                "country": "FR",
                **(address or {}),
            }
            if address["country"] not in collection["allowed_countries"]:
                raise AssertionError(
                    f"Stripe's page offers no {address['country']}: "
                    f"{collection['allowed_countries']}"
                )
            shipping = {"name": name, "address": address}
        elif address is not None:
            raise AssertionError("this session's page asks no address")
        individual = (session.get("name_collection") or {}).get("individual") or {}
        asks_phone = session["phone_number_collection"]["enabled"]
        session["customer_details"] = {
            "email": email,
            "name": name,
            "individual_name": name if individual.get("enabled") else None,
            "business_name": None,
            "phone": phone if asks_phone else None,
            "address": copy.deepcopy(shipping["address"]) if shipping else None,
            "tax_exempt": "none",
            "tax_ids": [],
        }
        session["collected_information"] = {
            "business_name": None,
            "individual_name": name if individual.get("enabled") else None,
            "shipping_details": shipping,
        }
        if session["shipping_options"]:
            if not 0 <= shipping_option < len(session["shipping_options"]):
                raise AssertionError(f"no shipping option {shipping_option} on this page")
            self._choose_shipping(session, shipping_option)

    def _customer_keeps(self, session: dict[str, Any], customer_id: str) -> None:
        """A customer Checkout created keeps the name, e-mail and phone; a given one what
        `customer_update` allowed."""
        customer = self.customers[customer_id]
        details = session["customer_details"] or {}
        shipping = (session.get("collected_information") or {}).get("shipping_details")
        update = session["_customer_update"]
        created = session.get("customer_creation") == "always" and session["customer"] is None
        if created or update.get("name") == "auto":
            customer["name"] = details.get("name")
        if created:
            customer.update(email=details.get("email"), phone=details.get("phone"))
        if shipping and (created or update.get("shipping") == "auto"):
            customer["shipping"] = {**copy.deepcopy(shipping), "phone": details.get("phone")}

    def create_customer(self) -> dict[str, Any]:
        customer_id = "cus_" + secrets.token_hex(7)
        self.customers[customer_id] = {
            "id": customer_id,
            "object": "customer",
            "created": int(time.time()),
        }
        return copy.deepcopy(self.customers[customer_id])

    def saved_card(self, card: str = "4242424242424242") -> tuple[str, str]:
        """A customer with `card` saved on it: (customer id, payment method id)."""
        with self._lock:
            customer = self.create_customer()["id"]
            method = self._new_method(CARDS[card])
            method["customer"] = customer
            return customer, method["id"]

    def expire_session(self, session_id: str) -> WebhookDelivery:
        """The session's expires_at passed."""
        with self._lock:
            session = self._session(session_id)
            session.update(status="expired", url=None)
            return self.event("checkout.session.expired", self._public(session))

    def event(self, type: str, obj: dict[str, Any]) -> WebhookDelivery:
        """Records an event about `obj` (a snapshot, as Stripe sends) and signs it."""
        event = {
            "id": "evt_" + secrets.token_hex(12),
            "object": "event",
            "api_version": API_VERSION,
            "created": int(time.time()),
            "type": type,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "data": {"object": copy.deepcopy(obj)},
        }
        with self._lock:
            self.events.append(event)
        return self.sign(event)

    def sign(
        self,
        event: dict[str, Any],
        *,
        secret: str | None = None,
        timestamp: int | None = None,
    ) -> WebhookDelivery:
        body = json.dumps(event, separators=(",", ":"))
        header = stripe.WebhookSignature.generate_signature_header(
            body, secret or self.webhook_secret, timestamp=timestamp
        )
        return WebhookDelivery(event, body.encode(), header)

    def events_of(self, type: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == type]

    # -- internals -------------------------------------------------------------------------
    def _new_method(self, card: TestCard, *, exp_year: int | None = None) -> dict[str, Any]:
        method_id = "pm_" + secrets.token_hex(12)
        self.payment_methods[method_id] = {
            "id": method_id,
            "object": "payment_method",
            "type": "card",
            "customer": None,
            "card": {
                "brand": card.brand,
                "last4": card.number[-4:],
                "exp_month": 12,
                "exp_year": exp_year or time.gmtime().tm_year + 3,
                "funding": "credit",
                "country": "US",
            },
            "created": int(time.time()),
        }
        self._card_of_method[method_id] = card
        return self.payment_methods[method_id]

    def _new_wallet_method(self, wallet: str) -> dict[str, Any]:
        """A wallet's payment method: single-use, never attached to a customer."""
        method_id = "pm_" + secrets.token_hex(12)
        self.payment_methods[method_id] = {
            "id": method_id,
            "object": "payment_method",
            "type": wallet,
            wallet: {},
            "customer": None,
            "created": int(time.time()),
        }
        return self.payment_methods[method_id]

    def _existing_intent(self, session: dict[str, Any]) -> dict[str, Any] | None:
        return self.payment_intents.get(session.get("payment_intent") or "")

    def _public(self, obj: dict[str, Any]) -> dict[str, Any]:
        return {k: copy.deepcopy(v) for k, v in obj.items() if not k.startswith("_")}

    def _expand(self, obj: dict[str, Any], paths: list[str]) -> dict[str, Any]:
        for path in paths:
            self._expand_path(obj, path.split("."))
        return obj

    def _expand_path(self, obj: dict[str, Any], parts: list[str]) -> None:
        head, rest = parts[0], parts[1:]
        value = obj.get(head)
        if isinstance(value, str):
            store = {
                "payment_intent": self.payment_intents,
                "payment_method": self.payment_methods,
                "customer": self.customers,
                "latest_charge": self.charges,
                "charge": self.charges,
                "shipping_rate": self.shipping_rates,
            }.get(head)
            if store is None:
                raise _invalid(f"This property cannot be expanded ({head}).", "expand")
            if value in store:
                obj[head] = value = self._public(store[value])
        if rest and isinstance(value, dict):
            self._expand_path(value, rest)


def _error_response(exc: StripeError) -> Response:
    return Response(status=exc.status, json={"error": exc.error})


def decode_params(flat: dict[str, str], lists: dict[str, list[str]]) -> dict[str, Any]:
    """Stripe's bracket notation back into nested dicts and lists:
    `line_items[0][price_data][currency]=eur` → {"line_items": [{"price_data": {...}}]}.
    Integers and booleans of the fields Stripe types are converted."""
    root: dict[str, Any] = {}
    pairs: list[tuple[str, str]] = []
    for key, value in flat.items():
        if key.endswith("[]"):
            pairs.extend((key[:-2] + f"[{i}]", v) for i, v in enumerate(lists.get(key, [value])))
        else:
            pairs.append((key, value))
    for key, value in pairs:
        parts = re.findall(r"^[^\[]+|(?<=\[)[^\]]*(?=\])", key)
        node: Any = root
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if last:
                # Metadata values stay the strings they were, whatever their key.
                node[part] = value if "metadata" in parts[:-1] else _typed(part, value)
            else:
                node = node.setdefault(part, {})
    return _lists(root)


def _typed(name: str, value: str) -> Any:
    if name in _INT_FIELDS and re.fullmatch(r"-?\d+", value):
        return int(value)
    if name in _BOOL_FIELDS and value in ("true", "false"):
        return value == "true"
    return value


def _lists(node: Any) -> Any:
    """Dicts whose keys are all 0..n-1 become lists (that is how arrays travel)."""
    if not isinstance(node, dict):
        return node
    converted = {k: _lists(v) for k, v in node.items()}
    if converted and all(k.isdigit() for k in converted):
        keys = sorted(converted, key=int)
        if [int(k) for k in keys] == list(range(len(keys))):
            return [converted[k] for k in keys]
    return converted
