"""Delivering to a shared location, end to end, as the shopper and the brand see it.

Léa buys on Telegram (webhook in, the fake Bot API out) from a shop whose payment page does not
ask the address, so the bot asks where to deliver: the question carries Telegram's "share my
location" keyboard button, her pin is kept with the order, the bot asks only what a courier
still needs (floor, flat, door code — or "That's all"), and the brand opens the pin as a map
link on the order page and in the inbox. Channels that cannot receive a location ask for the
address typed.
"""

import json

import pytest
from django.test import Client
from django.urls import reverse

from channels_adapters import messages as m
from channels_adapters.models import ChannelAccount
from conversations.engine.dispatch import respond
from conversations.engine.state import State, Step, state_dump, state_load
from conversations.models import Conversation, Customer, CustomerIdentity, Message
from conversations.phrases import say
from conversations.services import inbound_handle
from orders.models import Checkout, Order, ShippingRate
from orders.services import cart_add, cart_open
from payments.providers.sandbox import SandboxProvider
from shops.models import Membership, Role, User
from tests.conftest import client_for
from tests.fakes.conftest_plugin import fake_graph, fake_telegram  # noqa: F401
from tests.fakes.graph import hub_signature

CHAT_ID = 4242
USER = {"id": CHAT_ID, "is_bot": False, "first_name": "Léa", "language_code": "fr"}
PIN = {"latitude": 48.868612, "longitude": 2.331428}
OSM = "https://www.openstreetmap.org/?mlat=48.868612&amp;mlon=2.331428"


class TelegramLea:
    """Léa on Telegram: what she sends goes to the signed webhook; what the bot says is what
    the fake Bot API received."""

    def __init__(self, client, channel: dict, fake):
        self.client, self.channel, self.fake = client, channel, fake
        self.update_id = 0

    def _deliver(self, body: dict) -> None:
        self.update_id += 1
        response = self.client.post(
            f"/webhooks/telegram/{self.channel['id']}/",
            json.dumps({"update_id": self.update_id, **body}),
            content_type="application/json",
            headers=self.fake.secret_header(),
        )
        assert response.status_code == 200

    def _message(self, **content) -> None:
        message = {
            "message_id": self.update_id + 1,
            "from": USER,
            "chat": {"id": CHAT_ID, "type": "private"},
            "date": 1763900000,
            **content,
        }
        self._deliver({"message": message})

    def write(self, text: str) -> None:
        self._message(text=text)

    def share_location(self, location: dict) -> None:
        """What Telegram sends when she taps the request_location button."""
        self._message(location=location)

    def tap(self, label: str, *, on: str = "") -> None:
        data = self.inline_buttons(on).get(label)
        assert data, f"no button {label!r} on {on!r}: {self.said()[-3:]}"
        self._deliver(
            {
                "callback_query": {
                    "id": f"cb{self.update_id}",
                    "from": USER,
                    "chat_instance": "1",
                    "data": data,
                    "message": {
                        "message_id": 1,
                        "date": 1763900000,
                        "chat": {"id": CHAT_ID, "type": "private"},
                    },
                }
            }
        )

    def sent(self) -> list[dict]:
        return [r.params for r in self.fake.requests if r.route in ("sendMessage", "sendPhoto")]

    def said(self) -> list[str]:
        return [p.get("text") or p.get("caption") or "" for p in self.sent()]

    def inline_buttons(self, on: str = "") -> dict[str, str]:
        """The inline buttons of the latest message that has some (and whose text holds
        `on`), by label."""
        for params in reversed(self.sent()):
            text = params.get("text") or params.get("caption") or ""
            markup = json.loads(params.get("reply_markup") or "{}")
            if "inline_keyboard" in markup and on in text:
                return {
                    button["text"]: button["callback_data"]
                    for row in markup["inline_keyboard"]
                    for button in row
                    if "callback_data" in button
                }
        return {}

    def reply_keyboard(self) -> tuple[str, dict]:
        """The latest reply keyboard sent, with the text it came with."""
        for params in reversed(self.sent()):
            markup = json.loads(params.get("reply_markup") or "{}")
            if "keyboard" in markup:
                return params["text"], markup
        raise AssertionError("no reply keyboard was sent")


