"""Live events (shops/live.py): written after commit, never for what rolled back, read per shop
with a cursor that misses nothing, even events committed out of id order across a client's
sleep; and the page that serves them (dashboard:live_events, dashboard:live_badge)."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shops.live import PAGE_SIZE, RETENTION, live_event, live_events_prune
from shops.live_models import LiveEvent
from shops.models import Role
from shops.tasks import live_events_prune as live_events_prune_task

EVENTS = reverse("dashboard:live_events")
BADGE = reverse("dashboard:live_badge")


def kinds(shop) -> list[str]:
    return list(LiveEvent.objects.filter(shop=shop).order_by("id").values_list("kind", flat=True))


def typing(shop, conversation_id: int = 1) -> None:
    live_event(shop_id=shop.pk, kind="typing", data={"conversation_id": conversation_id})


def old(shop, event_id: int | None = None, *, seconds: float = 60, kind="typing") -> LiveEvent:
    """An event written `seconds` ago (settled once older than shops.live.SETTLE)."""
    fields = {"id": event_id} if event_id else {}
    return LiveEvent.objects.create(
        shop=shop,
        kind=kind,
        data={"n": event_id},
        created_at=timezone.now() - timedelta(seconds=seconds),
        **fields,
    )


# --- Writing ------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_event_is_written_when_its_transaction_commits_not_before(shop):
    with transaction.atomic():
        typing(shop)
        assert kinds(shop) == []  # nothing announced before the change is committed
    assert kinds(shop) == ["typing"]


@pytest.mark.django_db(transaction=True)
def test_an_event_of_a_rolled_back_transaction_is_never_written(shop):
    with pytest.raises(RuntimeError), transaction.atomic():
        typing(shop)
        raise RuntimeError("the change failed")
    assert kinds(shop) == []


@pytest.mark.django_db(transaction=True)
def test_an_event_of_a_rolled_back_savepoint_disappears_with_it_and_the_others_stay(shop):
    with transaction.atomic():
        live_event(shop_id=shop.pk, kind="cart.updated", data={"customer_id": 1})
        with pytest.raises(RuntimeError), transaction.atomic():
            live_event(shop_id=shop.pk, kind="order.updated", data={"order_id": 9})
            raise RuntimeError("the inner change failed")
        live_event(shop_id=shop.pk, kind="message.created", data={"message_id": 3})
    assert kinds(shop) == ["cart.updated", "message.created"]


@pytest.mark.django_db(transaction=True)
def test_the_events_of_one_transaction_are_one_insert_after_the_commit_in_order(shop):
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        for n in range(5):
            live_event(shop_id=shop.pk, kind="typing", data={"n": n})
        with transaction.atomic(savepoint=False):  # shares the outer block's fate
            live_event(shop_id=shop.pk, kind="typing", data={"n": 5})
    inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "shops_liveevent"')]
    assert len(inserts) == 1
    data = LiveEvent.objects.filter(shop=shop).order_by("id").values_list("data", flat=True)
    assert [d["n"] for d in data] == [0, 1, 2, 3, 4, 5]


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_an_event_is_written_at_once(shop):
    typing(shop)
    assert kinds(shop) == ["typing"]


@pytest.mark.django_db
def test_an_unknown_kind_is_a_programming_error(shop):
    with pytest.raises(ValueError):
        live_event(shop_id=shop.pk, kind="conversation.exploded", data={})


@pytest.mark.django_db
def test_events_older_than_the_retention_are_pruned(shop):
    old(shop, seconds=RETENTION.total_seconds() + 60)
    kept = old(shop, seconds=RETENTION.total_seconds() - 60)
    assert live_events_prune() == 1
    assert list(LiveEvent.objects.values_list("id", flat=True)) == [kept.pk]
    assert live_events_prune_task() == 0


# --- Reading ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_new_page_starts_from_now_not_from_history(agent_client, shop):
    for _ in range(3):
        old(shop)
    body = agent_client.get(EVENTS).json()
    assert body == {"events": [], "cursor": LiveEvent.objects.latest("id").pk}
    for bad in ("", "abc", "-4", "1.5", "9" * 40):
        assert agent_client.get(EVENTS, {"after": bad}).json()["events"] == []


@pytest.mark.django_db
def test_events_after_the_cursor_oldest_first_with_their_data(agent_client, shop):
    first = old(shop, kind="cart.updated")
    second = old(shop, kind="order.updated")
    body = agent_client.get(EVENTS, {"after": 0}).json()
    assert [(e["id"], e["kind"]) for e in body["events"]] == [
        (first.pk, "cart.updated"),
        (second.pk, "order.updated"),
    ]
    assert body["events"][0]["data"] == {"n": None}
    assert body["events"][0]["at"].startswith(str(first.created_at.year))
    assert body["cursor"] == second.pk
    assert agent_client.get(EVENTS, {"after": second.pk}).json()["events"] == []


@pytest.mark.django_db
def test_another_shops_events_never_leak(dashboard_client, shop, other_shop):
    mine = old(shop)
    old(other_shop)
    old(other_shop)
    body = dashboard_client(Role.AGENT).get(EVENTS, {"after": 0}).json()
    assert [e["id"] for e in body["events"]] == [mine.pk]
    assert body["cursor"] == mine.pk
    theirs = dashboard_client(Role.OWNER, of=other_shop).get(EVENTS, {"after": 0}).json()
    assert mine.pk not in [e["id"] for e in theirs["events"]]


@pytest.mark.django_db
def test_a_page_holds_at_most_page_size_events_and_the_next_call_continues(agent_client, shop):
    LiveEvent.objects.bulk_create(
        LiveEvent(shop=shop, kind="typing", data={}, created_at=timezone.now() - timedelta(1))
        for _ in range(PAGE_SIZE + 5)
    )
    first = agent_client.get(EVENTS, {"after": 0}).json()
    assert len(first["events"]) == PAGE_SIZE
    rest = agent_client.get(EVENTS, {"after": first["cursor"]}).json()
    assert len(rest["events"]) == 5
    assert LiveEvent.objects.count() == len({e["id"] for e in first["events"] + rest["events"]})


@pytest.mark.django_db
def test_reading_costs_the_same_queries_however_many_events(
    agent_client, shop, django_assert_max_num_queries
):
    def read() -> None:
        # Session, user, membership, then one query on the (shop, id) index.
        with django_assert_max_num_queries(4):
            assert agent_client.get(EVENTS, {"after": 0}).status_code == 200

    old(shop)
    read()
    LiveEvent.objects.bulk_create(
        LiveEvent(shop=shop, kind="typing", data={"n": n}, created_at=timezone.now())
        for n in range(150)
    )
    read()


@pytest.mark.django_db
def test_a_young_event_keeps_the_cursor_behind_it_until_it_settles(agent_client, shop):
    settled = old(shop)
    young = old(shop, seconds=1)
    body = agent_client.get(EVENTS, {"after": 0}).json()
    assert [e["id"] for e in body["events"]] == [settled.pk, young.pk]
    assert body["cursor"] == settled.pk  # a lower id may still be committing
    again = agent_client.get(EVENTS, {"after": body["cursor"]}).json()
    assert [e["id"] for e in again["events"]] == [young.pk]  # offered again; the client dedups


class PollingClient:
    """What static/dashboard/live.js does: keep the cursor, dispatch each id once."""

    def __init__(self, http):
        self.http = http
        self.cursor: int | None = None
        self.seen: set[int] = set()
        self.dispatched: list[int] = []

    def poll(self) -> dict:
        params = {} if self.cursor is None else {"after": self.cursor}
        body = self.http.get(EVENTS, params).json()
        for event in body["events"]:
            if event["id"] not in self.seen:
                self.seen.add(event["id"])
                self.dispatched.append(event["id"])
        self.cursor = body["cursor"]
        self.seen = {i for i in self.seen if i > self.cursor}
        return body


def an_hour_passes() -> None:
    LiveEvent.objects.update(created_at=timezone.now() - timedelta(hours=1))


@pytest.mark.django_db
def test_the_cursor_misses_nothing_across_a_sleep_even_events_committed_out_of_order(
    agent_client, shop
):
    """Writer A takes id 110 and commits late; writer B takes 111 and commits first. The
    client reads 111, its laptop sleeps, A's event lands, more arrive; on waking the client
    gets every event exactly once."""
    client = PollingClient(agent_client)
    old(shop, 100)
    client.poll()  # a new page: starts at the settled end of the log
    assert client.cursor == 100
    old(shop, 101, seconds=30)
    client.poll()
    assert client.dispatched == [101]

    LiveEvent.objects.create(id=111, shop=shop, kind="typing", data={})  # B, committed
    client.poll()
    assert client.dispatched == [101, 111]
    assert client.cursor == 101  # not 111: id 110 may still be on its way

    # The laptop sleeps. A's event (id 110, written before 111) commits, then others.
    LiveEvent.objects.create(
        id=110, shop=shop, kind="typing", data={}, created_at=timezone.now() - timedelta(seconds=1)
    )
    LiveEvent.objects.create(id=112, shop=shop, kind="typing", data={})
    LiveEvent.objects.create(id=113, shop=shop, kind="typing", data={})
    an_hour_passes()

    client.poll()  # awake: resumes from its cursor
    client.poll()
    assert client.dispatched == [101, 111, 110, 112, 113]  # each exactly once
    assert client.cursor == 113

    # A client that had kept the highest id it saw as its cursor would have missed 110.
    naive = agent_client.get(EVENTS, {"after": 111}).json()
    assert 110 not in [e["id"] for e in naive["events"]]


@pytest.mark.django_db
def test_every_role_reads_the_events_and_the_badge(dashboard_client):
    for role in (Role.AGENT, Role.MANAGER, Role.OWNER):
        client = dashboard_client(role)
        assert client.get(EVENTS).status_code == 200
        assert client.get(BADGE).status_code == 200


@pytest.mark.django_db
def test_signed_out_the_events_are_not_served(client):
    response = client.get(EVENTS)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_the_events_are_never_cached(agent_client):
    assert agent_client.get(EVENTS)["Cache-Control"] == "no-store"
    assert agent_client.get(BADGE)["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_the_badge_counts_open_conversations_waiting_for_a_person_with_unread_messages(
    agent_client, shop, other_shop
):
    from tests.dashboard.dashboard_urls import _conversation

    now = timezone.now()
    waiting = {"handed_off": True, "last_message_at": now}
    cases = [
        waiting,  # counted
        {**waiting, "agent_last_seen_at": now - timedelta(minutes=1)},  # counted: wrote since
        {**waiting, "agent_last_seen_at": now + timedelta(seconds=1)},  # read
        {**waiting, "handed_off": False},  # the bot has it
        {**waiting, "status": "resolved"},
        {"handed_off": True, "last_message_at": None},  # the shopper wrote nothing yet
    ]
    for fields in cases:
        conversation = _conversation(shop)
        type(conversation).objects.filter(pk=conversation.pk).update(**fields)
    other = _conversation(other_shop)
    type(other).objects.filter(pk=other.pk).update(**waiting)

    assert agent_client.get(BADGE).json() == {"waiting": 2}


def test_the_prune_is_scheduled_and_every_periodic_task_is_in_the_deploy_guide(settings):
    from pathlib import Path

    guide = (Path(__file__).resolve().parents[2] / "docs" / "deploy.md").read_text()
    tasks = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "shops.tasks.live_events_prune" in tasks
    assert [task for task in tasks if f"`{task}`" not in guide] == []
