"""The real client libraries against the fakes: proof that the fakes speak the wire formats."""

import asyncio
import datetime as dt
import json
import threading
import time

import httpx
import pytest
import requests
import telegram
from pymessenger.bot import Bot as MessengerBot
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, LabeledPrice
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client as TwilioClient

from tests.fakes import conftest_plugin
from tests.fakes.server import FakeServer, Response
from tests.fakes.twilio import sms_segments, twilio_signature

PHOTO_URL = "https://cdn.example.com/products/mug.jpg"

# the fixtures, until tests/conftest.py registers tests.fakes.conftest_plugin for every test
fake_telegram = conftest_plugin.fake_telegram
fake_graph = conftest_plugin.fake_graph
fake_twilio = conftest_plugin.fake_twilio


def run_bot(fake, work, token=None):
    """Run `await work(bot)` inside `async with bot:` (which first calls getMe)."""

    async def main():
        bot = telegram.Bot(token or fake.token, base_url=f"{fake.url}/bot")
        async with bot:
            return await work(bot)

    return asyncio.run(main())


def keyboard(*callback_data):
    buttons = [
        InlineKeyboardButton(f"Option {i}", callback_data=d) for i, d in enumerate(callback_data)
    ]
    return InlineKeyboardMarkup([buttons])


# -- Telegram --------------------------------------------------------------------------------
def test_telegram_bot_sends_messages_photos_and_answers_callbacks(fake_telegram):
    async def work(bot):
        text = await bot.send_message(42, "Pick a mug", reply_markup=keyboard("p:1", "p:2"))
        photo = await bot.send_photo(42, PHOTO_URL, caption="Blue mug, 12 €")
        answered = await bot.answer_callback_query("cbq-1", text="Added to cart")
        edited = await bot.edit_message_text("Picked: mug", chat_id=42, message_id=text.message_id)
        return bot.bot, text, photo, answered, edited

    me, text, photo, answered, edited = run_bot(fake_telegram, work)

    assert me.username == fake_telegram.bots[fake_telegram.token]["username"]
    assert (text.message_id, photo.message_id) == (1, 2)
    assert text.chat.id == 42 and text.chat.type == "private"
    assert text.reply_markup.inline_keyboard[0][1].callback_data == "p:2"
    assert photo.caption == "Blue mug, 12 €" and photo.photo[-1].width == 800
    assert answered is True
    assert edited.text == "Picked: mug" and edited.reply_markup is None
    assert [r.route for r in fake_telegram.requests] == [
        "getMe",
        "sendMessage",
        "sendPhoto",
        "answerCallbackQuery",
        "editMessageText",
    ]
    sent = fake_telegram.requests_for("sendMessage")[0]
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"
    assert json.loads(sent.form["reply_markup"])["inline_keyboard"][0][0]["callback_data"] == "p:1"
    assert sent.meta["token"] == fake_telegram.token
    assert fake_telegram.chat_messages(42)[0]["text"] == "Picked: mug"


def test_telegram_uploads_arrive_as_multipart(fake_telegram):
    async def work(bot):
        group = await bot.send_media_group(
            42, [InputMediaPhoto(PHOTO_URL), InputMediaPhoto(b"\x89PNG fake bytes", caption="2")]
        )
        photo = await bot.send_photo(42, b"\x89PNG other bytes", filename="mug.png")
        return group, photo

    group, photo = run_bot(fake_telegram, work)

    assert len(group) == 2 and group[0].media_group_id == group[1].media_group_id
    assert group[1].caption == "2" and photo.photo
    upload = fake_telegram.requests_for("sendPhoto")[0]
    assert upload.headers["content-type"].startswith("multipart/form-data")
    assert upload.files["photo"].content == b"\x89PNG other bytes"
    assert upload.form["chat_id"] == "42"