@pytest.fixture
def lea(shop, settings, fake_telegram, client, catalog, monkeypatch):  # noqa: F811
    """A Telegram channel without a payment provider token (no native invoice), and a payment
    page that asks nothing: the chat asks where to deliver."""
    monkeypatch.setattr(SandboxProvider, "collects_details", False)
    settings.TELEGRAM_API_URL = fake_telegram.url
    settings.SOUK_PUBLIC_URL = "https://souk.example.com"
    ShippingRate.objects.create(shop=shop, name="Colissimo", amount=490, position=1)
    response = client_for(shop).post(
        "/api/v1/channels/",
        {"kind": "telegram", "credentials": {"token": fake_telegram.token}},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return TelegramLea(client, response.json(), fake_telegram)


def up_to_the_address(lea: TelegramLea) -> None:
    lea.write("une robe rouge")
    lea.tap("Acheter", on="Robe portefeuille rouge")
    lea.tap("Rouge 38")
    lea.write("+33 6 12 34 56 78")  # her name came with her Telegram profile


def brand(shop) -> Client:
    user = User.objects.create_user(f"owner-{shop.pk}@example.com", "a-long-test-password")
    Membership.objects.update_or_create(shop=shop, user=user, defaults={"role": Role.OWNER})
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db(transaction=True)
def test_telegram_shopper_shares_her_location_and_the_brand_opens_the_pin(lea, shop):
    up_to_the_address(lea)

    text, keyboard = lea.reply_keyboard()
    assert text.startswith("Où livrer")
    assert keyboard["keyboard"] == [[{"text": "📍 Partager ma position", "request_location": True}]]
    assert keyboard["one_time_keyboard"] is True
    assert "Annuler" in lea.inline_buttons()  # still a way out, with its own payload

    lea.share_location(PIN)

    # Logged with a summary the inbox list can show.
    assert Message.objects.get(kind="location").text == "📍 48.86861, 2.33143"
    assert "Pour le livreur" in lea.said()[-1]
    assert set(lea.inline_buttons()) == {"C'est tout", "Annuler"}
    lea.write("Bât. B, 3e étage, code 4821")

    summary = lea.said()[-1]
    assert "📍 48.86861, 2.33143, Bât. B, 3e étage, code 4821" in summary
    pay = next(label for label in lea.inline_buttons() if label.startswith("Payer"))
    lea.tap(pay)

    order = Order.objects.get()
    assert order.shipping_address == {**PIN, "details": "Bât. B, 3e étage, code 4821"}
    owner = brand(shop)
    page = owner.get(reverse("dashboard:order_detail", kwargs={"order_id": order.pk}))
    assert OSM in page.content.decode()
    assert "For the courier: Bât. B, 3e étage, code 4821" in page.content.decode()
    conversation = Conversation.objects.get()
    inbox = owner.get(
        reverse("dashboard:inbox_conversation", kwargs={"conversation_id": conversation.pk})
    )
    assert "Shared a location" in inbox.content.decode()
    assert OSM in inbox.content.decode()
    # Remembered: her next order is not asked where to go.
    assert Customer.objects.get().preferences["address"] == order.shipping_address


@pytest.mark.django_db(transaction=True)
def test_thats_all_keeps_the_pin_alone(lea):
    up_to_the_address(lea)
    lea.share_location(PIN)

    lea.tap("C'est tout")

    assert "📍 48.86861, 2.33143" in lea.said()[-1]
    assert Checkout.objects.get().shipping_address == PIN


@pytest.mark.django_db(transaction=True)
def test_typing_the_address_still_works_where_a_location_could_be_shared(lea):
    up_to_the_address(lea)

    lea.write("12 rue de la Paix, 75002 Paris")

    assert "12 rue de la Paix, 75002 Paris" in lea.said()[-1]
    assert Checkout.objects.get().shipping_address == {"text": "12 rue de la Paix, 75002 Paris"}


# --- WhatsApp: a location request message, a location message back ----------------------------


def whatsapp_webhook(phone_number_id: str, location: dict) -> dict:
    """What Meta posts when Léa sends a location (messages[].type = location)."""
    message = {
        "from": "33612345678",
        "id": "wamid.pin1",
        "timestamp": "1763900000",
        "type": "location",
        "location": location,
    }
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": phone_number_id},
        "contacts": [{"profile": {"name": "Léa Martin"}, "wa_id": "33612345678"}],
        "messages": [message],
    }
    change = {"field": "messages", "value": value}
    return {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [change]}]}


