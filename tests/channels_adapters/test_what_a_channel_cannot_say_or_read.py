"""One behaviour on every channel for what it cannot say or read (docs/channels.md, "What a
channel cannot say or read"): a message type a channel has no form for goes out as its plain
text, the last rung of its ladder, with one error in the log, and never raises inside the
bot's turn; a message a shopper sent that the adapter cannot read is `Unsupported`, so the
shopper gets the bot's help instead of silence."""

import logging
from dataclasses import dataclass
from typing import ClassVar

import pytest

from channels_adapters import registry
from channels_adapters.messages import Invoice, OutboundMessage, Sender, Text, Unsupported
from tests.channels_adapters.test_telegram import message_update


@dataclass(frozen=True)
class Poll(OutboundMessage):
    """A message type no adapter knows."""

    type: ClassVar[str] = "poll"
    text: str = ""
    options: tuple[str, ...] = ()


@pytest.mark.parametrize("kind", registry.kinds())
def test_a_type_the_channel_cannot_render_goes_out_as_its_text(kind, caplog):
    adapter = registry.adapter_for(kind)
    caplog.set_level(logging.ERROR, logger="channels_adapters.base")

    payloads = adapter.render(Poll(text="Which colour do you prefer?", options=("Red", "Blue")))

    assert payloads == adapter.render(Text("Which colour do you prefer?"))
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [f"{kind} cannot render poll messages: sent as plain text"]


@pytest.mark.parametrize("kind", registry.kinds())
def test_a_type_without_text_is_left_out_rather_than_raised(kind):
    assert registry.adapter_for(kind).render(Poll()) == []


@pytest.mark.parametrize(
    "kind", [k for k in registry.kinds() if not registry.adapter_for(k).capabilities.native_invoice]
)
def test_an_invoice_where_the_platform_has_none_is_its_words(kind):
    invoice = Invoice(
        title="Order #1042",
        description="Robe lin, taille 38",
        payload="pay-1042",
        currency="EUR",
        prices=(("Robe lin", 8900),),
    )

    rendered = registry.adapter_for(kind).render(invoice)

    assert rendered == registry.adapter_for(kind).render(Text("Order #1042\nRobe lin, taille 38"))


def test_a_telegram_message_of_a_kind_the_adapter_does_not_know_gets_the_help():
    update = message_update(checklist={"title": "Packing", "tasks": [{"id": 1, "text": "Robe"}]})

    assert registry.adapter_for("telegram").parse(update) == [
        Unsupported(
            sender=Sender(external_id="111222333", name="Léa Martin", language="fr"),
            message_id="1365",
            what="checklist",
        )
    ]


def test_a_telegram_service_message_is_not_answered():
    update = message_update(pinned_message={"message_id": 1300, "date": 1763900000})

    assert registry.adapter_for("telegram").parse(update) == []