def test_telegram_webhook_and_payments(fake_telegram):
    async def work(bot):
        url = "https://shop.example.com/webhooks/telegram/acc-1"
        assert await bot.set_webhook(
            url, secret_token="s3cret-Token_1", allowed_updates=["message"]
        )
        info = await bot.get_webhook_info()
        invoice = await bot.send_invoice(
            42,
            title="Blue mug",
            description="Handmade stoneware mug",
            payload="order:123",
            currency="EUR",
            prices=[LabeledPrice("Mug", 1450), LabeledPrice("Shipping", 500)],
            provider_token="stripe-test-provider-token",
        )
        shipped = await bot.answer_shipping_query("ship-1", ok=False, error_message="No delivery")
        checked = await bot.answer_pre_checkout_query("pcq-1", ok=True)
        deleted = await bot.delete_webhook()
        return info, invoice, shipped, checked, deleted

    info, invoice, shipped, checked, deleted = run_bot(fake_telegram, work)

    assert info.url == "https://shop.example.com/webhooks/telegram/acc-1"
    assert info.allowed_updates == ("message",)
    assert invoice.invoice.total_amount == 1950 and invoice.invoice.currency == "EUR"
    assert shipped is checked is deleted is True
    sent = fake_telegram.last("sendInvoice")
    assert json.loads(sent.form["prices"]) == [
        {"label": "Mug", "amount": 1450},
        {"label": "Shipping", "amount": 500},
    ]
    assert fake_telegram.webhook_for() is None  # deleted last
    assert fake_telegram.last("setWebhook").form["secret_token"] == "s3cret-Token_1"


def test_telegram_secret_header_matches_the_webhook(fake_telegram):
    async def work(bot):
        await bot.set_webhook("https://shop.example.com/hook", secret_token="abc")

    run_bot(fake_telegram, work)
    assert fake_telegram.secret_header() == {"X-Telegram-Bot-Api-Secret-Token": "abc"}


def test_telegram_unknown_token_is_invalid(fake_telegram):
    with pytest.raises(InvalidToken):
        run_bot(fake_telegram, lambda bot: bot.get_me(), token="999999:not-a-known-token")
    assert fake_telegram.last().status == 401


def test_telegram_blocked_user_is_forbidden(fake_telegram):
    fake_telegram.block_next("sendMessage")
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        run_bot(fake_telegram, lambda bot: bot.send_message(42, "Hello"))


def test_telegram_flood_control_raises_retry_after(fake_telegram, monkeypatch):
    # PTB 22 warns on every RetryAfter unless opted in to timedelta values (the v23 behaviour)
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    fake_telegram.rate_limit_next("sendMessage", retry_after=7)

    async def work(bot):
        with pytest.raises(RetryAfter) as excinfo:
            await bot.send_message(42, "first")
        return excinfo.value, await bot.send_message(42, "second")

    error, message = run_bot(fake_telegram, work)
    assert error.retry_after == dt.timedelta(seconds=7)
    assert message.text == "second"
    assert [r.status for r in fake_telegram.requests_for("sendMessage")] == [429, 200]
    assert fake_telegram.requests_for("sendMessage")[0].response["parameters"] == {"retry_after": 7}


@pytest.mark.parametrize(
    ("send", "description"),
    [
        (lambda b: b.send_message(42, "x", reply_markup=keyboard("p" * 65)), "BUTTON_DATA_INVALID"),
        (lambda b: b.send_message(42, "x", reply_markup=keyboard("é" * 33)), "BUTTON_DATA_INVALID"),
        (lambda b: b.send_message(42, "x" * 4097), "message is too long"),
        (lambda b: b.send_photo(42, PHOTO_URL, caption="x" * 1025), "caption is too long"),
        (lambda b: b.send_message(42, "x", reply_markup=keyboard(*"abcdefghi")), "too long"),
    ],
)
def test_telegram_limits_are_enforced(fake_telegram, send, description):
    with pytest.raises(BadRequest, match=f"(?i){description}"):  # PTB capitalizes
        run_bot(fake_telegram, send)


