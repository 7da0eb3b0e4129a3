"""Sending to WeChat against the fake API (tests/fakes/wechat.py): rendering within the byte
limits for any catalog (Chinese, emoji), the shared access token (one fetch for concurrent
workers, refreshed before expiry, replaced once when WeChat calls it stale), the errors a send
maps to, the msgmenu round trip, and connecting an account."""

import logging
import threading
import time

import pytest
import requests
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from channels_adapters.base import (
    PERMANENT_BAD_CREDENTIALS,
    PERMANENT_WINDOW_CLOSED,
    AccountContext,
    PermanentSendError,
    RateLimited,
    TransientSendError,
)
from channels_adapters.messages import (
    Button,
    ButtonPressed,
    Card,
    Carousel,
    Image,
    QuickReplies,
    Text,
)
from channels_adapters.text import utf8_bytes
from channels_adapters.wechat import WeChatAdapter, connect, connect_check, webhook
from channels_adapters.wechat.token import App, access_token
from tests.channels_adapters.catalog_strategies import CLUSTERS, property_test, repeated
from tests.fakes.wechat import APP_ID, FakeWeChat, WeChatRefusal, check_message

OPENID = "oX7Qd5ZkzrIu0bAd9mG3pQx1Ldso"
adapter = WeChatAdapter()


@pytest.fixture(autouse=True)
def _no_cached_token():
    # A Redis cache outlives a test: every test starts without the account's token.
    cache.delete_many([f"wechat:token:{APP_ID}", f"wechat:token-lock:{APP_ID}"])


@pytest.fixture
def fake(settings):
    with FakeWeChat() as server:
        settings.WECHAT_API_URL = server.url
        yield server


def credentials(server: FakeWeChat) -> dict:
    return {
        "app_id": server.app_id,
        "app_secret": server.app_secret,
        "token": server.token,
        "encoding_aes_key": server.encoding_aes_key,
    }


def account(server: FakeWeChat) -> AccountContext:
    return AccountContext(
        id=1, kind="wechat", external_id=server.original_id, credentials=credentials(server)
    )


def send_all(server: FakeWeChat, message, openid: str = OPENID) -> list[dict]:
    server.shopper_writes(openid)
    for payload in adapter.render(message):
        adapter.send(account(server), openid, payload)
    return server.messages_to(openid)


# --- Rendering within byte limits, for any catalog -----------------------------------------------

chinese = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=400)
words = st.one_of(
    chinese,
    st.lists(st.sampled_from([*CLUSTERS, "衬衫", " ", "\n", "a", "é"]), max_size=300).map("".join),
    st.text(max_size=300),
)
long_words = st.builds(lambda piece, n: (piece * n)[:9000], words, st.integers(0, 60))
payloads = st.text("abcdefghijklmnopqrstuvwxyz0123456789:", min_size=1, max_size=40)
options = st.one_of(
    st.builds(Button, title=words, payload=payloads),
    st.builds(Button, title=words, url=st.just("https://shop.example/p/1")),
)
shop_cards = st.builds(
    Card,
    title=words,
    subtitle=words,
    image_url=st.sampled_from(["", "https://cdn.example/p.jpg"]),
    price=st.sampled_from(["", "¥199.00", "49,90\u00a0€"]),
    buttons=st.lists(options, max_size=4).map(tuple),
    payload=st.sampled_from(["", "p:12"]),
)


def assert_accepted(rendered: list[dict]) -> None:
    for payload in rendered:
        try:
            check_message({"touser": OPENID, **payload})
        except WeChatRefusal as exc:  # pragma: no cover - the message says what went wrong
            pytest.fail(f"WeChat would refuse {payload}: {exc.code} {exc}")


@property_test
@given(long_words)
def test_any_text_fits_in_2048_bytes_and_nothing_is_lost(text):
    rendered = adapter.render(Text(text))
    assert_accepted(rendered)
    assert all(utf8_bytes(p["text"]["content"]) <= 2048 for p in rendered)
    sent = "".join(p["text"]["content"] for p in rendered)
    assert "".join(sent.split()) == "".join(text.split())


@property_test
@given(long_words, repeated(options, 25))
def test_any_question_fits_as_msgmenus(text, buttons):
    rendered = adapter.render(QuickReplies(text, buttons))
    assert_accepted(rendered)
    offered = [i["id"] for p in rendered if p["msgtype"] == "msgmenu" for i in p["msgmenu"]["list"]]
    assert offered == [b.payload for b in buttons if not b.url]


