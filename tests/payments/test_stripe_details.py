"""Stripe Checkout asks the shopper's details the chat left to it (name, phone, address,
delivery option), and what the shopper typed there ends up on the order, its receipt and the
shopper's next checkout. The real stripe-python client talks HTTP to FakeStripe; webhooks are
signed as Stripe signs them and posted to /webhooks/stripe/."""

import pytest
import stripe

from channels_adapters.messages import receipt_text
from conversations.notifications import receipt
from orders.checkout import checkout_complete, checkout_start, checkout_update
from orders.models import OrderEvent, ShippingKind, ShippingRate
from orders.services import cart_add, cart_open
from orders.transitions import PaymentStatus
from payments import services
from payments.models import Payment, PaymentState
from payments.providers.registry import provider_for
from payments.providers.stripe import stripe_client
from payments.providers.stripe_details import shipping_countries, stripe_shipping_countries

pytestmark = pytest.mark.django_db

ADDRESS = {"line1": "12 rue de la Paix", "postal_code": "75002", "city": "Paris", "country": "FR"}


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def deliver(client, on_commit):
    def post(delivery):
        with on_commit():
            response = delivery.post(client)
        assert response.status_code == 200
        return response

    return post


@pytest.fixture
def rates(shop):
    """Two ways to deliver, as the brand set them up (position order)."""
    return [
        ShippingRate.objects.create(shop=shop, name="Colissimo", amount=490, position=0),
        ShippingRate.objects.create(
            shop=shop,
            name="Chronopost",
            kind=ShippingKind.FREE_ABOVE,
            amount=990,
            free_above=100_000,
            position=1,
        ),
    ]


@pytest.fixture
def order_for(shop, variant, customer):
    """An order placed by the chat with only the details given (the page asks the rest)."""

    def place(quantity: int = 2, **details):
        cart = cart_open(shop=shop, owner_key=f"details:{customer.pk}")
        cart_add(cart=cart, variant=variant, quantity=quantity)
        checkout = checkout_start(cart=cart, customer=customer)
        if details:
            checkout_update(checkout=checkout, **details)
        return checkout_complete(checkout=checkout, require_details=False)

    return place


@pytest.fixture
def pay_link(fake_stripe, on_commit):
    def start(order) -> Payment:
        with on_commit():
            payment = services.payment_link_start(order=order)
        payment.refresh_from_db()
        return payment

    return start


def _sent(fake_stripe) -> tuple[dict, dict]:
    """The last session created: (parameters as decoded, raw form fields as sent)."""
    request = fake_stripe.last("checkout.sessions.create")
    return request.meta["params"], request.form


# -- what the page is asked to collect ----------------------------------------------------------
def test_a_new_shoppers_page_asks_address_phone_and_delivery_option(
    order_for, rates, pay_link, fake_stripe
):
    order = order_for(contact_name="Léa Martin")  # only the name came from the platform
    payment = pay_link(order)

    params, form = _sent(fake_stripe)
    # The wire format stripe-python sends: bracket notation, booleans as "true".
    assert form["phone_number_collection[enabled]"] == "true"
    assert form["shipping_address_collection[allowed_countries][0]"] == "AD"
    assert form["shipping_options[0][shipping_rate_data][display_name]"] == "Colissimo"
    assert form["shipping_options[0][shipping_rate_data][fixed_amount][amount]"] == "490"
    assert form["shipping_options[0][shipping_rate_data][fixed_amount][currency]"] == "eur"
    assert form["shipping_options[0][shipping_rate_data][type]"] == "fixed_amount"
    assert form["shipping_options[1][shipping_rate_data][metadata][souk_shipping_rate_id]"] == (
        str(rates[1].pk)
    )
    # A Paris shop in euros ships across the euro area, not to the United States.
    countries = params["shipping_address_collection"]["allowed_countries"]
    assert {"FR", "BE", "DE", "ES", "IT", "MC"} <= set(countries)
    assert "US" not in countries and "GB" not in countries
    # The free-above rate is priced for these goods (2 x 49,90 € is under its threshold).
    amounts = [
        o["shipping_rate_data"]["fixed_amount"]["amount"] for o in params["shipping_options"]
    ]
    assert amounts == [490, 990]
    assert "name_collection" not in params  # the name is known (and the address form asks one)
    # Stripe's page opens on the first option, counted in what it shows.
    session = fake_stripe.sessions[payment.provider_ref]
    assert session["amount_total"] == order.subtotal + 490


