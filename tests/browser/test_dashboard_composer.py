"""The composer in a real browser under the strict CSP: its SMS counter agrees with gsm.py on
the same texts; an agent sees segments and cost as they type (at 390 px), inserts a saved reply
with "/", sends with Ctrl+Enter (the composer clears and `souk:composer-sent` fires); a WhatsApp
template's preview follows the values typed, and the composer turns to free text when the
shopper writes again (a live event)."""

import random
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from channels_adapters.models import ChannelAccount, WhatsAppTemplate
from channels_adapters.setup import webchat_channel
from channels_adapters.sms import gsm
from conversations import composer
from conversations.models import CannedReply, Conversation, Customer, CustomerIdentity, Message
from shops.models import Role
from tests.browser.dashboard import signed_in_member

COMPOSER_JS = Path(settings.BASE_DIR) / "static" / "dashboard" / "composer.js"

EXAMPLES = [
    "",
    "Bonjour",
    "a" * 160,
    "a" * 161,
    "a" * 306,
    "a" * 307,
    "a" * 152 + "€" + "b" * 10,  # an escape sequence never cut across segments
    "{[~]}|^€\\" * 20,
    "C\u2019est pr\u00eat \u2014 \u00ab merci \u00bb\u2026",
    "Prix\u00a0: 12,00\u202f\u20ac\tfin\u200b",
    "Pr\u00eat ?",
    "\u00e9" * 70,
    "\u00e9" * 71,
    "\U0001f600" * 35,  # 70 UTF-16 units: one segment
    "\U0001f600" * 36,
    "x" * 66 + "\U0001f600" + "y" * 5,  # a surrogate pair starts the next segment
    "你好\uff0c我想要这件衣服",
    "Ligne 1\nLigne 2\r\n@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¡ÄÖÑÜ§¿äöñüà",
]

ALPHABET = (
    list("abcXYZ 019.,!?@£$¥èé\n")
    + list("{}[]~|^€\\")
    + ["\u2019", "\u201c", "\u2026", "\u00a0", "\u2013", "\t", "\u200b"]
    + ["\u00ea", "\u00e7", "\u0107", "\u4f60", "\U0001f600", "\U0001f44d\U0001f3fd"]
)


def random_texts(count: int = 300) -> list[str]:
    picker = random.Random(20260310)
    return [
        "".join(picker.choice(ALPHABET) for _ in range(picker.randint(0, 420)))
        for _ in range(count)
    ]


def normalize_spaces(text: str) -> str:
    # Babel and the browser's Intl may pick different no-break spaces around "€".
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def test_the_browser_counts_sms_segments_as_gsm_py_does(page: Page, shop):
    page.set_content("<!doctype html><title>composer</title>")
    page.add_script_tag(path=str(COMPOSER_JS))
    texts = EXAMPLES + random_texts()
    counted = page.evaluate(
        "texts => texts.map(t => { const c = SoukComposer.segments(SoukComposer.toGsm(t));"
        " return [SoukComposer.toGsm(t), c.encoding, c.segments]; })",
        texts,
    )
    expected = [[gsm.to_gsm(t), *gsm.segments(gsm.to_gsm(t))] for t in texts]
    mismatches = [
        (text, js, py) for text, js, py in zip(texts, counted, expected, strict=True) if js != py
    ]
    assert mismatches == []

    price = {"cost": 7, "currency": "EUR", "exponent": 2, "language": "fr"}
    lines = page.evaluate(
        "([texts, price]) => texts.map(t => SoukComposer.smsLine(t, price))", [EXAMPLES, price]
    )
    conversation = type("C", (), {"channel": type("A", (), {"kind": "sms"})()})()
    python_lines = [
        composer.reply_cost(conversation=conversation, text=text, shop=shop).line
        for text in EXAMPLES
    ]
    assert [normalize_spaces(line) for line in lines] == [
        normalize_spaces(line) for line in python_lines
    ]


def talk(account, external_id: str, wrote_ago: timedelta):
    shop = account.shop
    customer = Customer.objects.create(shop=shop, name="Léa Martin")
    identity = CustomerIdentity.objects.create(
        shop=shop, customer=customer, channel=account, external_id=external_id
    )
    conversation = Conversation.objects.create(
        shop=shop, customer=customer, identity=identity, channel=account
    )
    message = Message.objects.create(
        shop=shop, conversation=conversation, direction="in", kind="text", text="?", body={}
    )
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - wrote_ago)
    return conversation


@pytest.fixture
def agent_page(page: Page, live_server, shop, console_errors):
    return signed_in_member(page, live_server.url, shop, Role.AGENT, console_errors)


def open_composer(page: Page, live_server, conversation) -> None:
    page.goto(f"{live_server.url}/dashboard/inbox/{conversation.pk}/composer/")
    expect(page.get_by_role("heading", name="Reply to Léa Martin")).to_be_visible()