@property_test
@given(long_words, repeated(shop_cards, 30), st.booleans())
def test_any_carousel_fits(text, cards, more):
    message = Carousel(cards, text=text, more=Button("更多", payload="cat:0:2") if more else None)
    rendered = adapter.render(message)
    assert_accepted(rendered)


@property_test
@given(words, st.sampled_from(["https://cdn.example/p.jpg", ""]))
def test_any_image_fits(caption, url):
    assert_accepted(adapter.render(Image(url, caption=caption)))


def test_a_page_of_products_is_one_message_with_a_choice_each():
    cards = tuple(
        Card(
            f"真丝衬衫 {n}号",
            price="¥199.00",
            image_url="https://cdn.example/p.jpg",
            payload=f"p:{n}",
        )
        for n in range(1, 9)
    )
    [menu] = adapter.render(
        Carousel(cards, text="选一件吧", more=Button("更多", payload="cat:0:2"))
    )
    assert menu["msgmenu"]["head_content"] == "选一件吧"
    assert menu["msgmenu"]["list"][0] == {"id": "p:1", "content": "真丝衬衫 1号 · ¥199.00"}
    assert menu["msgmenu"]["list"][-1] == {"id": "cat:0:2", "content": "更多"}
    assert len(menu["msgmenu"]["list"]) == 9


def test_one_product_is_a_news_card_then_its_choices():
    card = Card(
        "真丝衬衫",
        subtitle="100% 桑蚕丝",
        price="¥199.00",
        image_url="https://cdn.example/shirt.jpg",
        buttons=(
            Button("加入购物车", payload="q:7:1"),
            Button("详情", url="https://shop.example/p/7"),
        ),
    )
    news, menu = adapter.render(Carousel((card,)))
    assert news["news"]["articles"] == [
        {
            "title": "真丝衬衫",
            "description": "¥199.00 · 100% 桑蚕丝",
            "url": "https://shop.example/p/7",
            "picurl": "https://cdn.example/shirt.jpg",
        }
    ]
    assert menu["msgmenu"]["list"] == [{"id": "q:7:1", "content": "加入购物车"}]


def test_a_button_that_opens_a_page_is_a_link_never_a_menu_option():
    card = Card("衬衫", price="¥99.00", buttons=(Button("加入购物车", payload="q:7:1"),))
    more = Button("全部商品", url="https://shop.example/all")
    menu, links = adapter.render(Carousel((card,), more=more))
    assert menu["msgmenu"]["list"] == [{"id": "q:7:1", "content": "加入购物车"}]
    assert menu["msgmenu"]["head_content"] == "衬衫\n¥99.00"
    assert links["text"]["content"] == "全部商品\nhttps://shop.example/all"


def test_a_long_chinese_title_is_cut_on_bytes_with_an_ellipsis():
    [news] = adapter.render(Image("https://cdn.example/p.jpg", caption="衬" * 100))
    title = news["news"]["articles"][0]["title"]
    assert utf8_bytes(title) <= 128 and title.endswith("…") and title.startswith("衬衬")


# --- Sending through the fake ---------------------------------------------------------------------


def test_text_with_a_link_is_delivered(fake):
    [sent] = send_all(fake, Text("订单已发货 https://shop.example/t/1001"))
    assert sent == {
        "touser": OPENID,
        "msgtype": "text",
        "text": {"content": "订单已发货 https://shop.example/t/1001"},
    }


def test_msgmenu_round_trip(fake):
    question = QuickReplies(
        "要哪个尺码\uff1f", (Button("S", payload="v:1:q:1"), Button("M", payload="v:2:q:1"))
    )
    [sent] = send_all(fake, question)
    tapped = sent["msgmenu"]["list"][1]
    # WeChat sends the tapped option back as a text: its label, and its id as bizmsgmenuid.
    query, body = fake.push(fake.text(OPENID, tapped["content"], menu_id=tapped["id"]), safe=True)
    answer = webhook(credentials(fake), "POST", query, body)
    [event] = adapter.parse(answer.events[0].payload)
    assert isinstance(event, ButtonPressed)
    assert (event.payload, event.title) == ("v:2:q:1", "M")


