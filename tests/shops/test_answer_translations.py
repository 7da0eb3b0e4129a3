"""The delivery and returns answers in each language the shop offers: written per language in
Settings → Shop and through PATCH /api/v1/shop/, answered in the shopper's language and, where
the brand wrote none in it, in the shop's. `shop` is Maison Rouge, a French shop."""

import pytest
from django.urls import reverse

from channels_adapters import messages as m
from conversations import answers
from conversations.engine.dispatch import respond
from conversations.models import Customer
from shops.demo import DEMO_ANSWERS_EN, DEMO_DELIVERY_INFO, DEMO_RETURNS_INFO, demo_answers
from shops.models import Role
from tests.conftest import client_for
from tests.conversations.conftest import conversation, telegram_account  # noqa: F401
from tests.dashboard.conftest import member, signed_in

pytestmark = pytest.mark.django_db

SETTINGS = reverse("dashboard:settings_shop")
# "languages": English stays offered, as the page's ticked box posts it.
PROFILE = {
    "name": "Maison Rouge",
    "language": "fr",
    "languages": ["en"],
    "currency": "EUR",
    "timezone": "Europe/Paris",
}
FRENCH = "Livraison en 48 h, offerte dès 60 €."
ENGLISH = "Delivered in 2 days, free from €60."


def field_block(html: str, name: str) -> str:
    """The `.field` block holding the input named `name`."""
    marker = f'name="{name}"'
    assert marker in html, f"no field {name}"
    start = html.rfind('<div class="field', 0, html.index(marker))
    return html[start : html.index("</div>", html.index(marker))]


def test_an_english_shopper_gets_the_english_answer_and_a_french_one_the_french(shop):
    shop.delivery_info, shop.returns_info = FRENCH, "Retours gratuits sous 30 jours."
    shop.translations = {"en": {"delivery_info": ENGLISH}}

    assert answers.delivery(shop=shop, language="en").messages == [m.Text(ENGLISH)]
    assert answers.delivery(shop=shop, language="fr").messages == [m.Text(FRENCH)]
    # No English returns answer written: the shop's own words rather than nothing.
    assert answers.returns(shop=shop, language="en").messages == [
        m.Text("Retours gratuits sous 30 jours.")
    ]


def test_the_bot_answers_an_english_question_about_delivery_in_english(shop, conversation):  # noqa: F811
    shop.delivery_info = FRENCH
    shop.translations = {"en": {"delivery_info": ENGLISH}}
    shop.save()
    Customer.objects.filter(pk=conversation.customer_id).update(language="en")
    conversation.refresh_from_db()

    sender = m.Sender(external_id="42", name="Amy")
    reply = respond(
        conversation, m.TextReceived(sender=sender, text="how long does delivery take?")
    )

    assert [message.text for message in reply.messages] == [ENGLISH]


def test_the_owner_writes_each_answer_in_english_beside_the_french(shop):
    owner = signed_in(member(shop, Role.OWNER))
    page = owner.get(SETTINGS).content.decode()
    assert "Delivery: the bot&#x27;s answer in French" in page
    assert "Delivery: the bot&#x27;s answer in English" in page
    assert "Returns: the bot&#x27;s answer in English" in page
    assert 'name="delivery_info_fr"' not in page  # French is the shop's own: the main field

    response = owner.post(
        SETTINGS,
        {
            **PROFILE,
            "delivery_info": FRENCH,
            "delivery_info_en": f"  {ENGLISH} ",
            "returns_info": "Retours gratuits sous 30 jours.",
            "returns_info_en": "",
        },
    )

    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.delivery_info == FRENCH
    assert shop.translations == {"en": {"delivery_info": ENGLISH}}
    assert ENGLISH in field_block(owner.get(SETTINGS).content.decode(), "delivery_info_en")

    # Emptied, the English answer is gone and English speakers get the French one.
    owner.post(SETTINGS, {**PROFILE, "delivery_info": FRENCH, "delivery_info_en": ""})
    shop.refresh_from_db()
    assert shop.translations == {}
    assert answers.delivery(shop=shop, language="en").messages == [m.Text(FRENCH)]


