"""Hypothesis strategies for what the platforms post to Souk: each payload is built in the
platform's own shape, and any field may instead hold a hostile value (a wrong type, a lone
surrogate, a NUL, NaN, a long string, nesting), so most examples reach deep into the adapters
and a few break them at every level. `raw_bodies` adds what is not even the platform's JSON."""

import json
import string

from hypothesis import strategies as st

# --- hostile values -------------------------------------------------------------------------------

ODD_STRINGS = [
    "",
    " ",
    "\x00",
    "caf\x00é",
    "\ud800",
    "a\udfffb",
    "🛍️👩🏽‍💻",
    "NaN",
    "<script>alert(1)</script>",
    "x" * 5000,
]
hostile_strings = st.one_of(st.text(max_size=40), st.sampled_from(ODD_STRINGS))
hostile_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    hostile_strings,
)
hostile_values = st.recursive(
    hostile_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(hostile_strings, children, max_size=4)
    ),
    max_leaves=8,
)


def field(good):
    """Usually the platform's own value, one time in eight anything at all: most examples then
    reach deep into the adapters, and every level is broken now and then. (A plain `one_of` would
    make half the fields hostile, and hardly any body would get past its envelope.)"""
    return st.sampled_from(range(8)).flatmap(lambda pick: hostile_values if pick == 7 else good)


def body_of(payloads):
    """A payload as bytes on the wire: usually its JSON (NaN and lone surrogates written the way
    a lax encoder writes them), one time in eight bytes that are not the platform's at all."""
    as_json = payloads.map(lambda value: json.dumps(value).encode())
    return st.sampled_from(range(8)).flatmap(lambda pick: raw_bodies if pick == 7 else as_json)


raw_bodies = st.one_of(
    st.integers(1, 20_000).map(lambda depth: b"[" * depth),
    st.integers(30, 3_000).map(lambda depth: b'{"a":' * depth + b"1" + b"}" * depth),
    st.binary(max_size=200),
    st.sampled_from([b"", b"null", b"[]", b"NaN", b'"\\ud800"', b'{"a": 1', b"\xff\xfe{}"]),
)

# --- shared pieces --------------------------------------------------------------------------------

texts = st.one_of(st.text(max_size=200), st.sampled_from(["bonjour", "1", "/start", "STOP"]))
names = st.text(max_size=30)
coordinates = st.floats(-90, 90)
payload_strings = st.sampled_from(["start", "browse", "cart", "human", "p:1", "v:1:q:2", "x"])
big_ids = st.integers(1, 10**12)

# --- Telegram -------------------------------------------------------------------------------------

telegram_user = st.fixed_dictionaries(
    {"id": field(big_ids), "is_bot": field(st.just(False)), "first_name": field(names)},
    optional={"last_name": field(names), "language_code": field(st.sampled_from(["fr", "en"]))},
)
telegram_chat = st.fixed_dictionaries(
    {"id": field(big_ids), "type": field(st.sampled_from(["private", "private", "group"]))}
)
telegram_location = st.fixed_dictionaries(
    {"latitude": field(coordinates), "longitude": field(coordinates)}
)
telegram_message = st.fixed_dictionaries(
    {
        "message_id": field(big_ids),
        "from": field(telegram_user),
        "chat": field(telegram_chat),
        "date": field(big_ids),
    },
    optional={
        "text": field(texts),
        "location": field(telegram_location),
        "venue": field(st.fixed_dictionaries({"title": field(names), "address": field(names)})),
        "contact": field(
            st.fixed_dictionaries(
                {"phone_number": field(st.text("+0123456789", max_size=15))},
                optional={"user_id": field(big_ids), "first_name": field(names)},
            )
        ),
        "photo": field(st.lists(st.fixed_dictionaries({"file_id": field(names)}), max_size=2)),
        "successful_payment": field(
            st.fixed_dictionaries(
                {
                    "currency": field(st.sampled_from(["EUR", "USD"])),
                    "total_amount": field(st.integers(0, 10**6)),
                    "invoice_payload": field(payload_strings),
                },
                optional={"order_info": field(hostile_values)},
            )
        ),
    },
)
telegram_callback_query = st.fixed_dictionaries(
    {
        "id": field(names),
        "from": field(telegram_user),
        "data": field(payload_strings),
        "chat_instance": field(names),
    },
    optional={
        "message": field(
            st.fixed_dictionaries(
                {"message_id": field(big_ids), "chat": field(telegram_chat)},
                optional={"reply_markup": field(hostile_values)},
            )
        )
    },
)
telegram_query = st.fixed_dictionaries(
    {
        "id": field(names),
        "from": field(telegram_user),
        "invoice_payload": field(payload_strings),
        "currency": field(st.sampled_from(["EUR", "USD"])),
        "total_amount": field(st.integers(0, 10**6)),
    },
    optional={"shipping_address": field(hostile_values), "order_info": field(hostile_values)},
)
telegram_updates = st.builds(
    lambda update_id, content: {"update_id": update_id, **content},
    st.integers(1, 2**31),
    st.one_of(
        st.fixed_dictionaries({"message": field(telegram_message)}),
        st.fixed_dictionaries({"callback_query": field(telegram_callback_query)}),
        st.fixed_dictionaries({"pre_checkout_query": field(telegram_query)}),
        st.fixed_dictionaries({"shipping_query": field(telegram_query)}),
        st.fixed_dictionaries({"edited_message": field(telegram_message)}),
    ),
)

