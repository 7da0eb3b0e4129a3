"""The shopping flow, as a shopper experiences it, in the shop's language."""

import pytest

from catalog.services import product_create
from channels_adapters import messages as m
from conversations.engine.dispatch import respond
from orders.models import CartLine
from payments.models import Payment

pytestmark = pytest.mark.django_db

SHOPPER = m.Sender(external_id="42", name="Léa")


def text(conversation, body: str):
    return respond(conversation, m.TextReceived(sender=SHOPPER, text=body))


def tap(conversation, payload: str):
    return respond(conversation, m.ButtonPressed(sender=SHOPPER, payload=payload))


def options(reply) -> dict[str, str]:
    last = reply.messages[-1]
    assert isinstance(last, m.QuickReplies), reply.messages
    return {o.title: o.payload for o in last.options}


def test_greeting_names_the_shop_and_offers_the_menu_in_french(conversation, shop):
    reply = text(conversation, "Bonjour")

    menu = reply.messages[-1]
    assert "Maison Rouge" in menu.text and "Léa" in menu.text
    assert list(options(reply)) == ["Parcourir", "Rechercher", "Mon panier", "Parler à quelqu'un"]


def test_returning_shopper_is_greeted_back(conversation):
    text(conversation, "bonjour")
    assert "Ravi de vous revoir Léa" in text(conversation, "salut").messages[-1].text


def test_browse_categories_then_a_carousel_with_prices_and_images(conversation, catalog):
    categories = options(tap(conversation, "browse"))
    assert list(categories) == ["Robes", "Hauts", "Tout voir"]

    reply = tap(conversation, categories["Robes"])

    carousel = reply.messages[-1]
    assert isinstance(carousel, m.Carousel)
    assert [c.title for c in carousel.cards] == ["Robe portefeuille rouge"]
    assert carousel.cards[0].price == "89,90\xa0€"
    # Several sizes in stock: "Buy now" and "Add to cart" ask which one next.
    buttons = [(b.title, b.payload) for b in carousel.cards[0].buttons]
    assert buttons == [
        ("Acheter", f"buy:{catalog['dress'].pk}"),
        ("Ajouter au panier", f"p:{catalog['dress'].pk}"),
    ]
    assert carousel.more is None


def test_a_card_with_one_variant_buys_or_adds_it_in_one_tap(conversation, catalog):
    card = tap(conversation, f"cat:{catalog['tops'].pk}:0").messages[-1].cards[0]
    add = next(b.payload for b in card.buttons if b.title == "Ajouter au panier")

    reply = tap(conversation, add)

    assert "1 x Chemise blanche (Unique)" in reply.messages[-1].text
    assert CartLine.objects.get().quantity == 1


def test_add_to_cart_asks_only_the_size_and_puts_one_in_the_cart(conversation, catalog):
    reply = tap(conversation, f"p:{catalog['dress'].pk}")
    # The card is on screen already: only the question, not the card again.
    assert [type(message) for message in reply.messages] == [m.QuickReplies]
    variants = options(reply)
    assert list(variants) == ["Rouge 38", "Rouge 40"]  # 36 is sold out

    reply = tap(conversation, variants["Rouge 38"])

    assert "1 x Robe portefeuille rouge (Rouge 38)" in reply.messages[-1].text
    assert "89,90" in reply.messages[-1].text
    assert list(options(reply)) == ["Commander", "Voir le panier", "Continuer"]
    line = CartLine.objects.get()
    assert (line.variant.sku, line.quantity) == ("ROBE-R-38", 1)


def test_a_shop_with_one_category_shows_its_products_without_asking(conversation, shop):
    product_create(shop=shop, title="Foulard", variants=[{"sku": "F", "name": "F", "price": 900}])

    reply = tap(conversation, "browse")

    assert [c.title for c in reply.messages[-1].cards] == ["Foulard"]


def test_cannot_add_more_than_in_stock(conversation, catalog):
    variant = catalog["dress"].variants.get(sku="ROBE-R-40")
    reply = tap(conversation, f"q:{variant.pk}:3")
    assert "il ne reste que 2" in reply.messages[-1].text
    assert not CartLine.objects.exists()


def test_last_chosen_size_is_offered_first_next_time(conversation, catalog, shop):
    tap(conversation, f"q:{catalog['dress'].variants.get(sku='ROBE-R-40').pk}:1")
    skirt = product_create(
        shop=shop,
        title="Jupe",
        variants=[
            {"sku": f"J-{s}", "name": s, "options": {"size": s}, "price": 3000, "stock": 5}
            for s in ("38", "40", "42")
        ],
    )

    assert next(iter(options(tap(conversation, f"p:{skirt.pk}")))) == "40"


