"""The conversation engine: its state survives JSON, every entry of its table answers, a
shopper can reach every step, and an SMS reply is numbered once. (Two events of one
conversation at once, on PostgreSQL: test_concurrent_taps.py.)"""

import json
import re

import pytest
from django.urls import reverse

from channels_adapters import messages as m
from channels_adapters.models import ChannelAccount
from channels_adapters.registry import adapter_for
from conversations.engine.dispatch import respond
from conversations.engine.state import (
    VERSION,
    ReorderOffer,
    State,
    Step,
    state_dump,
    state_load,
)
from conversations.engine.table import TABLE
from conversations.models import Conversation, Customer, CustomerIdentity
from conversations.phrases import say
from orders.models import ShippingRate
from payments.models import Payment
from payments.providers.sandbox import SandboxProvider

SHOPPER = m.Sender(external_id="42", name="Léa Martin")


def every_state() -> list[State]:
    full = {
        "options": ["p:1", "cat:0:1"],
        "query": "robe rouge",
        "variant": 7,
        "checkout": 3,
        "order": 9,
        "reorder": ReorderOffer(order=9, total=4990, method=2),
        "greeted": True,
    }
    return [State(step=step) for step in Step] + [State(step=step, **full) for step in Step]


@pytest.mark.parametrize("state", every_state(), ids=lambda s: f"{s.step}-{bool(s.options)}")
def test_every_state_round_trips_through_json(state):
    stored = json.loads(json.dumps(state_dump(state)))
    assert stored["version"] == VERSION
    assert state_load(stored) == state


def test_a_version_1_state_is_migrated():
    old = {
        "awaiting": "phone",
        "options": ["cancel"],
        "checkout": 3,
        "reorder": {"order": 9, "total": 4990, "method": 2},
        "greeted": True,
    }
    assert state_load(old) == State(
        step=Step.PHONE,
        options=["cancel"],
        checkout=3,
        reorder=ReorderOffer(order=9, total=4990, method=2),
        greeted=True,
    )
    # Quantities are changed in the cart now: the old question is left for the menu.
    assert state_load({"awaiting": "quantity", "variant": 7}).step == Step.MENU


@pytest.mark.parametrize(
    "stored",
    [
        {"version": 99, "step": "name"},
        {"version": VERSION, "step": "teleport"},
        {"version": VERSION, "checkout": "three"},
        {"version": VERSION, "options": "p:1"},
        {"version": VERSION, "reorder": {"total": 5}},
        ["not", "a", "state"],
        None,
    ],
)
def test_an_unreadable_state_starts_again_at_the_menu(stored):
    assert state_load(stored) == State()


def test_an_unreadable_stored_state_still_gets_an_answer(conversation, catalog):
    conversation.bot_state = {"version": VERSION, "step": "teleport", "checkout": "x"}

    reply = respond(conversation, m.TextReceived(sender=SHOPPER, text="1"))

    assert reply.messages
    assert conversation.bot_state == state_dump(State(options=conversation.bot_state["options"]))


def _event_for(name: str, catalog, cart_line_id: int) -> m.InboundEvent:
    dress, shirt = catalog["dress"], catalog["shirt"]
    variant = dress.variants.get(sku="ROBE-R-38")
    args = {
        "cat": (0, 0),
        "sr": (1,),
        "p": (dress.pk,),
        "buy": (dress.pk,),
        "v": (variant.pk,),
        "bv": (shirt.variants.get().pk,),
        "q": (variant.pk, 1),
        "line": (cart_line_id,),
        "l": (cart_line_id, 2),
        "ship": (0,),
        "show": (dress.pk,),
        "order": (0,),  # none of hers: "no order yet"
    }
    if name.startswith("tap:"):
        action = name.removeprefix("tap:")
        payload = ":".join([action, *(str(a) for a in args.get(action, ()))])
        return m.ButtonPressed(sender=SHOPPER, payload=payload)
    return {
        "text": m.TextReceived(sender=SHOPPER, text="Léa Martin"),
        "contact": m.ContactShared(sender=SHOPPER, phone="+33612345678", name="Léa"),
        "location": m.LocationShared(sender=SHOPPER, latitude=48.8, longitude=2.3),
        "cart": m.CartSubmitted(sender=SHOPPER, items=(m.CartItem("CH-1", 1),)),
        "other": m.Unsupported(sender=SHOPPER, what="sticker"),
    }[name]


@pytest.mark.parametrize("key", list(TABLE), ids=lambda k: f"{k[0] or 'any'}-{k[1]}")
def test_every_table_entry_answers(conversation, catalog, key):
    from orders.services import cart_add, cart_open

    cart = cart_open(shop=conversation.shop, owner_key=f"customer:{conversation.customer_id}")
    cart_add(cart=cart, variant=catalog["shirt"].variants.get(), quantity=1)
    step, event = key
    conversation.bot_state = state_dump(State(step=step or Step.MENU, query="robe"))

    reply = respond(conversation, _event_for(event, catalog, cart.lines.get().pk))

    # An answer: messages, a person taking over, or a payment whose link follows; and for a
    # tap, its own handler's (the payload carried what the route expects), not the menu a
    # payload the table refuses gets.
    assert reply.messages or reply.hand_off or Payment.objects.exists(), key
    if event.startswith("tap:"):
        refused = say("not_understood", "fr")
        assert refused not in [getattr(x, "text", "") for x in reply.messages], key