# --- Messenger ------------------------------------------------------------------------------------

psids = st.sampled_from(["PSID1", "PSID2", "24000000000001"])
mids = st.text(string.ascii_letters + string.digits + "._-", min_size=1, max_size=40)
messenger_attachment = st.fixed_dictionaries(
    {"type": field(st.sampled_from(["image", "location", "audio", "file"]))},
    optional={
        "payload": field(
            st.fixed_dictionaries(
                {},
                optional={
                    "url": field(names),
                    "coordinates": field(
                        st.fixed_dictionaries(
                            {"lat": field(coordinates), "long": field(coordinates)}
                        )
                    ),
                },
            )
        ),
        "title": field(names),
    },
)
messenger_message = st.fixed_dictionaries(
    {"mid": field(mids)},
    optional={
        "text": field(texts),
        "quick_reply": field(st.fixed_dictionaries({"payload": field(payload_strings)})),
        "attachments": field(st.lists(field(messenger_attachment), max_size=3)),
        "sticker_id": field(big_ids),
        "is_echo": field(st.booleans()),
    },
)
messenger_events = st.builds(
    lambda sender, timestamp, content: {"sender": sender, "timestamp": timestamp, **content},
    field(st.fixed_dictionaries({"id": field(psids)})),
    field(big_ids),
    st.one_of(
        st.fixed_dictionaries({"message": field(messenger_message)}),
        st.fixed_dictionaries(
            {
                "postback": field(
                    st.fixed_dictionaries(
                        {"payload": field(payload_strings)},
                        optional={"title": field(names), "mid": field(mids)},
                    )
                )
            }
        ),
        st.fixed_dictionaries(
            {
                "delivery": field(
                    st.fixed_dictionaries(
                        {"watermark": field(big_ids)},
                        optional={"mids": field(st.lists(field(mids), max_size=3))},
                    )
                )
            }
        ),
        st.fixed_dictionaries(
            {"read": field(st.fixed_dictionaries({"watermark": field(big_ids)}))}
        ),
        st.fixed_dictionaries({"reaction": field(hostile_values)}),
    ),
)


def messenger_bodies(page_id: str):
    entry = st.fixed_dictionaries(
        {
            "id": field(st.just(page_id)),
            "time": field(big_ids),
            "messaging": field(st.lists(field(messenger_events), min_size=1, max_size=3)),
        }
    )
    return st.fixed_dictionaries(
        {
            "object": field(st.just("page")),
            "entry": field(st.lists(field(entry), min_size=1, max_size=2)),
        }
    )


# --- WhatsApp -------------------------------------------------------------------------------------

wa_ids = st.sampled_from(["16505551234", "33612345678"])
wa_reply = st.fixed_dictionaries({"id": field(payload_strings), "title": field(names)})
wa_product = st.fixed_dictionaries(
    {
        "product_retailer_id": field(names),
        "quantity": field(st.one_of(st.integers(-5, 50), st.sampled_from(["2", "1e999999", "x"]))),
        "item_price": field(
            st.one_of(st.floats(0, 10**6), st.integers(), st.sampled_from(["12.50", "1e999999"]))
        ),
        "currency": field(st.sampled_from(["EUR", "USD", "JPY", "KWD"])),
    }
)
wa_contents = {
    "text": field(st.fixed_dictionaries({"body": field(texts)})),
    "interactive": field(
        st.fixed_dictionaries(
            {"type": field(st.sampled_from(["button_reply", "list_reply", "nfm_reply"]))},
            optional={"button_reply": field(wa_reply), "list_reply": field(wa_reply)},
        )
    ),
    "button": field(
        st.fixed_dictionaries({"payload": field(payload_strings), "text": field(names)})
    ),
    "location": field(
        st.fixed_dictionaries(
            {"latitude": field(coordinates), "longitude": field(coordinates)},
            optional={"name": field(names), "address": field(names)},
        )
    ),
    "contacts": field(st.lists(field(hostile_values), max_size=2)),
    "order": field(
        st.fixed_dictionaries(
            {"product_items": field(st.lists(field(wa_product), max_size=3))},
            optional={"text": field(texts)},
        )
    ),
    "image": field(st.fixed_dictionaries({"id": field(names)})),
    "reaction": field(hostile_values),
}
wa_messages = st.sampled_from(sorted(wa_contents)).flatmap(
    lambda kind: st.fixed_dictionaries(
        {
            "from": field(wa_ids),
            "id": field(mids),
            "timestamp": field(st.just("1763900000")),
            "type": field(st.just(kind)),
            kind: wa_contents[kind],
        }
    )
)
wa_statuses = st.fixed_dictionaries(
    {
        "id": field(mids),
        "status": field(st.sampled_from(["sent", "delivered", "read", "failed"])),
        "recipient_id": field(wa_ids),
    },
    optional={"errors": field(st.lists(field(hostile_values), max_size=2))},
)