def test_a_translation_too_long_is_refused_beside_its_field_and_nothing_is_saved(shop):
    owner = signed_in(member(shop, Role.OWNER))

    response = owner.post(
        SETTINGS,
        {**PROFILE, "name": "Renamed", "delivery_info": FRENCH, "returns_info_en": "x" * 1001},
    )

    assert response.status_code == 200
    block = field_block(response.content.decode(), "returns_info_en")
    assert "has-error" in block and "at most 1000 characters" in block
    shop.refresh_from_db()
    assert (shop.name, shop.delivery_info, shop.translations) == ("Maison Rouge", "", {})


def test_switching_to_english_with_an_english_translation_says_where_to_write_it(shop):
    owner = signed_in(member(shop, Role.OWNER))

    response = owner.post(
        SETTINGS,
        {**PROFILE, "language": "en", "delivery_info": FRENCH, "delivery_info_en": ENGLISH},
    )

    assert response.status_code == 200
    block = field_block(response.content.decode(), "delivery_info_en")
    assert "English becomes the shop&#x27;s language" in block
    shop.refresh_from_db()
    assert shop.language == "fr" and shop.translations == {}


def test_the_api_reads_and_writes_the_answers_in_each_language(shop):
    api = client_for(shop)

    written = api.patch(
        "/api/v1/shop/",
        {"delivery_info": FRENCH, "translations": {"en": {"delivery_info": ENGLISH}}},
        format="json",
    )

    assert written.status_code == 200, written.json()
    body = api.get("/api/v1/shop/").json()
    assert body["delivery_info"] == FRENCH
    assert body["translations"] == {"en": {"delivery_info": ENGLISH}}
    shop.refresh_from_db()
    assert answers.delivery(shop=shop, language="en").messages == [m.Text(ENGLISH)]


@pytest.mark.parametrize(
    ("translations", "message"),
    [
        ({"fr": {"delivery_info": "x"}}, "the shop's own language"),
        ({"de": {"delivery_info": "x"}}, "Unknown language “de”"),
        ({"en": {"title": "x"}}, "“en.title” is not translatable"),
        ({"en": {"returns_info": "x" * 1001}}, "longer than 1000 characters"),
        (["en"], "Expected an object"),
    ],
)
def test_the_api_refuses_bad_translations_naming_the_field(shop, translations, message):
    api = client_for(shop)

    refused = api.patch(
        "/api/v1/shop/", {"name": "Renamed", "translations": translations}, format="json"
    )

    assert refused.status_code == 400
    assert message in refused.json()["fields"]["translations"][0]
    shop.refresh_from_db()
    assert shop.name == "Maison Rouge" and shop.translations == {}


def test_the_demo_shop_answers_english_speakers_in_english(shop):
    demo_answers(shop)
    demo_answers(shop)

    shop.refresh_from_db()
    assert answers.delivery(shop=shop, language="fr").messages == [m.Text(DEMO_DELIVERY_INFO)]
    assert answers.returns(shop=shop, language="fr").messages == [m.Text(DEMO_RETURNS_INFO)]
    assert answers.delivery(shop=shop, language="en").messages == [
        m.Text(DEMO_ANSWERS_EN["delivery_info"])
    ]
    assert answers.returns(shop=shop, language="en").messages == [
        m.Text(DEMO_ANSWERS_EN["returns_info"])
    ]


def test_the_demo_does_not_translate_an_answer_the_brand_rewrote(shop):
    shop.returns_info = "Pas de retour sur les soldes."
    shop.save()

    demo_answers(shop)

    shop.refresh_from_db()
    assert shop.returns_info == "Pas de retour sur les soldes."
    assert "returns_info" not in shop.translations["en"]
    assert answers.returns(shop=shop, language="en").messages == [
        m.Text("Pas de retour sur les soldes.")
    ]


def test_a_demo_shop_seeded_before_the_no_break_spaces_also_gets_the_english(shop):
    shop.delivery_info = " ".join(DEMO_DELIVERY_INFO.split())  # plain spaces, as seeded then
    shop.save()

    demo_answers(shop)

    shop.refresh_from_db()
    assert shop.delivery_info == " ".join(DEMO_DELIVERY_INFO.split())  # kept as it was
    assert shop.translations["en"]["delivery_info"] == DEMO_ANSWERS_EN["delivery_info"]