def test_news_and_image_are_delivered(fake):
    sent = send_all(fake, Image("https://cdn.example/p.jpg", caption="新品\n春季系列"))
    assert [m["msgtype"] for m in sent] == ["news"]
    assert sent[0]["news"]["articles"][0]["title"] == "新品"


def test_a_lone_surrogate_is_replaced_not_an_exception(fake):
    [sent] = send_all(fake, Text("\ud800 衬衫"))
    assert sent["text"]["content"] == "? 衬衫"


def test_out_of_the_48_hour_window_is_window_closed(fake):
    fake.shopper_writes(OPENID, at=time.time() - 49 * 3600)
    with pytest.raises(PermanentSendError) as caught:
        adapter.send(account(fake), OPENID, adapter.render(Text("hi"))[0])
    assert caught.value.code == PERMANENT_WINDOW_CLOSED
    assert fake.sent == []


def test_more_than_five_messages_after_one_shopper_message_waits(fake):
    fake.shopper_writes(OPENID)
    for n in range(5):
        adapter.send(account(fake), OPENID, adapter.render(Text(f"{n}"))[0])
    with pytest.raises(RateLimited) as caught:
        adapter.send(account(fake), OPENID, adapter.render(Text("six"))[0])
    assert caught.value.code == "45047" and caught.value.retry_after > 0


def test_system_busy_is_transient(fake):
    fake.shopper_writes(OPENID)
    fake.fail_next("custom_send", status=200, json={"errcode": -1, "errmsg": "system error"})
    with pytest.raises(TransientSendError) as caught:
        adapter.send(account(fake), OPENID, adapter.render(Text("hi"))[0])
    assert not isinstance(caught.value, RateLimited | PermanentSendError)


def test_http_500_is_transient(fake):
    fake.shopper_writes(OPENID)
    fake.fail_next("custom_send", status=502, body=b"Bad Gateway")
    with pytest.raises(TransientSendError):
        adapter.send(account(fake), OPENID, adapter.render(Text("hi"))[0])


def test_unreachable_wechat_names_no_secret(settings, caplog):
    settings.WECHAT_API_URL = "http://127.0.0.1:9"  # nothing listens there
    caplog.set_level(logging.DEBUG)
    with pytest.raises(TransientSendError) as caught:
        adapter.send(account(FakeWeChat()), OPENID, adapter.render(Text("hi"))[0])
    shown = f"{caught.value} {caught.value.__cause__!r} {caplog.text}"
    assert "0123456789abcdef0123456789abcdef" not in shown  # the AppSecret
    assert "secret=" not in shown and "access_token=" not in shown


# --- The shared access token ----------------------------------------------------------------------


def test_concurrent_workers_fetch_one_token(fake):
    fake.delay_next("token", seconds=0.3)  # the first fetch is slow: the others must wait for it
    openids = [f"{OPENID}{n}" for n in range(8)]
    for openid in openids:
        fake.shopper_writes(openid)
    errors = []
    start = threading.Barrier(len(openids))

    def worker(openid):
        start.wait()
        try:
            adapter.send(account(fake), openid, adapter.render(Text("你好"))[0])
        except Exception as exc:  # any failure is reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(o,)) for o in openids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert errors == []
    assert len(fake.requests_for("token")) == 1
    assert len(fake.sent) == 8  # the fake accepts only the latest token: all used the one


def test_the_token_is_refreshed_at_80_percent_of_its_life(fake):
    app = App(fake.app_id, fake.app_secret)
    start = time.time()
    first = access_token(app, now=lambda: start)
    assert access_token(app, now=lambda: start + 0.79 * 7200) == first
    assert len(fake.requests_for("token")) == 1
    second = access_token(app, now=lambda: start + 0.81 * 7200)
    assert second != first and second == fake.current_token
    assert len(fake.requests_for("token")) == 2


def test_while_one_worker_refreshes_the_others_use_the_valid_token(fake):
    app = App(fake.app_id, fake.app_secret)
    start = time.time()
    first = access_token(app, now=lambda: start)
    cache.add(f"wechat:token-lock:{APP_ID}", "another worker", 30)
    assert access_token(app, now=lambda: start + 0.9 * 7200) == first
    assert len(fake.requests_for("token")) == 1


