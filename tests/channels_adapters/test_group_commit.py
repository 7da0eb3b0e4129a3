"""Group commit (channels_adapters/group_commit.py): webhooks that a process's threads store at
the same moment share one INSERT and one push; each request still answers only once its own
rows have committed, and a failed write fails every request of its batch."""

import hashlib
import hmac
import json
import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client

from channels_adapters import intake
from channels_adapters.group_commit import GroupCommit
from channels_adapters.models import ChannelAccount, InboundEvent

# The real broker's queue, emptied before and after, with the fast path on.
from tests.channels_adapters.test_taskqueue import broker  # noqa: F401


def wait_until(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


class GatedWriter:
    """Records each write (rows, thread) and holds the first one until released."""

    def __init__(self, fail_on_write: int | None = None):
        self.writes: list[tuple[list, str]] = []
        self.first_started = threading.Event()
        self.release_first = threading.Event()
        self.fail_on_write = fail_on_write

    def __call__(self, rows):
        self.writes.append((list(rows), threading.current_thread().name))
        if len(self.writes) == 1:
            self.first_started.set()
            assert self.release_first.wait(10)
        if len(self.writes) == self.fail_on_write:
            raise ConnectionError("the database went away")
        return [row[0] * 10 for row in rows]


def in_thread(name, target):
    outcome = {}

    def run():
        try:
            outcome["result"] = target()
        except Exception as exc:  # handed to the test
            outcome["error"] = exc

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread, outcome


def test_a_lone_caller_writes_its_rows_at_once_in_its_own_thread():
    writes = []

    def write(rows):
        writes.append((list(rows), threading.current_thread().name))
        return [row[0] + 100 for row in rows]

    group = GroupCommit(write)
    assert group.store([(1,), (2,)]) == [101, 102]
    assert group.store([(3,)]) == [103]
    me = threading.current_thread().name
    assert writes == [([(1,), (2,)], me), ([(3,)], me)]


def test_callers_who_arrive_during_a_write_share_the_next_one_and_each_gets_its_own_ids():
    writer = GatedWriter()
    group = GroupCommit(writer)
    first, first_out = in_thread("first", lambda: group.store([(1,)]))
    assert writer.first_started.wait(10)
    queued = [
        in_thread(f"queued-{n}", lambda n=n: group.store([(n, "a"), (n, "b")])) for n in (2, 3, 4)
    ]
    wait_until(lambda: len(group._queued) == 3)

    writer.release_first.set()
    for thread, _ in [(first, first_out), *queued]:
        thread.join(10)

    assert first_out["result"] == [10]
    for n, (_, outcome) in zip((2, 3, 4), queued, strict=True):
        assert outcome["result"] == [n * 10, n * 10]
    assert len(writer.writes) == 2
    second_rows, second_writer = writer.writes[1]
    assert sorted(second_rows) == [(n, x) for n in (2, 3, 4) for x in "ab"]
    # The lead went to a queued request: the first returned without writing for the others.
    assert second_writer.startswith("queued-")
    assert (group.batches, group.rows) == (2, 7)
    assert not group._writing


def test_a_failed_write_fails_every_request_of_its_batch_and_the_next_write_goes_on():
    writer = GatedWriter(fail_on_write=2)
    group = GroupCommit(writer)
    first, first_out = in_thread("first", lambda: group.store([(1,)]))
    assert writer.first_started.wait(10)
    queued = [in_thread(f"queued-{n}", lambda n=n: group.store([(n,)])) for n in (2, 3)]
    wait_until(lambda: len(group._queued) == 2)
    writer.release_first.set()
    for thread, _ in [(first, first_out), *queued]:
        thread.join(10)

    assert first_out["result"] == [10]
    errors = [outcome["error"] for _, outcome in queued]
    assert all(isinstance(error, ConnectionError) for error in errors)
    assert [str(error) for error in errors] == ["the database went away"] * 2
    assert errors[0] is not errors[1]  # each thread raised its own copy
    assert group.store([(5,)]) == [50]
    assert not group._writing


# --- through the webhook, on PostgreSQL, with the real push to Redis ---------------------------

APP_SECRET = "group-commit-secret"
PAGE_ID = "2002"


def messenger_body(mid: str) -> bytes:
    event = {
        "sender": {"id": "u-1"},
        "recipient": {"id": PAGE_ID},
        "timestamp": 1,
        "message": {"mid": mid, "text": "bonjour"},
    }
    return json.dumps(
        {"object": "page", "entry": [{"id": PAGE_ID, "time": 1, "messaging": [event]}]}
    ).encode()


def post(body: bytes) -> int:
    signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    try:
        return (
            Client()
            .post(
                "/webhooks/messenger/",
                body,
                content_type="application/json",
                headers={"X-Hub-Signature-256": signature},
            )
            .status_code
        )
    finally:
        connection.close()  # this thread's own connection


def queued_event_ids(client) -> list[int]:
    import base64

    messages = [json.loads(raw) for raw in client.lrange("intake", 0, -1)]
    return sorted(json.loads(base64.b64decode(m["body"]))[0][0] for m in messages)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_webhooks_arriving_together_are_stored_by_one_insert_each_once(
    require_postgres,
    broker,  # noqa: F811 (the imported fixture)
    shop,
    settings,
    monkeypatch,
):
    settings.META_APP_SECRET = APP_SECRET
    ChannelAccount.objects.create(
        shop=shop, kind="messenger", external_id=PAGE_ID, credentials={"access_token": "t"}
    )
    group = GroupCommit(intake._store_and_enqueue)
    monkeypatch.setattr(intake, "_group", group)
    # The first write waits until four more requests are queued behind it.
    gate = threading.Event()
    real_write = group._write

    def gated_write(rows):
        if group.batches == 0:
            assert gate.wait(10)
        return real_write(rows)

    group._write = gated_write

    first, first_out = in_thread("first", lambda: post(messenger_body("m-0")))
    wait_until(lambda: group._writing)
    # m-2 twice: a platform's redelivery racing the original lands in the same batch.
    mids = ["m-1", "m-2", "m-2", "m-3"]
    others = [
        in_thread(f"r{n}", lambda mid=mid: post(messenger_body(mid))) for n, mid in enumerate(mids)
    ]
    wait_until(lambda: len(group._queued) == 4)
    gate.set()
    for thread, _ in [(first, first_out), *others]:
        thread.join(10)

    assert [first_out["result"]] + [out["result"] for _, out in others] == [200] * 5
    assert (group.batches, group.rows) == (2, 5)
    stored = dict(InboundEvent.objects.values_list("event_id", "pk"))
    assert sorted(stored) == ["m-0", "m-1", "m-2", "m-3"]
    assert queued_event_ids(broker) == sorted(stored.values())  # one task per stored event


@pytest.mark.django_db(transaction=True)
def test_inside_a_callers_transaction_the_rows_are_part_of_it(shop, monkeypatch):
    account = ChannelAccount.objects.create(
        shop=shop, kind="messenger", external_id=PAGE_ID, credentials={"access_token": "t"}
    )
    group = GroupCommit(intake._store_and_enqueue)
    monkeypatch.setattr(intake, "_group", group)
    from channels_adapters.base import RawEvent

    event = RawEvent(event_id="m-9", account_id=PAGE_ID, payload={"n": 9})
    with pytest.raises(RuntimeError), transaction.atomic():
        assert len(intake.inbound_events_store(routed=[(account, event)])) == 1
        raise RuntimeError("the caller gives up")
    assert group.batches == 0
    assert not InboundEvent.objects.exists()