def test_a_rate_with_a_promised_delay_shows_it_on_stripes_page(
    shop, order_for, pay_link, fake_stripe
):
    ShippingRate.objects.create(
        shop=shop, name="Colissimo", amount=490, delivery_days_min=2, delivery_days_max=4
    )
    ShippingRate.objects.create(shop=shop, name="Coursier", amount=1500, delivery_days_max=1)
    ShippingRate.objects.create(shop=shop, name="Lettre suivie", amount=250)
    pay_link(order_for())

    _, form = _sent(fake_stripe)
    estimate = "shipping_options[{}][shipping_rate_data][delivery_estimate]"
    assert form[estimate.format(0) + "[minimum][unit]"] == "business_day"
    assert form[estimate.format(0) + "[minimum][value]"] == "2"
    assert form[estimate.format(0) + "[maximum][value]"] == "4"
    assert form[estimate.format(1) + "[maximum][value]"] == "1"
    assert not any(key.startswith(estimate.format(1) + "[minimum]") for key in form)
    assert not any(key.startswith(estimate.format(2)) for key in form)  # nothing promised
    rates = fake_stripe.shipping_rates.values()
    assert {r["display_name"]: r["delivery_estimate"] for r in rates}["Colissimo"] == {
        "minimum": {"unit": "business_day", "value": 2},
        "maximum": {"unit": "business_day", "value": 4},
    }


def test_a_page_asks_nothing_the_order_already_has(order_for, rates, pay_link, fake_stripe):
    order = order_for(
        contact_name="Léa Martin",
        contact_phone="+33612345678",
        shipping_address={"text": "12 rue de la Paix, 75002 Paris, FR"},
        shipping_rate=rates[0],
    )
    pay_link(order)

    params, _ = _sent(fake_stripe)
    for asked in (
        "shipping_address_collection",
        "phone_number_collection",
        "name_collection",
        "shipping_options",
        "customer_update",
    ):
        assert asked not in params
    assert params["line_items"][0]["price_data"]["unit_amount"] == order.total == 2 * 4990 + 490


def test_a_pickup_order_asks_the_name_but_no_address(shop, order_for, pay_link, fake_stripe):
    pickup = ShippingRate.objects.create(shop=shop, name="Boutique", kind=ShippingKind.PICKUP)
    order = order_for(contact_phone="+33612345678", shipping_rate=pickup)
    pay_link(order)

    params, form = _sent(fake_stripe)
    assert "shipping_address_collection" not in params
    assert form["name_collection[individual][enabled]"] == "true"


def test_a_choice_of_pickup_points_asks_no_address(shop, order_for, pay_link, fake_stripe):
    for name in ("Boutique Marais", "Boutique Batignolles"):
        ShippingRate.objects.create(shop=shop, name=name, kind=ShippingKind.PICKUP)
    pay_link(order_for(contact_name="Léa Martin", contact_phone="+33612345678"))

    params, _ = _sent(fake_stripe)
    assert "shipping_address_collection" not in params
    assert [
        o["shipping_rate_data"]["fixed_amount"]["amount"] for o in params["shipping_options"]
    ] == [
        0,
        0,
    ]


def test_a_shop_with_more_than_five_rates_offers_its_first_five(
    shop, order_for, pay_link, fake_stripe
):
    for position in range(7):
        ShippingRate.objects.create(
            shop=shop, name=f"Option {position}", amount=100 * position, position=position
        )
    pay_link(order_for(contact_name="Léa"))

    params, _ = _sent(fake_stripe)
    names = [o["shipping_rate_data"]["display_name"] for o in params["shipping_options"]]
    assert names == [f"Option {n}" for n in range(5)]
    assert provider_for("stripe").delivery_options_max == 5


def test_a_shopper_stripe_knows_keeps_the_details_on_their_stripe_customer(
    shop, customer, order_for, pay_link, fake_stripe, deliver
):
    stripe_customer, method_id = fake_stripe.saved_card()
    from payments.models import PaymentMethod

    PaymentMethod.objects.create(
        shop=shop,
        customer=customer,
        provider="stripe",
        provider_customer_id=stripe_customer,
        provider_method_id=method_id,
        brand="visa",
        last4="4242",
        is_active=False,  # removed by the shopper: a link, not a saved-card charge
    )
    payment = pay_link(order_for(contact_name="Léa Martin"))

    params, _ = _sent(fake_stripe)
    assert params["customer"] == stripe_customer
    assert params["customer_update"] == {"name": "auto", "shipping": "auto"}
    deliver(fake_stripe.complete_session(payment.provider_ref, name="Léa Martin", address=ADDRESS))
    kept = fake_stripe.customers[stripe_customer]
    assert kept["name"] == "Léa Martin"
    assert kept["shipping"]["address"]["line1"] == "12 rue de la Paix"