def test_telegram_limits_allow_the_maximum(fake_telegram):
    async def work(bot):
        await bot.send_message(42, "x" * 4096, reply_markup=keyboard("p" * 64, *"abcdefg"))
        return await bot.send_message(42, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")

    assert run_bot(fake_telegram, work).text == "x" * 4096


def test_telegram_not_modified_edit_is_refused(fake_telegram):
    async def work(bot):
        sent = await bot.send_message(42, "same")
        await bot.edit_message_text("same", chat_id=42, message_id=sent.message_id)

    with pytest.raises(BadRequest, match="Message is not modified"):
        run_bot(fake_telegram, work)


def test_telegram_accepts_json_bodies(fake_telegram):
    url = f"{fake_telegram.url}/bot{fake_telegram.token}/sendMessage"
    markup = {"inline_keyboard": [[{"text": "Buy", "callback_data": "buy"}]]}
    answer = httpx.post(url, json={"chat_id": 7, "text": "hi", "reply_markup": markup}).json()
    assert answer["ok"] and answer["result"]["reply_markup"] == markup
    unknown = httpx.post(f"{fake_telegram.url}/bot{fake_telegram.token}/noSuchMethod").json()
    assert unknown == {"ok": False, "error_code": 404, "description": "Not Found"}


# -- Messenger (pymessenger) -----------------------------------------------------------------
def carousel(count):
    element = {
        "title": "Blue mug",
        "subtitle": "12.00 EUR",
        "image_url": PHOTO_URL,
        "buttons": [{"type": "postback", "title": "Buy", "payload": "buy:1"}],
    }
    return {
        "recipient": {"id": "6543210987654321"},
        "messaging_type": "RESPONSE",
        "message": {
            "attachment": {
                "type": "template",
                "payload": {"template_type": "generic", "elements": [element] * count},
            }
        },
    }


def messenger_bot(fake, token=None):
    bot = MessengerBot(token or fake.access_token)
    bot.graph_url = fake.url
    return bot


def test_pymessenger_send_raw_generic_template(fake_graph):
    result = messenger_bot(fake_graph).send_raw(carousel(10))

    assert result["recipient_id"] == "6543210987654321"
    assert result["message_id"].startswith("m_")
    sent = fake_graph.last("messenger")
    assert sent.path == "/me/messages"
    assert sent.meta["access_token"] == fake_graph.access_token
    assert len(sent.json["message"]["attachment"]["payload"]["elements"]) == 10


def test_pymessenger_helpers_that_send_json_strings_are_understood(fake_graph):
    bot = messenger_bot(fake_graph)
    assert "message_id" in bot.send_image_url("6543210987654321", PHOTO_URL)
    assert bot.send_action("6543210987654321", "typing_on") == {"recipient_id": "6543210987654321"}
    image = fake_graph.requests_for("messenger")[0]
    assert isinstance(image.json["recipient"], str)  # pymessenger double-encodes these


def test_messenger_limits_are_enforced(fake_graph):
    bot = messenger_bot(fake_graph)
    refused = bot.send_raw(carousel(11))
    assert refused["error"]["code"] == 100
    assert refused["error"]["type"] == "OAuthException"
    assert "elements" in refused["error"]["error_data"]["details"]
    quick_replies = [
        {"content_type": "text", "title": f"Size {i}", "payload": f"s{i}"} for i in range(14)
    ]
    message = {"text": "Size?", "quick_replies": quick_replies}
    assert bot.send_message("1", message)["error"]["code"] == 100
    long_title = {**carousel(1)}
    long_title["message"]["attachment"]["payload"]["elements"][0] = {"title": "x" * 81}
    assert bot.send_raw(long_title)["error"]["code"] == 100
    assert [r.status for r in fake_graph.requests] == [400, 400, 400]


def test_messenger_scripted_errors_and_bad_token(fake_graph):
    fake_graph.fail_with("messenger", "user_unavailable")
    error = messenger_bot(fake_graph).send_raw(carousel(1))["error"]
    assert (error["code"], error["error_subcode"]) == (551, 1545041)
    assert error["fbtrace_id"]
    bad = messenger_bot(fake_graph, token="EAAnot-a-token").send_raw(carousel(1))
    assert bad["error"]["code"] == 190
    assert messenger_bot(fake_graph).send_raw(carousel(1))["message_id"]


def test_messenger_profile_api(fake_graph):
    url = f"{fake_graph.url}/v21.0/me/messenger_profile"
    params = {"access_token": fake_graph.access_token}
    menu = {
        "persistent_menu": [
            {
                "locale": "default",
                "call_to_actions": [{"type": "postback", "title": "Shop", "payload": "menu"}],
            }
        ]
    }
    refused = requests.post(url, params=params, json=menu, timeout=5)
    assert refused.status_code == 400  # a persistent menu needs Get Started first
    profile = {
        "get_started": {"payload": "start"},
        "greeting": [{"locale": "default", "text": "Hi {{user_first_name}}!"}],
        **menu,
    }
    answer = requests.post(url, params=params, json=profile, timeout=5)
    assert answer.json() == {"result": "success"}
    assert fake_graph.messenger_profile["get_started"] == {"payload": "start"}


# -- WhatsApp Cloud API ----------------------------------------------------------------------
def whatsapp_post(fake, interactive, token=None):
    return httpx.post(
        f"{fake.url}/v21.0/{fake.phone_number_id}/messages",
        headers={"Authorization": f"Bearer {token or fake.access_token}"},
        json={
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+4915112345678",
            "type": "interactive",
            "interactive": interactive,
        },
    )


def product_list(rows):
    return {
        "type": "list",
        "header": {"type": "text", "text": "Our mugs"},
        "body": {"text": "Pick one"},
        "action": {
            "button": "See mugs",
            "sections": [
                {
                    "title": "Mugs",
                    "rows": [
                        {"id": f"p:{i}", "title": f"Mug {i}", "description": "Stoneware"}
                        for i in range(rows)
                    ],
                }
            ],
        },
    }


def reply_buttons(count):
    buttons = [
        {"type": "reply", "reply": {"id": f"b{i}", "title": f"Size {i}"}} for i in range(count)
    ]
    return {"type": "button", "body": {"text": "Which size?"}, "action": {"buttons": buttons}}


def test_whatsapp_interactive_list_is_accepted(fake_graph):
    response = whatsapp_post(fake_graph, product_list(10))

    assert response.status_code == 200
    answer = response.json()
    assert answer["messaging_product"] == "whatsapp"
    assert answer["contacts"] == [{"input": "+4915112345678", "wa_id": "4915112345678"}]
    assert answer["messages"][0]["id"].startswith("wamid.")
    sent = fake_graph.last("whatsapp")
    assert sent.meta == {
        "node": fake_graph.phone_number_id,
        "access_token": fake_graph.access_token,
    }


@pytest.mark.parametrize("interactive", [reply_buttons(4), product_list(11), reply_buttons(0)])
def test_whatsapp_limits_are_enforced(fake_graph, interactive):
    response = whatsapp_post(fake_graph, interactive)

    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["message"]) == (100, "(#100) Invalid parameter")
    assert error["error_data"]["messaging_product"] == "whatsapp"