@pytest.mark.django_db(transaction=True)
def test_whatsapp_shopper_answers_the_location_request_with_her_pin(
    shop,
    settings,
    fake_graph,  # noqa: F811
    client,
    at_the_address,
):
    settings.META_GRAPH_URL = fake_graph.url
    settings.META_APP_SECRET = "meta-app-secret"
    conversation = at_the_address("whatsapp")
    ChannelAccount.objects.filter(pk=conversation.channel.pk).update(
        external_id=fake_graph.phone_number_id,
        credentials={"access_token": fake_graph.access_token},
    )
    conversation.channel.refresh_from_db()
    sender = m.Sender(external_id="33612345678")
    inbound_handle(
        account=conversation.channel, events=[m.ButtonPressed(sender, payload="checkout")]
    )

    request, cancel = [r.params for r in fake_graph.requests_for("whatsapp")][-2:]
    assert request["interactive"] == {
        "type": "location_request_message",
        "body": {"text": say("ask_address", "fr")},
        "action": {"name": "send_location"},
    }
    assert cancel["interactive"]["action"]["buttons"][0]["reply"]["title"] == "Annuler"

    location = {**PIN, "name": "Maison", "address": "12 rue de la Paix, Paris"}
    body = json.dumps(whatsapp_webhook(fake_graph.phone_number_id, location)).encode()
    response = client.post(
        "/webhooks/whatsapp/",
        body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": hub_signature("meta-app-secret", body)},
    )

    assert response.status_code == 200
    assert Checkout.objects.get().shipping_address == {
        **PIN,
        "text": "Maison, 12 rue de la Paix, Paris",
    }
    details = fake_graph.requests_for("whatsapp")[-1].params["interactive"]
    assert details["body"]["text"].startswith("Position reçue")
    assert [b["reply"]["title"] for b in details["action"]["buttons"]] == ["C'est tout", "Annuler"]


# --- The bot's side, channel by channel ---------------------------------------------------------


@pytest.fixture
def at_the_address(shop, catalog, monkeypatch):
    """A conversation on `kind` whose checkout waits for the address."""
    monkeypatch.setattr(SandboxProvider, "collects_details", False)

    def make(kind: str) -> Conversation:
        account = ChannelAccount.objects.create(
            shop=shop, kind=kind, external_id=f"{kind}-1", credentials={"token": "1:a"}
        )
        customer = Customer.objects.create(shop=shop, name="Léa Martin", phone="+33612345678")
        identity = CustomerIdentity.objects.create(
            shop=shop, customer=customer, channel=account, external_id="33612345678"
        )
        conversation = Conversation.objects.create(
            shop=shop, customer=customer, identity=identity, channel=account
        )
        cart = cart_open(shop=shop, owner_key=f"customer:{customer.pk}")
        cart_add(cart=cart, variant=catalog["shirt"].variants.get(), quantity=1)
        return conversation

    return make


def checkout_reply(conversation: Conversation) -> m.QuickReplies:
    sender = m.Sender(external_id="33612345678")
    reply = respond(conversation, m.ButtonPressed(sender=sender, payload="checkout"))
    assert state_load(conversation.bot_state).step == Step.ADDRESS
    return reply.messages[-1]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["telegram", "whatsapp", "webchat"])
def test_channels_that_can_receive_a_location_offer_it(at_the_address, kind):
    question = checkout_reply(at_the_address(kind))

    assert [o.payload for o in question.options] == [m.SHARE_LOCATION, "cancel"]
    assert "partagez votre position" in question.text


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["messenger", "sms"])
def test_channels_that_cannot_ask_for_the_address_typed(at_the_address, kind):
    question = checkout_reply(at_the_address(kind))

    assert m.SHARE_LOCATION not in [o.payload for o in question.options]
    assert "position" not in question.text  # nothing offered that the channel cannot do
    assert question.text.startswith("Où livrer")


@pytest.mark.django_db
def test_the_share_option_picked_by_its_number_asks_again(at_the_address):
    conversation = at_the_address("telegram")
    checkout_reply(conversation)

    reply = respond(conversation, m.TextReceived(sender=m.Sender("33612345678"), text="1"))

    assert state_load(conversation.bot_state).step == Step.ADDRESS
    assert m.SHARE_LOCATION in [o.payload for o in reply.messages[-1].options]


@pytest.mark.django_db
def test_details_too_long_for_a_courier_are_asked_again(at_the_address):
    conversation = at_the_address("webchat")
    checkout_reply(conversation)
    sender = m.Sender("33612345678")
    respond(conversation, m.LocationShared(sender=sender, **PIN))

    reply = respond(conversation, m.TextReceived(sender=sender, text="x" * 201))

    assert state_load(conversation.bot_state).step == Step.ADDRESS_DETAILS
    assert "200 caractères au plus" in reply.messages[-1].text
    assert Checkout.objects.get().shipping_address == PIN


@pytest.mark.django_db
def test_a_location_with_no_checkout_under_way_is_kept_for_later(at_the_address):
    conversation = at_the_address("whatsapp")
    conversation.bot_state = state_dump(State())

    respond(conversation, m.LocationShared(sender=m.Sender("33612345678"), **PIN))

    assert conversation.customer.preferences["location"] == {**PIN}
