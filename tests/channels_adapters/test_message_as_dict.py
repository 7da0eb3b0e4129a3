"""messages.as_dict, which stores every message, event and bot state, gives what
dataclasses.asdict gives: nested messages, tuples of tuples, lists and dicts alike."""

import dataclasses

import pytest

from channels_adapters import messages as m
from conversations.engine.state import State, Step, state_dump

SHOPPER = m.Sender(external_id="42", name="Léa")

EXAMPLES = [
    m.Text(text="Bonjour"),
    m.QuickReplies(text="Taille ?", options=(m.Button(title="S", payload="v:1"),)),
    m.Carousel(
        cards=(
            m.Card(title="Robe", price="89,90 €", buttons=(m.Button(title="Voir", payload="p:1"),)),
            m.Card(title="Jupe"),
        ),
        text="Nos robes",
    ),
    m.Receipt(
        order_number="1001",
        recipient_name="Léa",
        currency="EUR",
        lines=(m.ReceiptLine(title="Robe", quantity=2, price="179,80 €", amount=17980),),
        subtotal="179,80 €",
        shipping="0 €",
        total="179,80 €",
        labels=(("shipping", "Livraison :"),),
    ),
    m.Invoice(
        title="Commande",
        description="2 articles",
        payload="pay:9",
        currency="EUR",
        prices=(("Robe", 17980),),
    ),
    m.CartSubmitted(sender=SHOPPER, items=(m.CartItem(retailer_id="R-1", quantity=2),)),
    m.ButtonPressed(sender=SHOPPER, payload="start"),
]


@pytest.mark.parametrize("message", EXAMPLES, ids=lambda message: type(message).__name__)
def test_a_message_is_stored_as_asdict_stores_it(message):
    assert message.to_dict() == {"type": message.type, **dataclasses.asdict(message)}


def test_the_bots_state_is_stored_as_asdict_stores_it():
    state = State()
    state.ask(Step.MENU, ["browse", "search"])
    expected = dataclasses.asdict(state)
    expected["step"] = str(state.step)
    assert {key: value for key, value in state_dump(state).items() if key != "version"} == expected