def test_countries_follow_the_shops_time_zone_and_currency(make_shop):
    def shop_in(currency: str, timezone: str):
        shop = make_shop(currency=currency)
        shop.timezone = timezone
        return shop

    assert shipping_countries(shop_in("GBP", "Europe/London")) == [
        "GB", "GG", "GS", "IM", "JE", "TA"
    ]  # fmt: skip
    assert shipping_countries(shop_in("CHF", "Europe/Zurich")) == ["CH", "LI"]
    assert shipping_countries(shop_in("JPY", "Asia/Tokyo")) == ["JP"]
    assert {"CH", "FR", "DE"} <= set(shipping_countries(shop_in("EUR", "Europe/Zurich")))
    assert shipping_countries(shop_in("ISK", "UTC")) == ["IS"]
    # Nothing tells where a UTC shop paid in special drawing rights is: every country Stripe
    # serves, rather than a page refusing the shopper's address.
    assert set(shipping_countries(shop_in("XDR", "UTC"))) == stripe_shipping_countries()
    assert "ZZ" not in stripe_shipping_countries() and len(stripe_shipping_countries()) > 200


# -- what the shopper typed, back on the order --------------------------------------------------
def test_details_and_delivery_option_typed_on_stripe_are_written_on_the_order(
    order_for, rates, pay_link, fake_stripe, deliver
):
    order = order_for()  # the chat asked nothing
    payment = pay_link(order)

    deliver(
        fake_stripe.complete_session(
            payment.provider_ref,
            name="Léa Martin",
            phone="+33 6 12 34 56 78",
            address={**ADDRESS, "line2": "3e étage"},
            shipping_option=1,  # Chronopost
        )
    )

    order.refresh_from_db()
    payment.refresh_from_db()
    session = fake_stripe.sessions[payment.provider_ref]
    assert order.payment_status == PaymentStatus.PAID
    assert (order.contact_name, order.contact_phone) == ("Léa Martin", "+33 6 12 34 56 78")
    assert order.shipping_address == {
        "text": "12 rue de la Paix, 3e étage, 75002 Paris, FR",
        "street_line1": "12 rue de la Paix",
        "street_line2": "3e étage",
        "post_code": "75002",
        "city": "Paris",
        "state": "",
        "country_code": "FR",
    }
    assert (order.shipping_rate, order.shipping_method) == (rates[1], "Chronopost")
    # Amount integrity: what Stripe charged is the order's total and the payment's amount.
    assert order.shipping_total == 990
    assert order.total == order.subtotal + 990 == session["amount_total"] == payment.amount
    assert fake_stripe.payment_intents[session["payment_intent"]]["amount"] == order.total
    assert services.refund_left(order=order) == order.total
    assert not OrderEvent.objects.filter(order=order, type="order.amount_reconciled").exists()


def test_the_receipt_shows_the_address_and_delivery_typed_on_stripe(
    order_for, rates, pay_link, fake_stripe, deliver
):
    order = order_for()
    payment = pay_link(order)
    deliver(fake_stripe.complete_session(payment.provider_ref, address=ADDRESS))

    order.refresh_from_db()
    text = receipt_text(receipt(order, "fr"))
    assert "Livraison\u00a0: 4,90\u00a0€" in text
    assert "Total\u00a0: 104,70\u00a0€" in text
    assert "12 rue de la Paix, 75002 Paris, FR" in text


def test_redelivered_and_out_of_order_events_write_the_details_once(
    order_for, rates, pay_link, fake_stripe, deliver
):
    order = order_for()
    payment = pay_link(order)
    completed = fake_stripe.complete_session(payment.provider_ref, name="Léa Martin")
    intent_succeeded = fake_stripe.sign(fake_stripe.events_of("payment_intent.succeeded")[-1])

    deliver(intent_succeeded)  # sent second, arrives first: the session is read all the same
    order.refresh_from_db()
    assert order.contact_name == "Léa Martin" and order.shipping_method == "Colissimo"
    # The brand corrects the address meanwhile; late and repeated events must not undo it.
    corrected = {"text": "14 rue de la Paix, 75002 Paris, FR"}
    type(order).objects.filter(pk=order.pk).update(shipping_address=corrected)

    deliver(completed)
    deliver(completed)

    order.refresh_from_db()
    assert order.shipping_address == corrected
    assert order.total == fake_stripe.sessions[payment.provider_ref]["amount_total"]
    assert OrderEvent.objects.filter(order=order, type="order.paid").count() == 1
    assert Payment.objects.get(pk=payment.pk).state == PaymentState.SUCCEEDED