def test_whatsapp_scripted_errors_and_bad_token(fake_graph):
    fake_graph.fail_with("whatsapp", "wa_reengagement")
    fake_graph.fail_with("whatsapp", "wa_rate_limit")
    first, second = (whatsapp_post(fake_graph, reply_buttons(3)) for _ in range(2))
    assert first.json()["error"]["code"] == 131047
    assert second.json()["error"]["code"] == 130429
    bad = whatsapp_post(fake_graph, reply_buttons(3), token="wrong")
    assert bad.status_code == 401 and bad.json()["error"]["code"] == 190
    assert whatsapp_post(fake_graph, reply_buttons(3)).status_code == 200


# -- Twilio ----------------------------------------------------------------------------------
def twilio_client(fake, token=None):
    client = TwilioClient(fake.account_sid, token or fake.auth_token)
    client.api.base_url = fake.url
    return client


def test_twilio_client_creates_a_message(fake_twilio):
    client = twilio_client(fake_twilio)
    message = client.messages.create(to="+15551234567", from_=fake_twilio.from_number, body="Hi!")
    emoji = client.messages.create(to="+15551234567", from_=fake_twilio.from_number, body="☕" * 71)

    assert message.sid.startswith("SM") and len(message.sid) == 34
    assert message.status == "queued" and message.num_segments == "1"
    assert message.date_created is not None
    assert emoji.num_segments == "2"
    sent = fake_twilio.requests_for("messages")[0]
    assert sent.form == {"To": "+15551234567", "From": fake_twilio.from_number, "Body": "Hi!"}
    assert sent.meta["auth"] == (fake_twilio.account_sid, fake_twilio.auth_token)
    assert sent.path == f"/2010-04-01/Accounts/{fake_twilio.account_sid}/Messages.json"


@pytest.mark.parametrize(
    ("script", "code", "status"),
    [("unsubscribed", 21610, 400), ("invalid_to", 21211, 400), ("too_many_requests", 20429, 429)],
)
def test_twilio_scripted_errors(fake_twilio, script, code, status):
    fake_twilio.fail_with(script)
    with pytest.raises(TwilioRestException) as excinfo:
        twilio_client(fake_twilio).messages.create(
            to="+15551234567", from_="+15005550006", body="x"
        )
    assert (excinfo.value.code, excinfo.value.status) == (code, status)