def whatsapp_bodies(phone_number_id: str):
    value = st.fixed_dictionaries(
        {
            "messaging_product": st.just("whatsapp"),
            "metadata": field(
                st.fixed_dictionaries({"phone_number_id": field(st.just(phone_number_id))})
            ),
        },
        optional={
            "contacts": field(
                st.lists(
                    field(
                        st.fixed_dictionaries(
                            {
                                "wa_id": field(wa_ids),
                                "profile": field(st.fixed_dictionaries({"name": field(names)})),
                            }
                        )
                    ),
                    max_size=2,
                )
            ),
            "messages": field(st.lists(field(wa_messages), min_size=1, max_size=3)),
            "statuses": field(st.lists(field(wa_statuses), max_size=3)),
        },
    )
    change = st.fixed_dictionaries({"field": field(st.just("messages")), "value": field(value)})
    entry = st.fixed_dictionaries(
        {
            "id": field(st.just("WABA")),
            "changes": field(st.lists(field(change), min_size=1, max_size=2)),
        }
    )
    return st.fixed_dictionaries(
        {
            "object": field(st.just("whatsapp_business_account")),
            "entry": field(st.lists(field(entry), min_size=1, max_size=2)),
        }
    )


# --- Twilio (form posts: strings only, but any strings) -----------------------------------------

form_text = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=60),
    st.sampled_from(["", "\x00", "STOP", "start", "2", "é" * 500, "🛍️"]),
)
sms_forms = st.fixed_dictionaries(
    {
        "MessageSid": st.one_of(st.from_regex(r"SM[0-9a-f]{32}", fullmatch=True), form_text),
        "From": st.one_of(st.sampled_from(["+33612345678", "+15550009999"]), form_text),
        "To": st.just("+15550001111"),
        "Body": form_text,
    },
    optional={
        "NumMedia": st.one_of(st.sampled_from(["0", "1", "99999999999999999999"]), form_text),
        "MediaContentType0": form_text,
        "MessageStatus": st.one_of(
            st.sampled_from(["received", "queued", "sent", "delivered", "undelivered", "failed"]),
            form_text,
        ),
        "OptOutType": st.one_of(st.sampled_from(["STOP", "START", "HELP"]), form_text),
        "ErrorCode": form_text,
        "SmsSid": form_text,
    },
)

# --- Stripe ---------------------------------------------------------------------------------------

stripe_objects = st.fixed_dictionaries(
    {},
    optional={
        "id": field(st.sampled_from(["cs_test_1", "pi_test_1", "ch_test_1"])),
        "object": field(st.sampled_from(["checkout.session", "payment_intent", "charge"])),
        "metadata": field(st.fixed_dictionaries({}, optional={"payment_id": field(names)})),
        "payment_intent": field(names),
        "amount": field(st.integers(0, 10**7)),
        "amount_refunded": field(st.integers(0, 10**7)),
        "currency": field(st.sampled_from(["eur", "usd"])),
        "payment_status": field(st.sampled_from(["paid", "unpaid"])),
        "status": field(st.sampled_from(["succeeded", "requires_payment_method", "complete"])),
        "last_payment_error": field(hostile_values),
    },
)
stripe_events = st.fixed_dictionaries(
    {
        "id": field(st.from_regex(r"evt_[A-Za-z0-9]{8,24}", fullmatch=True)),
        "object": field(st.just("event")),
        "type": field(
            st.sampled_from(
                [
                    "checkout.session.completed",
                    "checkout.session.expired",
                    "checkout.session.async_payment_failed",
                    "payment_intent.succeeded",
                    "payment_intent.payment_failed",
                    "charge.refunded",
                    "charge.dispute.created",
                    "customer.created",
                ]
            )
        ),
        "created": field(big_ids),
        "data": field(st.fixed_dictionaries({"object": field(stripe_objects)})),
    },
    optional={"account": field(names), "livemode": field(st.booleans())},
)

# --- The web chat page --------------------------------------------------------------------------

uuids = st.uuids().map(str)
webchat_bodies = st.one_of(
    st.fixed_dictionaries({"client_id": field(uuids), "text": field(texts)}),
    st.fixed_dictionaries(
        {"client_id": field(uuids), "payload": field(payload_strings)},
        optional={"title": field(names)},
    ),
    st.fixed_dictionaries(
        {"client_id": field(uuids)},
        optional={"text": field(texts), "payload": field(payload_strings), "visitor": field(names)},
    ),
    hostile_values,
)