def test_overlong_details_from_stripe_are_cut_to_what_the_order_keeps(
    order_for, pay_link, fake_stripe, deliver
):
    order = order_for()
    payment = pay_link(order)
    long_street = "Résidence des Lilas, bâtiment " + "B" * 300

    deliver(
        fake_stripe.complete_session(
            payment.provider_ref,
            name="L" * 400,
            phone="+33 6 12 34 56 78 poste 1234567890123456789",
            address={**ADDRESS, "line1": long_street},
        )
    )

    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID
    assert order.contact_name == "L" * 150
    assert order.contact_phone == "+33 6 12 34 56 78 poste 12345678"
    assert order.shipping_address["street_line1"] == long_street[:100]
    assert len(order.shipping_address["text"]) == 300


def test_a_charge_that_differs_from_the_order_is_reconciled_on_the_timeline(
    order_for, rates, pay_link, fake_stripe, deliver
):
    order = order_for()
    payment = pay_link(order)
    delivery = fake_stripe.complete_session(payment.provider_ref)
    # Whatever the cause (here Stripe's record is 1,00 € above what the page offered), the
    # charge is the truth: a refund can never ask for more or less than was taken.
    session = fake_stripe.sessions[payment.provider_ref]
    session["amount_total"] += 100

    deliver(delivery)

    order.refresh_from_db()
    payment.refresh_from_db()
    charged = session["amount_total"]
    assert order.payment_status == PaymentStatus.PAID
    assert order.total == payment.amount == charged == order.subtotal + 490 + 100
    assert order.shipping_total == 590
    event = OrderEvent.objects.get(order=order, type="order.amount_reconciled")
    assert event.details == {"expected": order.subtotal + 490, "charged": charged}


# -- the fake answers as Stripe does -----------------------------------------------------------
def test_the_client_pins_an_api_version_with_collected_information(
    order_for, rates, pay_link, fake_stripe
):
    """Stripe moved the shipping address to `collected_information` on 2025-03-31; the fake
    and the provider read it there, so the client must pin that version or a later one."""
    pay_link(order_for())
    sent = fake_stripe.last("checkout.sessions.create").headers["stripe-version"]
    assert sent == stripe.api_version and sent >= "2025-03-31"


IN_EUR = {"amount": 490, "currency": "eur"}
IN_USD = {"amount": 490, "currency": "usd"}
COLISSIMO = {"display_name": "Colissimo", "fixed_amount": IN_EUR}


@pytest.mark.parametrize(
    ("extra", "param", "code"),
    [
        ({"shipping_address_collection": {"allowed_countries": ["FR", "XX"]}},
         "shipping_address_collection[allowed_countries][1]", "parameter_invalid"),
        ({"shipping_options": [{"shipping_rate_data": {**COLISSIMO, "delivery_estimate": {
            "minimum": {"unit": "business_day", "value": 0}}}}]},
         "shipping_options[0][shipping_rate_data][delivery_estimate][minimum][value]",
         "parameter_invalid"),
        ({"phone_number_collection": {"enabled": "maybe"}},
         "phone_number_collection[enabled]", "parameter_invalid_boolean"),
        ({"phone_number_collection": {"on": True}},
         "phone_number_collection[on]", "parameter_unknown"),
        ({"shipping_options": [{"shipping_rate_data": {"display_name": "X"}}] * 6},
         "shipping_options", "parameter_invalid"),
        ({"shipping_options": [{"shipping_rate_data": {**COLISSIMO, "fixed_amount": IN_USD}}]},
         "shipping_options[0][shipping_rate_data][fixed_amount][currency]", "parameter_invalid"),
        ({"shipping_options": [{"shipping_rate_data": {"fixed_amount": IN_EUR}}]},
         "shipping_options[0][shipping_rate_data][display_name]", "parameter_missing"),
        ({"customer_update": {"name": "auto"}}, "customer_update", "parameter_invalid"),
        ({"shipping_adress_collection": {"allowed_countries": ["FR"]}},
         "shipping_adress_collection", "parameter_unknown"),
    ],
)  # fmt: skip
def test_the_fake_refuses_what_stripe_refuses(fake_stripe, extra, param, code):
    params = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": "eur",
                    "unit_amount": 1000,
                    "product_data": {"name": "Order #1"},
                },
            }
        ],
        "success_url": "https://souk.example.com/pay/done/",
        **extra,
    }
    with pytest.raises(stripe.InvalidRequestError) as refused:
        stripe_client().v1.checkout.sessions.create(params=params)

    assert refused.value.http_status == 400
    error = refused.value.json_body["error"]
    assert (error["type"], error["param"], error["code"]) == ("invalid_request_error", param, code)
    assert not fake_stripe.sessions
