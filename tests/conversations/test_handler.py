"""Shoppers' messages through the conversation layer, over SMS with the real twilio client
against a fake Twilio: STOP silences the bot, START brings it back; a person taking over
silences it until the conversation is handed back through the API."""

import pytest

from channels_adapters import messages as m
from channels_adapters.models import ChannelAccount
from conversations.models import Conversation, Message
from conversations.services import inbound_handle
from tests.fakes.conftest_plugin import fake_twilio  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

SHOPPER = m.Sender(external_id="+33612345678", phone="+33612345678")


@pytest.fixture
def sms(shop, settings, fake_twilio):  # noqa: F811
    settings.TWILIO_API_URL = fake_twilio.url
    return ChannelAccount.objects.create(
        shop=shop,
        kind="sms",
        external_id=fake_twilio.from_number,
        credentials={"account_sid": fake_twilio.account_sid, "auth_token": fake_twilio.auth_token},
    )


def say(account, event):
    inbound_handle(account=account, events=[event])


def bodies(fake) -> list[str]:
    return [r.params["Body"] for r in fake.requests_for("messages")]


def test_sms_menu_is_numbered_and_a_number_picks(sms, fake_twilio):  # noqa: F811
    say(sms, m.TextReceived(sender=SHOPPER, text="Bonjour"))
    menu = bodies(fake_twilio)[-1]
    assert "Maison Rouge" in menu and "1. Parcourir" in menu and "4. Parler" in menu

    say(sms, m.TextReceived(sender=SHOPPER, text="3"))
    assert "Votre panier est vide" in bodies(fake_twilio)[-1]


def test_stop_silences_the_bot_and_start_brings_it_back(sms, fake_twilio):  # noqa: F811
    say(sms, m.OptOut(sender=SHOPPER))
    say(sms, m.TextReceived(sender=SHOPPER, text="robe"))

    assert bodies(fake_twilio) == []
    assert Conversation.objects.get().opted_out
    assert Message.objects.filter(direction="in").count() == 2  # still logged

    say(sms, m.OptIn(sender=SHOPPER))

    assert "Bienvenue" in bodies(fake_twilio)[-1]
    assert not Conversation.objects.get().opted_out


def test_bot_is_silent_while_a_person_has_the_conversation(sms, fake_twilio, api):  # noqa: F811
    say(sms, m.TextReceived(sender=SHOPPER, text="je voudrais parler à un conseiller"))
    assert "équipe" in bodies(fake_twilio)[-1]
    conversation = Conversation.objects.get()
    assert conversation.handed_off

    say(sms, m.TextReceived(sender=SHOPPER, text="bonjour ?"))
    assert len(bodies(fake_twilio)) == 1  # the bot said nothing

    reply = api.post(
        f"/api/v1/conversations/{conversation.pk}/reply/", {"text": "Bonjour, je suis Ana."}
    )
    assert reply.status_code == 201
    assert bodies(fake_twilio)[-1] == "Bonjour, je suis Ana."

    assert api.post(f"/api/v1/conversations/{conversation.pk}/hand-back/").status_code == 200
    say(sms, m.TextReceived(sender=SHOPPER, text="menu"))
    assert "1. Parcourir" in bodies(fake_twilio)[-1]

    log = api.get(f"/api/v1/conversations/{conversation.pk}/messages/").json()["results"]
    assert [e["direction"] for e in log] == ["in", "out", "in", "out", "in", "out"]
    assert log[1]["delivery"] == {"status": "sent", "error": None}


def test_other_shops_conversations_are_404(sms, fake_twilio, other_api):  # noqa: F811
    say(sms, m.TextReceived(sender=SHOPPER, text="Bonjour"))
    conversation = Conversation.objects.get()
    for path in ("", "messages/"):
        url = f"/api/v1/conversations/{conversation.pk}/{path}"
        assert other_api.get(url).status_code == 404
    for action in ("hand-off", "hand-back", "reply"):
        url = f"/api/v1/conversations/{conversation.pk}/{action}/"
        assert other_api.post(url, {"text": "x"}).status_code == 404
    assert other_api.get("/api/v1/conversations/").json()["results"] == []


def test_an_sms_shopper_checks_out_with_numbers(sms, fake_twilio, shop):  # noqa: F811
    from catalog.services import product_create
    from orders.models import Order, ShippingRate

    ShippingRate.objects.create(shop=shop, name="Colissimo", amount=490, position=1)
    ShippingRate.objects.create(shop=shop, name="Retrait", kind="pickup", position=2)
    variant = product_create(
        shop=shop,
        title="Chemise",
        variants=[{"sku": "CH", "name": "Unique", "price": 4500, "stock": 3}],
    ).variants.get()
    say(sms, m.ButtonPressed(sender=SHOPPER, payload=f"q:{variant.pk}:1"))
    say(sms, m.ButtonPressed(sender=SHOPPER, payload="checkout"))
    # The delivery option, name and address are the payment page's to ask; the phone came
    # with the SMS. The order is placed and its link sent with no question in between.
    order = Order.objects.get()
    assert (order.total, order.shipping_method, order.contact_phone) == (4500, "", "+33612345678")
    link = bodies(fake_twilio)[-1]
    assert "1. Annuler" in link  # the one action after the link, numbered
    # Colissimo costs 4,90 € on top, chosen on the page: the link says so, not "Payer 45,00 €".
    assert "45,00 € plus la livraison" in "\n".join(bodies(fake_twilio))
    assert "Payer en sécurité: http" in link and "/pay/test/" in link
