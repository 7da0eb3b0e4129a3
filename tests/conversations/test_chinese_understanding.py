"""What a Chinese sentence means to the bot, and what a Chinese search finds. Chinese has no
spaces between words: intents are read from phrases anywhere in the sentence, and a search
matches product text by substring (PostgreSQL has no Chinese text search configuration), on
SQLite and PostgreSQL alike."""

import pytest
from django.db import connection

from catalog.models import Product
from catalog.search import search_products
from catalog.services import product_create
from conversations.language import written_language
from conversations.understanding import Intent, interpret

pytestmark = pytest.mark.django_db


@pytest.fixture
def chinese_shop(make_shop):
    shop = make_shop("丝绸之家", currency="CNY", language="zh-hans")
    for title, description in (
        ("真丝连衣裙", "桑蚕丝面料"),
        ("羊毛围巾", "保暖"),
        ("棉质衬衫", "适合搭配连衣裙"),
    ):
        product_create(
            shop=shop,
            title=title,
            description=description,
            variants=[{"sku": title, "price": 19900, "stock": 3}],
        )
    return shop


@pytest.mark.parametrize(
    ("text", "intent", "query"),
    [
        ("你好", Intent.GREETING, ""),
        ("您好！", Intent.GREETING, ""),  # noqa: RUF001
        ("我的购物车", Intent.CART, ""),
        ("购物车", Intent.CART, ""),
        ("我的订单在哪？", Intent.ORDER_STATUS, ""),  # noqa: RUF001
        ("物流到哪了", Intent.ORDER_STATUS, ""),
        ("多久发货？", Intent.DELIVERY, ""),  # noqa: RUF001
        ("配送要几天", Intent.DELIVERY, ""),
        ("可以退货吗", Intent.RETURNS, ""),
        ("怎么退款", Intent.RETURNS, ""),
        ("转人工", Intent.HUMAN, ""),
        ("我要找客服", Intent.HUMAN, ""),
        ("好", Intent.YES, ""),
        ("好的", Intent.YES, ""),
        ("OK", Intent.YES, ""),
        ("不用了", Intent.NO, ""),
        ("谢谢", Intent.THANKS, ""),
        ("看看所有商品", Intent.BROWSE, ""),
        ("连衣裙", Intent.SEARCH, "连衣裙"),
        ("我想要连衣裙", Intent.SEARCH, "连衣裙"),
        ("你们有没有围巾？", Intent.SEARCH, "围巾"),  # noqa: RUF001
        ("请问有真丝连衣裙吗", Intent.SEARCH, "真丝连衣裙"),
        ("请问有有机棉衬衫吗", Intent.SEARCH, "有机棉衬衫"),
        ("红色的连衣裙", Intent.SEARCH, "红色 连衣裙"),
        ("连衣裙有什么尺码", Intent.SIZES, "连衣裙"),
        ("尺码表", Intent.SIZES, ""),
    ],
)
def test_a_chinese_sentence(chinese_shop, text, intent, query):
    understood = interpret(text, shop=chinese_shop, language="zh-hans")

    assert understood.intent == intent
    assert understood.query == query


@pytest.mark.parametrize(
    ("text", "query", "size", "max_price"),
    [
        ("38码的连衣裙", "连衣裙", "38", None),
        ("M码衬衫", "衬衫", "M", None),
        ("200元以下的围巾", "围巾", "", 20000),
        ("不超过150的连衣裙", "连衣裙", "", 15000),
    ],
)
def test_a_chinese_search_reads_the_size_and_the_price_ceiling(
    chinese_shop, text, query, size, max_price
):
    understood = interpret(text, shop=chinese_shop, language="zh-hans")

    assert understood.intent == Intent.SEARCH
    assert understood.query == query
    assert (understood.attributes.size, understood.attributes.max_price) == (size, max_price)


def test_chinese_is_recognised_as_the_language_a_message_is_written_in():
    assert written_language("我想要连衣裙") == "zh-hans"
    assert written_language("かわいいドレス") == ""  # Japanese: not a language Souk speaks
    assert written_language("je cherche une robe") == "fr"


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        # A title match and a description match, in the order the products were made.
        ("连衣裙", ["真丝连衣裙", "棉质衬衫"]),
        ("围巾", ["羊毛围巾"]),
        ("真丝 连衣裙", ["真丝连衣裙"]),  # every word
        ("皮鞋", []),
    ],
)
def test_a_chinese_search_matches_inside_the_words(chinese_shop, query, titles):
    found = search_products(Product.objects.filter(shop=chinese_shop), query, language="zh-hans")

    assert [product.title for product in found] == titles


def test_the_chinese_shop_finds_a_dress_the_shopper_asked_for_in_a_sentence(chinese_shop):
    understood = interpret("我想买一条连衣裙", shop=chinese_shop, language="zh-hans")
    found = search_products(
        Product.objects.filter(shop=chinese_shop), understood.query, language="zh-hans"
    )

    assert understood.query == "连衣裙"
    assert [product.title for product in found] == ["真丝连衣裙", "棉质衬衫"]


@pytest.mark.services
def test_a_chinese_search_is_served_by_the_trigram_index_on_postgresql(
    require_postgres, chinese_shop
):
    with connection.cursor() as cursor:
        # Three products are cheaper to scan; forbid that to see whether the index fits.
        cursor.execute("SET LOCAL enable_seqscan = off")
        # pg_trgm makes trigrams of Han characters too, so LIKE '%…%' can use the index.
        cursor.execute("SELECT show_trgm('连衣裙')")
        assert cursor.fetchone()[0]

    plan = search_products(Product.objects.all(), "连衣裙", language="zh-hans").explain()

    assert "catalog_product_search_trgm" in plan
