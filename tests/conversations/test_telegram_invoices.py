"""Paying with a Telegram native invoice, with the real python-telegram-bot client against
the fake Bot API and real-format updates: the invoice (prices in minor units, the provider
token added at send time), shipping options for the typed address, the pre-checkout yes/no,
successful_payment → paid and a receipt."""

import json

import pytest
from django.test import Client

from channels_adapters.models import ChannelAccount
from channels_adapters.registry import adapter_for
from conversations.services import inbound_handle
from orders.models import Order, ShippingRate
from tests.conversations.conftest import catalog  # noqa: F401
from tests.fakes.conftest_plugin import fake_stripe, fake_telegram  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

CHAT = 4242001
USER = {"id": CHAT, "is_bot": False, "first_name": "Léa", "last_name": "Martin"}


@pytest.fixture
def telegram(shop, settings, fake_telegram):  # noqa: F811
    settings.TELEGRAM_API_URL = fake_telegram.url
    return ChannelAccount.objects.create(
        shop=shop,
        kind="telegram",
        external_id="123456789",
        credentials={"token": fake_telegram.token, "payment_provider_token": "284685063:TEST:x"},
    )


@pytest.fixture
def rates(shop):
    post = ShippingRate.objects.create(shop=shop, name="Colissimo", amount=490, position=1)
    pickup = ShippingRate.objects.create(shop=shop, name="Retrait", kind="pickup", position=2)
    return post, pickup


def deliver(account, update: dict) -> None:
    """A webhook update as the worker processes it: parsed by the adapter, then handled."""
    inbound_handle(account=account, events=adapter_for("telegram").parse(update))


def message(update_id: int, **content) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1763900000,
            "chat": {"id": CHAT, "type": "private", "first_name": "Léa"},
            "from": USER,
            **content,
        },
    }


def tap(update_id: int, data: str) -> dict:
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cb{update_id}",
            "from": USER,
            "chat_instance": "1",
            "data": data,
            "message": {
                "message_id": 1,
                "date": 1763900000,
                "chat": {"id": CHAT, "type": "private"},
            },
        },
    }


def start_invoice(telegram, fake, catalog):  # noqa: F811
    shirt = catalog["shirt"].variants.get()
    deliver(telegram, tap(1, f"q:{shirt.pk}:2"))
    deliver(telegram, tap(2, "checkout"))
    invoice = fake.requests_for("sendInvoice")[-1].params
    return invoice, Order.objects.get()


def test_checkout_sends_a_native_invoice(telegram, fake_telegram, catalog, rates):  # noqa: F811
    invoice, order = start_invoice(telegram, fake_telegram, catalog)
    assert invoice["currency"] == "EUR"
    assert invoice["provider_token"] == "284685063:TEST:x"  # from the credentials, not stored
    assert invoice["payload"] == f"souk:{order.payments.get().pk}"
    assert invoice["title"] == "Maison Rouge n°1001"
    prices = invoice["prices"]
    prices = json.loads(prices) if isinstance(prices, str) else prices
    assert prices == [{"label": "2 x Chemise blanche (Unique)", "amount": 9000}]  # as the receipt
    assert invoice["need_shipping_address"] in ("true", True)
    assert invoice["is_flexible"] in ("true", True)
    assert "284685063" not in str(list(order.payments.values()))


def test_shipping_pre_checkout_and_payment(telegram, fake_telegram, catalog, rates):  # noqa: F811
    invoice, order = start_invoice(telegram, fake_telegram, catalog)
    payload = invoice["payload"]
    post, _ = rates

    deliver(
        telegram,
        {
            "update_id": 3,
            "shipping_query": {
                "id": "sq1",
                "from": USER,
                "invoice_payload": payload,
                "shipping_address": {
                    "country_code": "FR",
                    "state": "",
                    "city": "Paris",
                    "street_line1": "12 rue de la Paix",
                    "street_line2": "",
                    "post_code": "75002",
                },
            },
        },
    )
    answer = fake_telegram.requests_for("answerShippingQuery")[-1].params
    assert answer["ok"] in ("true", True)
    assert "Colissimo" in answer["shipping_options"] and "490" in answer["shipping_options"]

    def pre_checkout(update_id: int, total: int) -> dict:
        deliver(
            telegram,
            {
                "update_id": update_id,
                "pre_checkout_query": {
                    "id": f"pc{update_id}",
                    "from": USER,
                    "currency": "EUR",
                    "total_amount": total,
                    "invoice_payload": payload,
                    "shipping_option_id": str(post.pk),
                    "order_info": {
                        "name": "Léa Martin",
                        "phone_number": "33612345678",
                        "shipping_address": {
                            "country_code": "FR",
                            "state": "",
                            "city": "Paris",
                            "street_line1": "12 rue de la Paix",
                            "street_line2": "",
                            "post_code": "75002",
                        },
                    },
                },
            },
        )
        return fake_telegram.requests_for("answerPreCheckoutQuery")[-1].params

    wrong = pre_checkout(4, 9000)  # without the shipping: not what the order costs
    assert wrong["ok"] in ("false", False) and "a changé" in wrong["error_message"]
    right = pre_checkout(5, 9490)
    assert right["ok"] in ("true", True)
    order.refresh_from_db()
    assert (order.total, order.shipping_method) == (9490, "Colissimo")
    assert order.shipping_address["text"] == "12 rue de la Paix, 75002 Paris, FR"

    deliver(
        telegram,
        message(
            6,
            successful_payment={
                "currency": "EUR",
                "total_amount": 9490,
                "invoice_payload": payload,
                "shipping_option_id": str(post.pk),
                "telegram_payment_charge_id": "tg_charge_1",
                "provider_payment_charge_id": "ch_provider_1",
            },
        ),
    )
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("confirmed", "paid")
    receipt, next_steps = (r.params["text"] for r in fake_telegram.requests_for("sendMessage")[-2:])
    assert "Merci\u202f! La commande n°1001 est réglée." in receipt
    assert "dès l'expédition de la commande n°1001" in next_steps
    assert "Total\xa0: 94,90" in receipt


