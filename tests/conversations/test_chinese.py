"""A Chinese shop's shoppers are spoken to in Simplified Chinese from "你好" to the pay link,
with no English word; a French shop that does not offer Chinese answers the same Chinese
shopper in French, and one that offers it in Chinese. Telegram's fake Bot API, real client."""

import re
from urllib.parse import urlsplit

import pytest
from django.test import Client

from catalog.services import category_create, product_create
from channels_adapters.models import ChannelAccount
from conversations.models import Customer
from tests.conversations.test_french import ENGLISH_WORDS, SHARED_WORDS, words
from tests.conversations.test_french_audit_walk import Shopper, _buttons, shown_texts
from tests.fakes.conftest_plugin import fake_telegram  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

MEI = {"id": 8686, "is_bot": False, "first_name": "美玲", "language_code": "zh-hans"}
# Named by the brand, or the shopper's own: theirs, left out of the check.
BRAND_WORDS = ("丝绸之家", "真丝连衣裙", "红色 38", "红色 40", "美玲")
HAN = re.compile("[\u4e00-\u9fff]")


@pytest.fixture
def telegram(settings, fake_telegram):  # noqa: F811
    settings.TELEGRAM_API_URL = fake_telegram.url

    def connect(shop):
        return ChannelAccount.objects.create(
            shop=shop,
            kind="telegram",
            external_id="123456789",
            credentials={"token": fake_telegram.token},
        )

    return connect


def dress_in(shop, title: str = "真丝连衣裙"):
    return product_create(
        shop=shop,
        title=title,
        description="桑蚕丝面料。",
        category=category_create(shop=shop, name="连衣裙"),
        variants=[
            {"sku": f"LYQ-{size}", "name": f"红色 {size}", "options": {"size": str(size)}}
            | {"price": 39900, "stock": 5}
            for size in (38, 40)
        ],
    )


def english_left(text: str) -> set[str]:
    for brand in BRAND_WORDS:
        text = text.replace(brand, " ")
    text = re.sub(r"https?://\S+", " ", text)  # the pay link's address
    return (words(text) & ENGLISH_WORDS) - SHARED_WORDS - {"x"}


def test_a_chinese_shopper_of_a_chinese_shop_reads_chinese_from_hello_to_the_pay_link(
    make_shop,
    telegram,
    fake_telegram,  # noqa: F811
):
    shop = make_shop("丝绸之家", currency="CNY", language="zh-hans")
    dress_in(shop)
    shopper = Shopper(telegram(shop), fake_telegram, MEI)

    shopper.says("你好")
    greeting = shown_texts(fake_telegram.requests)[0]
    shopper.says("我想要连衣裙")
    shopper.taps("立即购买")
    shopper.taps("红色 38")
    texts = shown_texts(fake_telegram.requests)

    assert greeting.startswith("您好")
    assert "丝绸之家" in greeting
    everything = "\n".join(texts)
    # The search echoes what the shopper typed; a Chinese page of results.
    assert "为您找到“我想要连衣裙”的相关商品" in everything, everything
    assert "¥399.00" in everything, everything
    assert re.search(r"订单#\d+\uff1a¥399\.00", everything), everything  # the pay link
    assert Customer.objects.get().language == "zh-hans"
    for text in texts:
        assert HAN.search(text) or text in {"+1", "-1"}, f"not Chinese: “{text}”"
        assert not english_left(text), f"{english_left(text)} in “{text}”"

    # The pay page the link opens speaks Chinese too.
    link = next(
        button["url"]
        for request in reversed(fake_telegram.requests)
        for button in _buttons(request.params)
        if button.get("url")
    )
    page = Client().get(urlsplit(link).path)
    html = page.content.decode()
    assert page.status_code == 200
    assert '<html lang="zh-hans"' in html and "订单摘要" in html
    visible = re.sub(r"<[^>]+>", " ", html)
    assert not re.findall(r"[A-Za-z]{2,}", visible), visible


@pytest.mark.parametrize(
    ("offered", "answered"),
    [
        (["en"], "Bonjour"),  # Chinese not offered: the shop's French
        (["en", "zh-hans"], "您好"),
    ],
)
def test_a_french_shop_answers_a_chinese_shopper_in_chinese_only_if_it_offers_it(
    make_shop,
    telegram,
    fake_telegram,  # noqa: F811
    offered,
    answered,
):
    shop = make_shop("Maison Rouge", currency="EUR", language="fr")
    shop.languages = offered
    shop.save()
    shopper = Shopper(telegram(shop), fake_telegram, {**MEI, "language_code": "zh"})

    shopper.says("你好")

    assert shown_texts(fake_telegram.requests)[0].startswith(answered)


def test_a_chinese_sentence_is_read_as_chinese_when_the_platform_says_nothing(
    make_shop,
    telegram,
    fake_telegram,  # noqa: F811
):
    shop = make_shop("Maison Rouge", currency="EUR", language="fr")
    shop.languages = ["zh-hans"]
    shop.save()
    dress_in(shop, title="Robe en soie")
    shopper = Shopper(telegram(shop), fake_telegram, {**MEI, "language_code": ""})

    shopper.says("我的购物车")

    texts = shown_texts(fake_telegram.requests)
    assert "您的购物车是空的。" in texts
    assert all(HAN.search(text) for text in texts), texts
    assert Customer.objects.get().language == "zh-hans"


@pytest.mark.parametrize(
    ("shop_language", "offered", "accept", "page_language", "placeholder"),
    [
        ("zh-hans", ["en"], "zh-CN,zh;q=0.9", "zh-hans", "输入消息……"),
        ("fr", ["zh-hans"], "zh-CN,zh;q=0.9", "zh-hans", "输入消息……"),
        ("fr", ["en"], "zh-CN,zh;q=0.9", "fr", "Écrivez un message…"),  # Chinese not offered
        ("fr", ["zh-hans"], "zh-TW,zh;q=0.5", "zh-hans", "输入消息……"),  # zh: simplified
    ],
)
def test_the_web_chat_page_is_in_chinese_for_a_chinese_browser_when_the_shop_offers_it(
    make_shop, shop_language, offered, accept, page_language, placeholder
):
    shop = make_shop("丝绸之家", currency="CNY", language=shop_language)
    shop.languages = offered
    shop.save()

    page = Client(HTTP_ACCEPT_LANGUAGE=accept).get(f"/chat/{shop.slug}/").content.decode()

    assert f'<html lang="{page_language}"' in page
    assert f'placeholder="{placeholder}"' in page
