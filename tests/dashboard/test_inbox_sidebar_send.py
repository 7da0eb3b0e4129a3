"""Sending the bot's product card and category carousel from the inbox sidebar: rendered by the
conversation's channel adapter, logged with the agent as author, within the channel's rules;
and the bot answering taps on them, even while a person has the conversation."""

from datetime import timedelta

from django.contrib.messages import get_messages
from django.utils import timezone

from channels_adapters import messages as m
from channels_adapters.models import ChannelAccount, OutboundMessage
from conversations.models import Conversation, CustomerIdentity, Message
from conversations.services import inbound_handle
from tests.dashboard.sidebar_fixtures import (  # noqa: F401
    HTMX,
    chat,
    goods,
    on_telegram,
    sent,
    url,
    web_chat,
)


def test_a_product_card_goes_out_as_the_telegram_adapter_renders_it(
    agent_client,
    shop,
    chat,  # noqa: F811
    goods,  # noqa: F811
):
    telegram = on_telegram(shop, chat.customer, external_id="4242")
    dress = goods["dress"]

    response = agent_client.post(
        url("inbox_send_product", telegram), {"product": dress.pk, "q": "robe"}, **HTMX
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Product card sent: Robe portefeuille rouge." in page
    assert "Rouge 38 · 89,90\xa0€" in page  # the search the agent sent from is still shown
    [message] = sent(telegram)
    assert (message.kind, message.author) == ("carousel", agent_client.user)
    assert message.body["cards"][0]["title"] == "Robe portefeuille rouge"
    assert message.body["cards"][0]["price"] == "89,90\xa0€"  # the bot's own price label
    outbound = message.outbound
    assert (outbound.channel.kind, outbound.recipient) == ("telegram", "4242")
    [payload] = outbound.payloads
    assert payload["method"] == "sendMessage"
    # Telegram's own card: the title in bold, the price (spaces made plain), the description.
    assert (
        payload["params"]["text"]
        == "<b>Robe portefeuille rouge</b>\n89,90\xa0€\nRed wrap dress in linen"
    )
    keyboard = payload["params"]["reply_markup"]["inline_keyboard"]
    assert [button for row in keyboard for button in row] == [
        {"text": "Acheter", "callback_data": f"buy:{dress.pk}"},
        {"text": "Ajouter au panier", "callback_data": f"p:{dress.pk}"},
    ]
    # A typed "1" picks the card just sent, as the engine numbers it: it opens the product
    # (its choices), never buys it.
    telegram.refresh_from_db()
    assert telegram.bot_state["options"] == [f"show:{dress.pk}"]


def test_without_htmx_the_agent_is_sent_back_to_the_conversation(agent_client, chat, goods):  # noqa: F811
    response = agent_client.post(url("inbox_send_product", chat), {"product": goods["shirt"].pk})
    assert response.status_code == 302
    assert response["Location"].endswith((f"/inbox/{chat.pk}/", f"/customers/{chat.customer_id}/"))
    flash = [str(message) for message in get_messages(response.wsgi_request)]
    assert flash == ["Product card sent: Chemise blanche."]
    assert len(sent(chat)) == 1


def test_an_inactive_or_unknown_product_is_not_sent(agent_client, chat, goods, other_shop):  # noqa: F811
    from catalog.services import product_create

    theirs = product_create(
        shop=other_shop, title="Theirs", variants=[{"sku": "T", "name": "T", "price": 1}]
    )
    for product_id in (goods["hidden"].pk, theirs.pk, "x", ""):
        response = agent_client.post(
            url("inbox_send_product", chat), {"product": product_id}, **HTMX
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert "That product is not for sale any more." in page or "Pick a product" in page
    assert sent(chat) == []


def test_a_category_carousel_is_the_bots_page_of_that_category(agent_client, chat, goods):  # noqa: F811
    response = agent_client.post(
        url("inbox_send_category", chat), {"category": goods["dresses"].pk}, **HTMX
    )

    assert "Carousel sent: Robes (1 product)." in response.content.decode()
    [message] = sent(chat)
    assert message.author == agent_client.user and message.kind == "carousel"
    assert message.body["text"] == "Voici notre sélection\u00a0:"
    assert [card["title"] for card in message.body["cards"]] == ["Robe portefeuille rouge"]
    # The web chat's adapter keeps the normalized message (the page draws it).
    assert message.outbound.payloads[0]["cards"][0]["buttons"][1]["payload"] == (
        f"p:{goods['dress'].pk}"
    )


def test_every_product_with_more_when_there_are_more_than_a_page(
    agent_client,
    shop,
    chat,  # noqa: F811
    goods,  # noqa: F811
):
    from catalog.services import product_create

    for n in range(10):
        product_create(shop=shop, title=f"Foulard {n}", variants=[{"sku": f"F{n}", "price": 900}])

    agent_client.post(url("inbox_send_category", chat), {"category": 0}, **HTMX)

    [message] = sent(chat)
    assert len(message.body["cards"]) == 10
    assert message.body["more"] == {"title": "Plus", "payload": "cat:0:1", "url": ""}
    chat.refresh_from_db()
    assert chat.bot_state["options"][-1] == "cat:0:1"


def test_an_empty_category_sends_nothing(agent_client, shop, chat, goods):  # noqa: F811
    from catalog.services import category_create

    empty = category_create(shop=shop, name="Soldes")
    response = agent_client.post(url("inbox_send_category", chat), {"category": empty.pk}, **HTMX)
    assert "No active product in this category" in response.content.decode()
    response = agent_client.post(url("inbox_send_category", chat), {"category": 999999}, **HTMX)
    assert "That category does not exist any more." in response.content.decode()
    assert sent(chat) == []


def test_nothing_goes_to_a_shopper_who_opted_out(agent_client, chat, goods):  # noqa: F811
    Conversation.objects.filter(pk=chat.pk).update(opted_out=True)
    response = agent_client.post(
        url("inbox_send_product", chat), {"product": goods["shirt"].pk}, **HTMX
    )
    assert "opted out" in response.content.decode()
    assert sent(chat) == [] and not OutboundMessage.objects.exists()


def test_whatsapp_outside_its_window_refuses_before_queueing(agent_client, shop, chat, goods):  # noqa: F811
    account = ChannelAccount.objects.create(
        shop=shop, kind="whatsapp", external_id="1555", credentials={"access_token": "x"}
    )
    identity = CustomerIdentity.objects.create(
        shop=shop, customer=chat.customer, channel=account, external_id="33612345678"
    )
    whatsapp = Conversation.objects.create(
        shop=shop, customer=chat.customer, identity=identity, channel=account
    )
    said = Message.objects.create(
        shop=shop, conversation=whatsapp, direction="in", kind="text", text="hi", body={}
    )
    Message.objects.filter(pk=said.pk).update(created_at=timezone.now() - timedelta(hours=25))

    response = agent_client.post(
        url("inbox_send_category", whatsapp), {"category": goods["dresses"].pk}, **HTMX
    )

    assert "outside the 24-hour window only a template can be sent" in response.content.decode()
    assert sent(whatsapp) == [] and not OutboundMessage.objects.exists()


def tap(conversation, payload: str):
    inbound_handle(
        account=conversation.channel,
        events=[
            m.ButtonPressed(
                sender=m.Sender(external_id=conversation.identity.external_id), payload=payload
            )
        ],
    )


def say(conversation, text: str):
    inbound_handle(
        account=conversation.channel,
        events=[
            m.TextReceived(
                sender=m.Sender(external_id=conversation.identity.external_id), text=text
            )
        ],
    )


def test_taps_on_a_sent_card_are_answered_by_the_bot_while_handed_off(agent_client, chat, goods):  # noqa: F811
    Conversation.objects.filter(pk=chat.pk).update(handed_off=True)
    agent_client.post(url("inbox_send_product", chat), {"product": goods["shirt"].pk}, **HTMX)
    variant = goods["ch"]

    tap(chat, f"p:{goods['shirt'].pk}")  # one variant: "Add to cart" adds one at once
    assert sent(chat)[-1].text.startswith("1 x Chemise blanche (Unique) ajouté au panier")
    tap(chat, f"q:{variant.pk}:1")

    assert sent(chat)[-1].text.startswith("1 x Chemise blanche (Unique) ajouté au panier")
    page = agent_client.get(url("inbox_sidebar", chat), **HTMX).content.decode()
    assert "2 x Chemise blanche (Unique)" in page

    # What the shopper types, or a tap that starts the bot's menu, goes to the person.
    before = len(sent(chat))
    say(chat, "Is it lined?")
    tap(chat, "menu")
    tap(chat, "checkout")
    assert len(sent(chat)) == before
    chat.refresh_from_db()
    assert chat.handed_off