def test_an_agent_types_inserts_a_saved_reply_and_sends(agent_page: Page, live_server, shop):
    page = agent_page
    CannedReply.objects.create(shop=shop, shortcut="delai", text="Livraison en 48 h.")
    CannedReply.objects.create(shop=shop, shortcut="retour", text="Retours gratuits 30 jours.")
    conversation = talk(webchat_channel(shop=shop), "visitor-1", timedelta(minutes=3))
    open_composer(page, live_server, conversation)
    expect(page.locator("#composer-rules")).to_contain_text("Web chat: no reply window")

    box = page.get_by_label("Reply to Léa Martin")
    box.fill("Bonjour ! /de")
    options = page.get_by_role("option")
    expect(page.get_by_role("listbox", name="Saved replies")).to_be_visible()
    expect(options.filter(has_text="/delai")).to_be_visible()
    expect(options.filter(has_text="/retour")).to_be_hidden()
    page.screenshot(path="/tmp/composer-saved-replies.png", full_page=True, caret="initial")
    box.press("Enter")
    expect(box).to_have_value("Bonjour ! Livraison en 48 h.")
    expect(page.get_by_role("listbox", name="Saved replies")).to_be_hidden()

    page.evaluate(
        "window.sent = null; document.addEventListener('souk:composer-sent',"
        " e => { window.sent = e.detail; })"
    )
    box.press("Control+Enter")
    expect(page.locator(".composer-sent")).to_contain_text("Reply queued")
    expect(page.get_by_label("Reply to Léa Martin")).to_have_value("")
    expect(page.get_by_label("Reply to Léa Martin")).to_be_focused()
    sent = page.evaluate("[window.sent.conversation_id, window.sent.message_id]")
    logged = Message.objects.get(conversation=conversation, direction="out")
    assert sent == [conversation.pk, logged.pk]
    assert logged.text == "Bonjour ! Livraison en 48 h."
    assert logged.author == page.user


def test_the_sms_counter_follows_the_typing_at_390_px(
    browser, live_server, shop, console_errors, settings
):
    settings.TWILIO_API_URL = "http://127.0.0.1:9"  # nothing is sent in this test
    sms = ChannelAccount.objects.create(
        shop=shop, kind="sms", external_id="+15005550006", credentials={}
    )
    conversation = talk(sms, "+33612345678", timedelta(days=3))
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = signed_in_member(context.new_page(), live_server.url, shop, Role.AGENT, console_errors)
    open_composer(page, live_server, conversation)
    counter = page.locator("#composer-count")
    expect(counter).to_have_text("SMS: each segment ~0,07\u00a0€")

    box = page.get_by_label("Reply to Léa Martin")
    box.fill("Votre colis part demain.")
    expect(counter).to_have_text(normalized("SMS: 1 segment · ~0,07 €"))
    box.fill("a" * 161)
    expect(counter).to_have_text(normalized("SMS: ≈ 2 segments · ~0,14 €"))
    box.fill("Prêt ? " + "é" * 70)
    expect(counter).to_contain_text("UCS-2")
    page.screenshot(path="/tmp/composer-sms-390.png", full_page=True, caret="initial")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    context.close()


def normalized(text: str):
    """A pattern matching `text` whatever no-break space the browser puts before "€"."""
    import re

    return re.compile("^" + re.escape(text).replace("\\ €", "[\\s\u00a0\u202f]€") + "$")


def test_a_whatsapp_template_preview_follows_the_values(agent_page: Page, live_server, shop):
    page = agent_page
    number = ChannelAccount.objects.create(
        shop=shop, kind="whatsapp", external_id="109000000000077", credentials={}
    )
    WhatsAppTemplate.objects.create(
        shop=shop,
        channel=number,
        name="hello_again",
        language="fr",
        body_text="Bonjour {{1}} !",
        param_labels=["Prénom"],
    )
    WhatsAppTemplate.objects.create(
        shop=shop,
        channel=number,
        name="order_update",
        language="fr",
        body_text="Votre commande {{1}} est partie.",
        param_labels=["Numéro"],
    )
    conversation = talk(number, "33612345678", timedelta(hours=30))
    open_composer(page, live_server, conversation)
    expect(page.locator("#composer-rules")).to_contain_text("only a template can be sent")
    expect(page.get_by_label("Reply to Léa Martin")).to_have_count(0)

    first = page.locator(".composer-template[data-template]").first
    expect(first).to_be_visible()
    expect(page.locator(".composer-template").nth(1)).to_be_hidden()
    page.get_by_label("Template").select_option(label="order_update (fr)")
    expect(first).to_be_hidden()
    chosen = page.locator(".composer-template").nth(1)
    expect(chosen.locator(".composer-preview")).to_have_text("Votre commande [Numéro] est partie.")
    chosen.get_by_label("Numéro").fill("#1001")
    expect(chosen.locator(".composer-preview")).to_have_text("Votre commande #1001 est partie.")
    page.screenshot(path="/tmp/composer-whatsapp-template.png", full_page=True, caret="initial")

    # The shopper writes again: the window opens and the composer offers free text at once.
    Message.objects.create(
        shop=shop, conversation=conversation, direction="in", kind="text", text="Merci", body={}
    )
    page.evaluate(
        "id => document.dispatchEvent(new CustomEvent('souk:live', {detail: {id: 1, kind:"
        " 'message.created', data: {conversation_id: id, direction: 'in'}}}))",
        conversation.pk,
    )
    expect(page.get_by_label("Reply to Léa Martin")).to_be_visible()
    expect(page.locator("#composer-rules")).to_contain_text("within the 24-hour")