def test_an_action_the_table_does_not_know_gets_the_menu(conversation):
    reply = respond(conversation, m.ButtonPressed(sender=SHOPPER, payload="teleport:1"))
    assert "Parcourir" in [o.title for o in reply.messages[-1].options]


def test_a_shopper_reaches_every_step(
    conversation, catalog, shop, client, monkeypatch, django_capture_on_commit_callbacks
):
    """Walked as a shopper would, on a provider whose page asks nothing (as Stripe's today):
    every step of the engine is reached and every reply says something."""
    monkeypatch.setattr(SandboxProvider, "collects_details", False)
    conversation.customer.name = ""
    conversation.customer.save()
    ShippingRate.objects.create(shop=shop, name="Colissimo", amount=490, position=1)
    ShippingRate.objects.create(shop=shop, name="Retrait", kind="pickup", position=2)
    rate = ShippingRate.objects.get(name="Colissimo")
    reached = []

    def send(event: m.InboundEvent) -> m.OutboundMessage:
        reply = respond(conversation, event)
        reached.append(state_load(conversation.bot_state).step)
        assert reply.messages or Payment.objects.exists()
        return reply.messages[-1] if reply.messages else None

    tap = lambda payload: send(m.ButtonPressed(sender=SHOPPER, payload=payload))  # noqa: E731
    say = lambda text: send(m.TextReceived(sender=SHOPPER, text=text))  # noqa: E731
    say("bonjour")
    tap("search")
    say("chemise")
    tap(f"v:{catalog['shirt'].variants.get().pk}")
    tap("checkout")
    say("Léa Martin")
    say("+33 6 12 34 56 78")
    tap(f"ship:{rate.pk}")
    send(m.LocationShared(sender=SHOPPER, latitude=48.8686, longitude=2.3314))  # the pin
    say("Bât. B, code 1234")  # what the courier needs besides it
    tap("chaddr")
    say("12 rue de la Paix, 75002 Paris")
    with django_capture_on_commit_callbacks(execute=True):  # the link is made after commit
        tap("pay")
    path = reverse("payments:test-pay", args=[Payment.objects.get().page_token])
    form = {"step": "pay", "card_number": "4242 4242 4242 4242", "expiry": "12/34", "cvc": "123"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path, {**form, "save_card": "on"})
    assert response.status_code == 302, response.content.decode()[-3000:]
    say("bonjour")

    assert set(reached) == set(Step)


@pytest.fixture
def sms_conversation(shop):
    account = ChannelAccount.objects.create(
        shop=shop, kind="sms", external_id="+33700000001", credentials={"account_sid": "AC1"}
    )
    customer = Customer.objects.create(shop=shop, phone="+33612345678")
    identity = CustomerIdentity.objects.create(
        shop=shop, customer=customer, channel=account, external_id="+33612345678"
    )
    return Conversation.objects.create(
        shop=shop, customer=customer, identity=identity, channel=account
    )


def sms_text(reply) -> str:
    adapter = adapter_for("sms")
    return "\n".join(p["body"] for message in reply.messages for p in adapter.render(message))


def test_sms_numbers_a_cart_once_and_a_number_picks_what_it_stands_for(sms_conversation, catalog):
    from orders.services import cart_add, cart_open

    conversation = sms_conversation
    cart = cart_open(shop=conversation.shop, owner_key=f"customer:{conversation.customer_id}")
    cart_add(cart=cart, variant=catalog["shirt"].variants.get(), quantity=1)
    cart_add(cart=cart, variant=catalog["dress"].variants.get(sku="ROBE-R-38"), quantity=1)

    shown = sms_text(respond(conversation, m.ButtonPressed(sender=SHOPPER, payload="cart")))

    numbered = re.findall(r"^(\d+)\. (.*)$", shown, re.M)
    assert [(n, title.split(" - ")[0]) for n, title in numbered] == [
        ("1", "1 x Chemise blanche (Unique)"),
        ("2", "1 x Robe portefeuille rouge (Rouge 38)"),
        ("3", "Commander"),
        ("4", "Continuer"),
    ]
    assert "(3-4)" in shown  # the footer counts on from the lines

    # "1" is the first line (its choices), not Checkout; "3" is Checkout.
    line = sms_text(respond(conversation, m.TextReceived(sender=SHOPPER, text="1")))
    assert line.startswith("1 x Chemise blanche (Unique)")
    assert "1. +1" in line and "3. Retirer" in line
    assert not Payment.objects.exists()
    respond(conversation, m.TextReceived(sender=SHOPPER, text="1"))  # +1
    assert cart.lines.get(variant__sku="CH-1").quantity == 2


@pytest.mark.parametrize("typed", ["0612345678", "9" * 5000])
def test_a_long_number_is_text_not_a_menu_pick(conversation, catalog, typed):
    conversation.bot_state = state_dump(State(options=["browse", "cart"]))

    reply = respond(conversation, m.TextReceived(sender=SHOPPER, text=typed))

    # Not taken for option 2 (the cart), and no crash on 5000 digits: not understood.
    assert "pas compris" in reply.messages[-1].text