def test_a_stale_token_is_replaced_once(fake):
    fake.shopper_writes(OPENID)
    adapter.send(account(fake), OPENID, adapter.render(Text("one"))[0])
    # Another system fetches a token for the same AppID: ours is voided.
    requests.get(
        f"{fake.url}/cgi-bin/token",
        params={"grant_type": "client_credential", "appid": APP_ID, "secret": fake.app_secret},
        timeout=5,
    )
    adapter.send(account(fake), OPENID, adapter.render(Text("two"))[0])
    assert [m["text"]["content"] for m in fake.sent] == ["one", "two"]
    refused = [r for r in fake.requests_for("custom_send") if r.response["errcode"] == 40001]
    assert len(refused) == 1
    assert len(fake.requests_for("token")) == 3  # ours, the other system's, ours again


def test_a_token_refused_twice_is_transient(fake):
    fake.shopper_writes(OPENID)
    stale = {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"}
    fake.fail_next("custom_send", status=200, json=stale, times=2)
    with pytest.raises(TransientSendError) as caught:
        adapter.send(account(fake), OPENID, adapter.render(Text("hi"))[0])
    assert caught.value.code == "40001"
    assert len(fake.requests_for("custom_send")) == 2


# --- Connecting -----------------------------------------------------------------------------------


def test_connect_sets_the_menu_to_the_bots_payloads(fake):
    stored = connect(credentials(fake))
    assert stored == credentials(fake)
    assert fake.menu == {
        "button": [
            {"type": "click", "name": "Browse", "key": "browse"},
            {"type": "click", "name": "My cart", "key": "cart"},
            {"type": "click", "name": "My orders", "key": "orders"},
        ]
    }
    click = fake.event(OPENID, "CLICK", fake.menu["button"][2]["key"])
    query, body = fake.push(click)
    [event] = adapter.parse(webhook(credentials(fake), "POST", query, body).events[0].payload)
    assert event.payload == "orders"


def test_checking_the_credentials_changes_nothing_on_the_account(fake):
    assert connect_check(credentials(fake)) == credentials(fake)
    assert len(fake.requests_for("token")) == 1
    assert fake.menu is None and fake.requests_for("menu_create") == []


def test_connect_in_french_names_the_menu_in_french(fake):
    with translation.override("fr"):
        connect(credentials(fake))
    assert [b["name"] for b in fake.menu["button"]] == ["Parcourir", "Mon panier", "Mes commandes"]


def test_menu_names_are_cut_on_bytes(fake):
    connect(credentials(fake), menu=[Button("浏览全部商品", payload="browse")])
    assert fake.menu["button"] == [{"type": "click", "name": "浏览全部…", "key": "browse"}]


def test_connect_with_a_wrong_secret_is_refused_and_sets_nothing(fake):
    wrong = {**credentials(fake), "app_secret": "f" * 32}
    with pytest.raises(PermanentSendError) as caught:
        connect(wrong)
    assert caught.value.code == PERMANENT_BAD_CREDENTIALS
    assert "40125" in str(caught.value) and fake.menu is None


def test_connect_checks_the_secret_even_with_a_token_in_the_cache(fake):
    connect(credentials(fake))
    with pytest.raises(PermanentSendError) as caught:
        connect({**credentials(fake), "app_secret": "e" * 32})
    assert caught.value.code == PERMANENT_BAD_CREDENTIALS


def test_connect_names_each_malformed_credential(fake):
    with pytest.raises(ValidationError) as caught:
        connect({"app_id": "1234", "app_secret": "", "token": "a b", "encoding_aes_key": "x"})
    assert set(caught.value.message_dict) == {
        "credentials.app_id",
        "credentials.app_secret",
        "credentials.token",
        "credentials.encoding_aes_key",
    }
    assert fake.requests == []


# --- The 48-hour window ---------------------------------------------------------------------------


def test_reply_window():
    now = timezone.now()
    assert adapter.reply_window(now - timezone.timedelta(hours=47), now).open
    closed = adapter.reply_window(now - timezone.timedelta(hours=49), now)
    assert not closed.open and "48" in closed.explanation
    assert not adapter.reply_window(None, now).open


def test_the_reply_window_reads_in_french_for_a_french_agent():
    now = timezone.now()
    with translation.override("fr"):
        window = adapter.reply_window(now - timezone.timedelta(hours=2), now)
    assert window.explanation.startswith("WeChat\u00a0: dans la fenêtre de 48 heures")


def test_what_the_bot_may_ask_of_wechat():
    capabilities = adapter.capabilities
    assert capabilities.reply_window and capabilities.location_sharing
    assert not capabilities.numbered_menus and not capabilities.native_invoice