def test_twilio_validates_credentials_and_body(fake_twilio):
    with pytest.raises(TwilioRestException) as bad_auth:
        twilio_client(fake_twilio, token="0" * 32).messages.create(
            to="+15551234567", from_="+15005550006", body="x"
        )
    assert (bad_auth.value.status, bad_auth.value.code) == (401, 20003)
    client = twilio_client(fake_twilio)
    with pytest.raises(TwilioRestException) as too_long:
        client.messages.create(to="+15551234567", from_="+15005550006", body="x" * 1601)
    assert too_long.value.code == 21617
    fake_twilio.opt_out("+15557654321")
    with pytest.raises(TwilioRestException) as opted_out:
        client.messages.create(to="+15557654321", from_="+15005550006", body="x")
    assert opted_out.value.code == 21610


@pytest.mark.parametrize(
    ("body", "segments"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # extension characters count double
        ("€" * 81, 2),
        ("a" * 152 + "€" + "a" * 152, 3),  # an escape pair never straddles two segments
        ("é" * 160, 1),  # é is in the GSM-7 basic set
        ("ê" * 70, 1),  # ê is not: UCS-2
        ("ê" * 71, 2),
        ("😀" * 35, 1),  # an emoji is two UTF-16 units
        ("😀" * 36, 2),
    ],
)
def test_sms_segments(body, segments):
    assert sms_segments(body) == segments


def test_twilio_signature_is_what_twilio_sends():
    params = {"From": "+15551234567", "Body": "STOP", "MessageSid": "SM" + "1" * 32}
    url = "https://shop.example.com/webhooks/sms/acc-1"
    signature = twilio_signature("token-123", url, params)
    assert RequestValidator("token-123").validate(url, params, signature)
    assert not RequestValidator("other").validate(url, params, signature)


# -- the base server -------------------------------------------------------------------------
class EchoServer(FakeServer):
    def route_of(self, request):
        return request.path.strip("/")

    def handle(self, request):
        return Response(json={"echo": request.params})


def test_scripts_queue_per_route_then_permanent_errors():
    with EchoServer() as fake:
        fake.fail_next("send", status=429, json={"e": 1}, headers={"Retry-After": "2"})
        fake.fail_next("send", status=500)
        first, second, third = (httpx.post(f"{fake.url}/send", data={"a": "1"}) for _ in range(3))
        assert (first.status_code, first.headers["retry-after"]) == (429, "2")
        assert (second.status_code, third.json()) == (500, {"echo": {"a": "1"}})
        fake.fail_always("send", status=503)
        assert {httpx.post(f"{fake.url}/send").status_code for _ in range(3)} == {503}
        assert httpx.post(f"{fake.url}/other").status_code == 200
        fake.clear_scripts()
        assert httpx.post(f"{fake.url}/send").status_code == 200


def test_wait_for_a_request_from_another_thread_and_delays():
    with EchoServer() as fake:
        sender = threading.Timer(
            0.1, lambda: requests.post(f"{fake.url}/late", json={"n": 1}, timeout=5)
        )
        sender.start()
        request = fake.wait_for(lambda r: r.route == "late", timeout=5)
        assert request.json == {"n": 1} and request.status == 200
        sender.join()
        with pytest.raises(AssertionError, match="timed out"):
            fake.wait_for_route("never", timeout=0.05)

        fake.delay_next("slow", seconds=0.5)
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(f"{fake.url}/slow", timeout=0.1)
        assert time.monotonic() - started < 0.4


def test_a_storm_answers_every_request_in_turn_until_it_ends(fake_telegram):
    url = f"{fake_telegram.url}/bot{fake_telegram.token}/sendMessage"
    refusals = [
        Response(status=429, json={"ok": False, "parameters": {"retry_after": 5}}),
        Response(status=502, body=b"Bad Gateway"),
    ]
    ends = fake_telegram.storm("sendMessage", 0.5, refusals)

    during = [requests.post(url, json={"chat_id": 1, "text": "x"}, timeout=5) for _ in range(3)]
    time.sleep(max(0.0, ends - time.monotonic()) + 0.05)
    after = requests.post(url, json={"chat_id": 1, "text": "x"}, timeout=5)

    assert [r.status_code for r in during] == [429, 502, 429]
    assert after.status_code == 200 and after.json()["ok"] is True
