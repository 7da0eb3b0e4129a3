"""Each channel's reply window, as its adapter states it, and the template message: rendered as
WhatsApp's Cloud API template payload there, as its filled-in text everywhere else."""

from datetime import UTC, datetime, timedelta

import pytest

from channels_adapters.base import TAG_HUMAN_AGENT, TAG_POST_PURCHASE, span
from channels_adapters.messages import Template, Text, outbound_from_dict
from channels_adapters.registry import adapter_for
from channels_adapters.sms import gsm

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
HOURS = timedelta(hours=1)


def window(kind: str, hours_ago: float | None):
    last = None if hours_ago is None else NOW - hours_ago * HOURS
    return adapter_for(kind).reply_window(last, NOW)


def test_messenger_within_24_hours_answers_without_a_tag():
    within = window("messenger", 2)
    assert (within.open, within.tag, within.template_only) == (True, "", False)
    assert within.closes_at == NOW + 22 * HOURS
    assert "within the 24-hour window (it closes in 22 h)" in within.explanation


def test_messenger_from_24_hours_to_7_days_answers_with_the_human_agent_tag():
    late = window("messenger", 27)
    assert (late.open, late.tag) == (True, TAG_HUMAN_AGENT)
    assert late.closes_at == NOW - 27 * HOURS + timedelta(days=7)
    assert "the 24-hour window closed 3 h ago" in late.explanation
    assert "HUMAN_AGENT" in late.explanation


@pytest.mark.parametrize("hours_ago", [24 * 8, None])
def test_messenger_after_7_days_or_before_any_message_allows_nothing(hours_ago):
    closed = window("messenger", hours_ago)
    assert (closed.open, closed.template_only, closed.tag) == (False, False, "")
    assert "Messenger" in closed.explanation


def test_messenger_human_agent_tag_on_the_wire():
    adapter = adapter_for("messenger")
    payloads = adapter.tagged(adapter.render(Text("Bonjour")), TAG_HUMAN_AGENT)
    assert payloads == [
        {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT", "message": {"text": "Bonjour"}}
    ]
    [receipt_news] = adapter.tagged(adapter.render(Text("Expédié")), TAG_POST_PURCHASE)
    assert receipt_news["tag"] == "POST_PURCHASE_UPDATE"
    assert adapter.tagged(adapter.render(Text("x")), "")[0]["messaging_type"] == "RESPONSE"


def test_whatsapp_customer_service_window():
    within = window("whatsapp", 23.5)
    assert (within.open, within.template_only) == (True, False)
    assert within.closes_at == NOW + HOURS / 2
    late = window("whatsapp", 25)
    assert (late.open, late.template_only) == (False, True)
    assert "outside the 24-hour window only a template can be sent" in late.explanation
    assert "25 h ago" in late.explanation
    never = window("whatsapp", None)
    assert (never.open, never.template_only) == (False, True)


@pytest.mark.parametrize("kind", ["telegram", "sms", "webchat"])
@pytest.mark.parametrize("hours_ago", [None, 1, 24 * 30])
def test_channels_without_a_window_are_always_open(kind, hours_ago):
    rules = window(kind, hours_ago)
    assert (rules.open, rules.tag, rules.template_only, rules.closes_at) == (True, "", False, None)
    assert "no reply window" in rules.explanation


TEMPLATE = Template(
    name="order_update",
    language="fr",
    params=("Léa", "#1001"),
    text="Bonjour Léa, votre commande #1001 est partie.",
)


def test_whatsapp_renders_a_template_as_the_cloud_api_wants_it():
    assert adapter_for("whatsapp").render(TEMPLATE) == [
        {
            "type": "template",
            "template": {
                "name": "order_update",
                "language": {"policy": "deterministic", "code": "fr"},
                "components": [
                    {
                        "type": "body",
                        "parameters": [
                            {"type": "text", "text": "Léa"},
                            {"type": "text", "text": "#1001"},
                        ],
                    }
                ],
            },
        }
    ]
    bare = Template(name="hello_world", language="en_US", text="Hello!")
    [payload] = adapter_for("whatsapp").render(bare)
    assert "components" not in payload["template"]


def test_other_channels_send_a_templates_text():
    assert adapter_for("messenger").render(TEMPLATE)[0]["message"] == {"text": TEMPLATE.text}
    assert adapter_for("sms").render(TEMPLATE) == [{"body": TEMPLATE.text}]
    assert adapter_for("telegram").render(TEMPLATE)[0]["params"]["text"] == TEMPLATE.text
    [shown] = adapter_for("webchat").render(TEMPLATE)
    assert (shown["type"], shown["text"]) == ("text", TEMPLATE.text)


def test_a_template_round_trips_through_json():
    assert outbound_from_dict(TEMPLATE.to_dict()) == TEMPLATE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", (gsm.GSM7, 0)),
        ("Votre commande part demain.", (gsm.GSM7, 1)),
        ("a" * 160, (gsm.GSM7, 1)),
        ("a" * 161, (gsm.GSM7, 2)),
        ("C\u2019est parti\u2026 \u00ab merci \u00bb", (gsm.GSM7, 1)),  # typography replaced
        ("Prêt ?", (gsm.UCS2, 1)),
        ("ê" * 71, (gsm.UCS2, 2)),
    ],
)
def test_sms_counts_segments_as_it_sends(text, expected):
    assert adapter_for("sms").text_segments(text) == expected
    assert adapter_for("whatsapp").text_segments(text) is None


@pytest.mark.parametrize(
    ("delta", "said"),
    [
        (timedelta(seconds=20), "1 min"),
        (timedelta(minutes=59), "59 min"),
        (timedelta(hours=3, minutes=40), "3 h"),
        (timedelta(hours=47), "47 h"),
        (timedelta(days=8, hours=5), "8 days"),
    ],
)
def test_span(delta, said):
    assert span(delta) == said
