"""Any receipt, on every channel, renders within that channel's limits (property-based):
1 to 150 lines, 300-character titles, emoji, any amounts."""

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from channels_adapters.messages import Receipt, ReceiptLine, receipt_text
from channels_adapters.registry import adapter_for
from channels_adapters.telegram.limits import utf16_units

titles = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(["👗", "é", "a", " ", "🇫🇷", "€"]), max_size=300).map("".join),
)
amounts = st.integers(0, 10**9)
lines = st.builds(
    ReceiptLine,
    title=titles,
    quantity=st.integers(1, 99),
    price=st.sampled_from(["49,90 €", "$1,299.00"]),
    amount=amounts,
    subtitle=titles,
)
receipts = st.builds(
    Receipt,
    order_number=st.integers(1001, 10**7).map(lambda n: f"#{n}"),
    recipient_name=titles,
    currency=st.sampled_from(["EUR", "USD", "JPY", "KWD"]),
    lines=st.lists(lines, min_size=1, max_size=150).map(tuple),
    subtotal=st.just("10,00 €"),
    shipping=st.just("4,90 €"),
    total=st.just("14,90 €"),
    subtotal_amount=amounts,
    shipping_amount=amounts,
    total_amount=amounts,
    payment_method=st.sampled_from(["", "Visa •••• 4242"]),
    address=titles,
    heading=titles,
)
property_test = hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@property_test
@given(receipt=receipts)
def test_messenger_receipt_template_within_limits(receipt):
    for payload in adapter_for("messenger").render(receipt):
        message = payload["message"]
        if "text" in message:
            assert 1 <= len(message["text"]) <= 2000
            continue
        template = message["attachment"]["payload"]
        assert template["template_type"] == "receipt"
        assert 1 <= len(template["elements"]) <= 100
        assert template["recipient_name"] and template["payment_method"]
        for element in template["elements"]:
            assert 1 <= len(element["title"]) <= 80 and len(element["subtitle"]) <= 80
            assert isinstance(element["price"], float | int)


@property_test
@given(receipt=receipts)
def test_telegram_whatsapp_sms_and_webchat_receipts_within_limits(receipt):
    for payload in adapter_for("telegram").render(receipt):
        assert 1 <= utf16_units(payload["params"]["text"]) <= 4096
    for payload in adapter_for("whatsapp").render(receipt):
        assert 1 <= len(payload["text"]["body"]) <= 4096
    for payload in adapter_for("sms").render(receipt):
        assert 1 <= len(payload["body"]) <= 1600
    (webchat,) = adapter_for("webchat").render(receipt)
    assert webchat["type"] == "text" and webchat["text"]


def test_receipt_text_reads_like_a_receipt():
    receipt = Receipt(
        order_number="#1001",
        recipient_name="Léa",
        currency="EUR",
        lines=(ReceiptLine("Robe", 2, "179,80 €", 17980),),
        subtotal="179,80 €",
        shipping="0,00 €",
        total="179,80 €",
        payment_method="Visa •••• 4242",
        address="12 rue de la Paix, Paris",
        heading="Merci ! La commande n°1001 est réglée.",
        labels=(("shipping", "Livraison :"), ("total_label", "Total :")),
    )
    assert receipt_text(receipt).splitlines() == [
        "Merci ! La commande n°1001 est réglée.",
        "2 x Robe: 179,80 €",
        "Livraison : 0,00 €",
        "Total : 179,80 €",
        "Paid with: Visa •••• 4242",
        "Ship to: 12 rue de la Paix, Paris",
    ]
