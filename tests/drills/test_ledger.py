"""The drills' ledger counts what it claims: a reply the platform accepted twice is doubled, one
never accepted is lost, a 200 for an event not stored is lost, replies out of order fail. (So a
drill reporting "0 lost, 0 doubled" could have reported otherwise.)"""

from dataclasses import dataclass, field

from bench.drills.ledger import Verdict, judge
from bench.drills.platform import Delivery


@dataclass
class Sent:
    params: dict
    status: int = 200
    route: str = "sendMessage"


@dataclass
class FakeTelegramLog:
    requests: list = field(default_factory=list)


class RecordedStack:
    """What a drill reads from a stack: database rows and the fake Telegram's log."""

    def __init__(self, *, events, outbound, sent):
        self.events = events  # (channel, event_id, processed)
        self.outbound = outbound  # (recipient, status, payloads, message json)
        self.telegram = FakeTelegramLog([Sent(p) for p in sent])

    def sql(self, query, params=()):
        return self.events if "inboundevent" in query else self.outbound


def _text(text):
    return {"method": "sendMessage", "params": {"text": text}}


def _delivery(chat=7, update=1):
    delivery = Delivery(channel=1, update_id=update, chat=chat, text="bonjour")
    delivery.acked = 1.0
    return delivery


def _judge(stack, deliveries):
    return judge(Verdict("ledger"), stack, deliveries)


def test_every_reply_accepted_once_in_order_is_clean():
    stack = RecordedStack(
        events=[(1, "1", True)],
        outbound=[("7", "sent", [_text("Bonjour"), _text("Menu")], '{"a": 1}')],
        sent=[{"chat_id": 7, "text": "Bonjour"}, {"chat_id": 7, "text": "Menu"}],
    )
    verdict = _judge(stack, [_delivery()])
    assert verdict.ok and verdict.line == "0 lost, 0 doubled"


def test_a_reply_accepted_twice_is_doubled():
    stack = RecordedStack(
        events=[(1, "1", True)],
        outbound=[("7", "sent", [_text("Bonjour")], '{"a": 1}')],
        sent=[{"chat_id": 7, "text": "Bonjour"}, {"chat_id": 7, "text": "Bonjour"}],
    )
    assert _judge(stack, [_delivery()]).line == "0 lost, 1 doubled"


def test_one_message_answered_twice_is_doubled():
    stack = RecordedStack(
        events=[(1, "1", True)],
        outbound=[
            ("7", "sent", [_text("Bonjour")], '{"a": 1}'),
            ("7", "sent", [_text("Bonjour")], '{"a": 1}'),
        ],
        sent=[{"chat_id": 7, "text": "Bonjour"}, {"chat_id": 7, "text": "Bonjour"}],
    )
    assert _judge(stack, [_delivery()]).doubled == 1


def test_a_reply_never_accepted_and_an_unstored_200_are_lost():
    stack = RecordedStack(
        events=[(1, "1", True)],
        outbound=[("7", "queued", [_text("Bonjour")], '{"a": 1}')],
        sent=[],
    )
    verdict = _judge(stack, [_delivery(), _delivery(chat=8, update=2)])
    assert verdict.lost == 3  # the unstored 200, the unsent message, its payload
    assert verdict.doubled == 0


def test_replies_out_of_order_fail_without_loss():
    stack = RecordedStack(
        events=[(1, "1", True)],
        outbound=[("7", "sent", [_text("Bonjour"), _text("Menu")], '{"a": 1}')],
        sent=[{"chat_id": 7, "text": "Menu"}, {"chat_id": 7, "text": "Bonjour"}],
    )
    verdict = _judge(stack, [_delivery()])
    assert verdict.line == "0 lost, 0 doubled" and not verdict.ok
    assert "out of order" in verdict.problems[0]


def test_the_storm_drill_allows_a_burst_of_three_then_one_a_second():
    from bench.drills.storm import chat_excess

    assert chat_excess([0.0, 0.01, 0.02, 1.0, 2.0, 3.0]) == 0
    assert chat_excess([0.0, 0.01, 0.02, 0.03]) == 1  # four at once
    assert chat_excess([0.0, 0.01, 0.02, 1.0, 1.2, 1.4]) == 2  # two too soon after the burst