def test_pre_checkout_refuses_when_the_reservation_is_gone(
    telegram,
    fake_telegram,  # noqa: F811
    catalog,  # noqa: F811
    rates,
):
    from orders.lifecycle import order_cancel

    invoice, order = start_invoice(telegram, fake_telegram, catalog)
    order_cancel(order=order, reason="expired")
    deliver(
        telegram,
        {
            "update_id": 9,
            "pre_checkout_query": {
                "id": "pc9",
                "from": USER,
                "currency": "EUR",
                "total_amount": 9000,
                "invoice_payload": invoice["payload"],
            },
        },
    )
    answer = fake_telegram.requests_for("answerPreCheckoutQuery")[-1].params
    assert answer["ok"] in ("false", False)
    assert "a expiré" in answer["error_message"]  # Léa, of a French shop, reads French


def test_pre_checkout_is_answered_in_the_webhook_request_even_when_the_queue_is_stuck(
    shop,
    settings,
    fake_telegram,  # noqa: F811
    catalog,  # noqa: F811
    rates,
    monkeypatch,
):
    import json

    from channels_adapters import tasks
    from tests.conftest import client_for

    settings.TELEGRAM_API_URL = fake_telegram.url
    settings.SOUK_PUBLIC_URL = "https://souk.example.com"
    channel = client_for(shop).post(
        "/api/v1/channels/",
        {
            "kind": "telegram",
            "credentials": {"token": fake_telegram.token, "payment_provider_token": "284:TEST"},
        },
        format="json",
    )
    assert channel.status_code == 201, channel.json()
    telegram = ChannelAccount.objects.get(pk=channel.json()["id"])
    invoice, _ = start_invoice(telegram, fake_telegram, catalog)

    # A backlog: nothing the webhook enqueues is processed.
    monkeypatch.setattr(tasks.inbound_event_process, "delay_on_commit", lambda *a, **k: None)
    query = {
        "update_id": 77,
        "pre_checkout_query": {
            "id": "pc77",
            "from": USER,
            "currency": "EUR",
            "total_amount": 9000,
            "invoice_payload": invoice["payload"],
        },
    }
    response = Client().post(
        f"/webhooks/telegram/{telegram.pk}/",
        json.dumps(query),
        content_type="application/json",
        headers=fake_telegram.secret_header(),
    )

    assert response.status_code == 200
    answer = fake_telegram.requests_for("answerPreCheckoutQuery")[-1].params
    assert answer["pre_checkout_query_id"] == "pc77" and answer["ok"] in ("true", True)


def pay_invoice(telegram, fake, catalog):  # noqa: F811
    """Léa pays the invoice in Telegram (no shipping options: the total is the goods')."""
    invoice, order = start_invoice(telegram, fake, catalog)
    deliver(
        telegram,
        message(
            3,
            successful_payment={
                "currency": "EUR",
                "total_amount": order.total,
                "invoice_payload": invoice["payload"],
                "telegram_payment_charge_id": "tg_charge_1",
                "provider_payment_charge_id": "ch_provider_1",
            },
        ),
    )
    order.refresh_from_db()
    assert order.payment_status == "paid"
    return order


def test_a_telegram_payment_is_refunded_at_the_provider_that_took_the_card(
    telegram,
    fake_telegram,  # noqa: F811
    fake_stripe,  # noqa: F811
    catalog,  # noqa: F811
):
    from payments.models import RefundState
    from payments.services import refund_create

    order = pay_invoice(telegram, fake_telegram, catalog)
    # The channel's provider token is a Stripe account: the charge Telegram reported is there.
    fake_stripe.charges["ch_provider_1"] = {
        "id": "ch_provider_1",
        "object": "charge",
        "amount": order.total,
        "amount_refunded": 0,
        "currency": "eur",
        "payment_intent": None,
        "refunded": False,
        "status": "succeeded",
    }

    refund = refund_create(order=order, amount=1000, reason="one shirt damaged")

    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.state == RefundState.SUCCEEDED and refund.provider_ref.startswith("re_")
    assert fake_stripe.last("refunds.create").meta["params"]["charge"] == "ch_provider_1"
    assert (order.payment_status, order.refunded_total) == ("partially_refunded", 1000)


def test_without_a_key_for_that_provider_the_refund_says_where_to_make_it(
    telegram,
    fake_telegram,  # noqa: F811
    catalog,  # noqa: F811
    settings,
):
    from payments.models import RefundState
    from payments.services import refund_create

    settings.STRIPE_SECRET_KEY = ""
    order = pay_invoice(telegram, fake_telegram, catalog)

    refund = refund_create(order=order)

    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.state == RefundState.FAILED
    assert refund.failure_message.startswith(
        "Refund this Telegram payment from your payment provider's dashboard"
    )
    assert (order.payment_status, order.refunded_total) == ("paid", 0)