def test_cart_change_quantity_remove_and_checkout(conversation, catalog):
    shirt_variant = catalog["shirt"].variants.get()
    tap(conversation, f"q:{shirt_variant.pk}:1")
    line = CartLine.objects.get()

    cart = tap(conversation, "cart")
    card = cart.messages[0].cards[0]
    assert card.title == "1 x Chemise blanche (Unique)"
    assert [b.payload for b in card.buttons] == [
        f"l:{line.pk}:2",
        f"l:{line.pk}:0",
        f"l:{line.pk}:0",
    ]
    assert "Total\xa0: 45,00" in cart.messages[-1].text

    tap(conversation, f"l:{line.pk}:2")
    assert CartLine.objects.get().quantity == 2

    checkout = tap(conversation, "checkout")
    # The test provider's page asks phone and address in one form: nothing asked here, the
    # order is placed and its payment link follows (notifications).
    assert checkout.messages == []
    assert Payment.objects.get().order.total == 9000
    shirt_variant.refresh_from_db()
    assert shirt_variant.stock == 8  # the two shirts are reserved
    assert "annulée" in tap(conversation, "cancel").messages[-1].text
    shirt_variant.refresh_from_db()
    assert shirt_variant.stock == 10

    tap(conversation, f"l:{line.pk}:0")
    assert "Votre panier est vide" in tap(conversation, "cart").messages[-1].text


@pytest.mark.parametrize("query", ["robe rouge 38", "red dress", "ROBE"])
def test_free_text_searches_the_catalog(conversation, catalog, query):
    carousel = text(conversation, query).messages[-1]
    assert [c.title for c in carousel.cards] == ["Robe portefeuille rouge"]


def test_search_with_no_result_says_so_and_offers_the_menu(conversation, catalog):
    reply = text(conversation, "parapluie")
    assert "rien trouvé pour «\xa0parapluie\xa0»" in reply.messages[-1].text
    assert "Parcourir" in options(reply)


@pytest.mark.parametrize("words", ["human", "can I talk to someone", "un conseiller svp", "agent"])
def test_asking_for_a_person_hands_off(conversation, words):
    reply = text(conversation, words)
    assert reply.hand_off
    assert "équipe" in reply.messages[0].text


def test_more_button_pages_through_a_large_category(conversation, shop):
    for n in range(13):
        product_create(
            shop=shop, title=f"P{n:02}", variants=[{"sku": f"S{n}", "name": "x", "price": 100}]
        )
    first = tap(conversation, "cat:0:0").messages[-1]
    assert len(first.cards) == 10 and first.more.payload == "cat:0:1"

    second = tap(conversation, first.more.payload).messages[-1]
    assert [c.title for c in second.cards] == ["P10", "P11", "P12"] and second.more is None


def test_numbered_reply_picks_from_the_last_menu(conversation, catalog):
    text(conversation, "bonjour")  # menu: 1 Browse, 2 Search, 3 Cart, 4 Human
    reply = text(conversation, "1")
    assert list(options(reply)) == ["Robes", "Hauts", "Tout voir"]


@pytest.mark.parametrize(
    "event",
    [
        m.ButtonPressed(sender=SHOPPER, payload="p:999999"),
        m.ButtonPressed(sender=SHOPPER, payload="garbage:1:2:3"),
        m.ButtonPressed(sender=SHOPPER, payload="q:-1:5"),
        m.Unsupported(sender=SHOPPER, what="sticker"),
        m.TextReceived(sender=SHOPPER, text="   "),
    ],
)
def test_anything_not_understood_gets_the_menu_never_silence(conversation, catalog, event):
    reply = respond(conversation, event)
    assert reply.messages
    assert "Parcourir" in options(reply)


def test_other_shops_products_cannot_be_reached_by_payload(conversation, make_shop):
    foreign = product_create(
        shop=make_shop(),
        title="Secret",
        variants=[{"sku": "X", "name": "x", "price": 1, "stock": 5}],
    )
    variant = foreign.variants.get()
    for payload in (f"p:{foreign.pk}", f"v:{variant.pk}", f"q:{variant.pk}:1"):
        reply = tap(conversation, payload)
        assert "n'est plus disponible" in reply.messages[-1].text
    assert not CartLine.objects.exists()


def test_shared_contact_and_location_are_remembered(conversation):
    respond(conversation, m.ContactShared(sender=SHOPPER, phone="+33612345678", name="Léa Martin"))
    reply = respond(
        conversation,
        m.LocationShared(sender=SHOPPER, latitude=48.85, longitude=2.35, address="Paris"),
    )

    conversation.customer.refresh_from_db()
    assert conversation.customer.phone == "+33612345678"
    assert conversation.customer.preferences["location"]["address"] == "Paris"
    assert "noté vos coordonnées" in reply.messages[-1].text


def test_whatsapp_cart_fills_the_cart_by_sku(conversation, catalog):
    reply = respond(
        conversation,
        m.CartSubmitted(
            sender=SHOPPER,
            items=(m.CartItem("ROBE-R-38", 2, 8990, "EUR"), m.CartItem("UNKNOWN", 1)),
        ),
    )
    assert [(line.variant.sku, line.quantity) for line in CartLine.objects.all()] == [
        ("ROBE-R-38", 2)
    ]
    assert "179,80" in reply.messages[-1].text


@pytest.mark.parametrize(
    ("words", "answer"),
    [("merci !", "Avec plaisir\u202f!"), ("non merci", "Pas de souci.")],
)
def test_thanks_and_no_get_a_polite_answer_and_the_menu(conversation, words, answer):
    reply = text(conversation, words)
    assert reply.messages[-1].text.startswith(answer)
    assert "Parcourir" in options(reply)
