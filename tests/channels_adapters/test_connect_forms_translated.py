"""A brand connects a channel in its own language: every channel's connect page (its fields, the
steps saying where each value is found, what to do with the webhook URL) speaks the shop's
language, English, French or Simplified Chinese, and so do the errors beside the fields. The
API keeps answering in English."""

import pytest
from django.utils import translation

from channels_adapters import registry
from shops.models import Role
from tests.conftest import client_for
from tests.dashboard.conftest import member, signed_in

# What the platforms call these in every language (their consoles show them so).
PLATFORM_NAMES = {"AppID", "AppSecret", "EncodingAESKey", "Account SID", "Auth token"}


def connect_texts(kind: str) -> list:
    adapter = registry.adapter_for(kind)
    guide = adapter.connect_guide
    texts = [guide.title, *guide.steps, guide.webhook_help]
    texts += [guide.connected_note] if guide.connected_note else []
    for field in adapter.connect_fields:
        texts += [field.label, field.help_text]
    return texts


def said(texts: list, language: str) -> list[str]:
    with translation.override(language):
        return [str(text) for text in texts]


CONNECTABLE = [kind for kind, _label in registry.connectable_choices()]


@pytest.mark.parametrize("kind", CONNECTABLE)
@pytest.mark.parametrize("language", ["fr", "zh-hans"])
def test_every_connect_text_of_every_channel_is_translated(kind, language):
    texts = connect_texts(kind)
    english, translated = said(texts, "en"), said(texts, language)
    untranslated = [
        text
        for text, theirs in zip(english, translated, strict=True)
        if text == theirs and text not in PLATFORM_NAMES
    ]
    assert untranslated == []


@pytest.fixture
def client_of(make_shop):
    def make(language: str):
        shop = make_shop(f"Boutique {language}", currency="EUR", language=language)
        return signed_in(member(shop, Role.MANAGER))

    return make


@pytest.mark.django_db
def test_a_french_shop_connects_telegram_in_french(client_of):
    page = client_of("fr").get("/dashboard/channels/connect/telegram/").content.decode()

    assert '<div lang="fr">' in page  # screen readers read it as French
    assert "<h1>Connecter un bot Telegram</h1>" in page
    assert "Jeton du bot" in page and "Jeton du prestataire de paiement" in page
    assert "(facultatif)" in page
    assert "Où trouver ces valeurs" in page
    assert "Dans Telegram, ouvrez une conversation avec @BotFather." in page
    assert ">Connecter</button>" in page
    assert "Bot token" not in page and "Where to find these values" not in page


@pytest.mark.django_db
def test_a_chinese_shop_connects_wechat_in_chinese(client_of):
    page = client_of("zh-hans").get("/dashboard/channels/connect/wechat/").content.decode()

    assert "<h1>连接微信公众号</h1>" in page
    assert "服务器令牌（Token）" in page  # noqa: RUF001
    assert "“wx”加 16 位十六进制数字。" in page
    assert "Connect a WeChat Official Account" not in page


@pytest.mark.django_db
def test_an_english_shop_reads_english(client_of):
    page = client_of("en").get("/dashboard/channels/connect/sms/").content.decode()

    assert "<h1>Connect an SMS number (Twilio)</h1>" in page
    assert "Phone number" in page and "Where to find these values" in page


@pytest.mark.django_db
def test_errors_beside_the_fields_are_in_the_shops_language(client_of):
    client = client_of("fr")

    blank = client.post("/dashboard/channels/connect/telegram/", {"token": "  "})
    assert "Ce champ est obligatoire." in blank.content.decode()

    wrong = client.post(
        "/dashboard/channels/connect/sms/",
        {"external_id": "0612345678", "account_sid": "AC42", "auth_token": "tok-secret"},
    ).content.decode()
    assert "Un numéro de téléphone au format E.164, par exemple +15550001111." in wrong
    assert "Rien n\u2019a été enregistré." not in wrong  # a field error, not the platform


@pytest.mark.django_db
def test_the_api_answers_in_english_for_a_french_shop(make_shop):
    shop = make_shop("Maison API", currency="EUR", language="fr")

    response = client_for(shop).post(
        "/api/v1/channels/",
        {"kind": "sms", "external_id": "0612345678", "credentials": {"account_sid": "AC1"}},
        format="json",
    )

    assert response.status_code == 400
    assert "This field is required." in str(response.json())
