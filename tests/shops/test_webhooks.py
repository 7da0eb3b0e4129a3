"""Outbound webhooks end to end: endpoints registered through the API, events emitted by the
service, delivered over real HTTP to a local receiver, signed as docs/webhooks.md says."""

import json
import re
import threading
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.utils import timezone

from channels_adapters.models import ChannelAccount
from conversations.models import Conversation, Customer, CustomerIdentity
from conversations.services import conversation_hand_off
from shops.events import event_emit
from shops.models import WebhookDelivery, WebhookEndpoint
from shops.tasks import webhook_deliver, webhook_deliveries_sweep
from shops.webhooks import services
from tests.conftest import client_for
from tests.fakes.receiver import FakeReceiver

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"
ORDER = {"id": 5120, "number": 1042, "status": "confirmed", "total": 9480, "currency": "EUR"}


def documented_verifier():
    """The verification snippet of docs/webhooks.md, run as an integrator would paste it."""
    snippet = re.search(r"```python\n(.*?)```", DOCS.read_text(), re.S).group(1)
    namespace: dict = {}
    exec(snippet, namespace)  # noqa: S102  (our own documentation)
    return namespace["verify_souk_signature"]


@pytest.fixture
def receiver(settings):
    settings.SOUK_WEBHOOK_TIMEOUT_SECONDS = 2
    with FakeReceiver() as fake:
        yield fake


@pytest.fixture
def emit(django_capture_on_commit_callbacks):
    """event_emit as the caller's transaction commits (the test's own transaction never does)."""

    def run(shop, type="order.paid", data=ORDER):
        with django_capture_on_commit_callbacks(execute=True):
            return event_emit(shop=shop, type=type, data=data)

    return run


def register(api, url, events=("order.paid",), **extra):
    response = api.post("/api/v1/webhooks/", {"url": url, "events": list(events), **extra})
    assert response.status_code == 201, response.content
    return response.json()


def make_due(delivery: WebhookDelivery) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def raw_secret(endpoint_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM shops_webhookendpoint WHERE id = %s", [endpoint_id])
        return cursor.fetchone()[0]


# -- endpoints through the API --------------------------------------------------------------------
def test_secret_is_shown_once_and_stored_encrypted(api, receiver):
    created = register(api, receiver.endpoint_url(), description="ERP")

    assert re.fullmatch(r"whsec_[\w-]{40,}", created["secret"])
    assert created["events"] == ["order.paid"] and created["is_active"] is True
    detail = api.get(f"/api/v1/webhooks/{created['id']}/").json()
    listed = api.get("/api/v1/webhooks/").json()["results"]
    assert "secret" not in detail and all("secret" not in item for item in listed)
    stored = raw_secret(created["id"])
    assert created["secret"] not in stored and "whsec_" not in stored
    assert WebhookEndpoint.objects.get(pk=created["id"]).secret == created["secret"]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"url": "http://example.com/hook"}, "url", "https://"),
        ({"url": "ftp://example.com/hook"}, "url", "https://"),
        ({"url": "not a url"}, "url", "valid URL"),
        ({"url": "https://10.0.0.5/hook"}, "url", "public address"),
        ({"url": "https://169.254.169.254/latest"}, "url", "public address"),
        ({"events": ["order.shipped"]}, "events", "Unknown event type 'order.shipped'"),
        ({"events": ["ping"]}, "events", "ping"),
        ({"events": []}, "events", "at least one"),
        ({"events": "order.paid"}, "events", "list"),
        ({"secret": "whsec_mine"}, "secret", "Unknown field"),
    ],
)
def test_bad_input_is_400_naming_the_field(api, body, field, message):
    valid = {"url": "https://example.com/hook", "events": ["order.paid"]}

    response = api.post("/api/v1/webhooks/", valid | body)

    assert response.status_code == 400, response.content
    error = response.json()
    assert error["error"] == "validation_error"
    assert message in " ".join(error["fields"][field]), error
    assert not WebhookEndpoint.objects.exists()


def test_a_shop_has_a_bounded_number_of_endpoints(shop, api):
    for n in range(services.MAX_ENDPOINTS_PER_SHOP):
        services.webhook_endpoint_create(
            shop=shop, url=f"https://example.com/{n}", events=["order.paid"]
        )

    response = api.post("/api/v1/webhooks/", {"url": "https://x.example", "events": ["order.paid"]})

    assert response.status_code == 400
    assert "at most" in response.json()["message"]


def test_plain_http_is_accepted_in_debug_and_for_localhost(api, settings):
    register(api, "http://localhost:8080/hook")
    settings.DEBUG = True
    register(api, "http://example.com/hook")


@pytest.mark.parametrize("url", ["http://localhost:8080/hook", "https://127.0.0.1/hook"])
def test_in_production_an_api_key_cannot_point_webhooks_at_the_server_itself(api, settings, url):
    settings.SOUK_WEBHOOKS_ALLOW_LOCAL = False
    response = api.post("/api/v1/webhooks/", {"url": url, "events": ["order.paid"]})
    assert response.status_code == 400
    assert "public address" in " ".join(response.json()["fields"]["url"])
    assert not WebhookEndpoint.objects.exists()


def test_a_name_resolving_to_a_private_address_is_not_called(shop, receiver, emit, settings):
    endpoint, _ = services.webhook_endpoint_create(
        shop=shop, url=receiver.endpoint_url(), events=["order.paid"]
    )
    settings.SOUK_WEBHOOKS_ALLOW_LOCAL = False  # e.g. DNS changed after registration
    emit(shop)
    assert receiver.requests == []
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert "public address" in delivery.attempt_log[0]["error"]


def test_update_and_delete(api, receiver, emit, shop):
    created = register(api, receiver.endpoint_url())
    url = f"/api/v1/webhooks/{created['id']}/"

    patched = api.patch(url, {"events": ["order.refunded", "conversation.handoff"]})
    assert patched.status_code == 200 and patched.json()["events"] == [
        "order.refunded",
        "conversation.handoff",
    ]
    refused = api.patch(url, {"url": "http://example.com/x", "events": ["nope"]})
    assert refused.status_code == 400 and set(refused.json()["fields"]) == {"url", "events"}
    put = api.put(url, {"url": receiver.endpoint_url("/v2"), "events": ["order.paid"]})
    assert put.status_code == 200
    emit(shop)
    assert [r.path for r in receiver.requests] == ["/v2"]
    assert api.patch(url, {"is_active": False}).json()["is_active"] is False

    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.url, endpoint.events, endpoint.is_active) == (
        receiver.endpoint_url("/v2"),
        ["order.paid"],
        False,
    )
    emit(shop)
    assert len(receiver.requests) == 1 and WebhookDelivery.objects.count() == 1
    assert api.delete(url).status_code == 204
    assert not WebhookEndpoint.objects.exists() and not WebhookDelivery.objects.exists()


def test_read_only_key_can_read_but_not_write(shop, api, receiver):
    created = register(api, receiver.endpoint_url())
    reader = client_for(shop, read_only=True)
    url = f"/api/v1/webhooks/{created['id']}/"

    assert reader.get("/api/v1/webhooks/").status_code == 200
    assert reader.get(f"{url}deliveries/").status_code == 200
    body = {"url": receiver.endpoint_url(), "events": ["order.paid"]}
    assert reader.post("/api/v1/webhooks/", body).status_code == 403
    assert reader.patch(url, {"is_active": False}).status_code == 403
    assert reader.delete(url).status_code == 403
    assert reader.post(f"{url}test/").status_code == 403
    assert WebhookEndpoint.objects.count() == 1 and WebhookEndpoint.objects.get().is_active
    assert receiver.requests == []


def test_other_shops_endpoints_are_invisible(api, other_api, receiver):
    created = register(api, receiver.endpoint_url())
    url = f"/api/v1/webhooks/{created['id']}/"

    assert other_api.get("/api/v1/webhooks/").json()["results"] == []
    assert other_api.get(f"{url}deliveries/").status_code == 404
    assert other_api.post(f"{url}test/").status_code == 404
    assert receiver.requests == []


# -- delivery ------------------------------------------------------------------------------------
def test_event_is_posted_signed_to_subscribed_endpoints(shop, api, receiver, emit):
    created = register(api, receiver.endpoint_url())

    event_id = emit(shop)

    request = receiver.last()
    assert request.method == "POST" and request.path == "/souk/webhooks"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == "Souk-Webhooks/1"
    assert request.headers["souk-webhook-id"] == event_id
    assert request.headers["souk-webhook-attempt"] == "1"
    timestamp = request.headers["souk-webhook-timestamp"]
    assert abs(int(timestamp) - time.time()) < 60
    assert request.headers["souk-signature"].startswith(f"t={timestamp},v1=")
    assert request.json == {
        "id": event_id,
        "type": "order.paid",
        "created_at": request.json["created_at"],
        "shop": {"id": shop.pk, "slug": shop.slug},
        "data": ORDER,
    }
    assert datetime.fromisoformat(request.json["created_at"]).tzinfo is not None

    verify = documented_verifier()
    signature = request.headers["souk-signature"]
    assert verify(created["secret"], request.body, signature)
    assert not verify(created["secret"], request.body + b" ", signature)
    assert not verify("whsec_other", request.body, signature)
    assert not verify(created["secret"], request.body, signature, now=int(timestamp) + 301)
    assert not verify(created["secret"], request.body, "garbage")

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 1, 200)
    assert json.loads(delivery.response_body) == {"received": True}
    assert delivery.delivered_at is not None and delivery.duration_ms is not None
    assert delivery.next_attempt_at is None
    assert [entry["status_code"] for entry in delivery.attempt_log] == [200]


def test_only_active_subscribed_endpoints_of_the_shop_receive(
    shop, other_shop, api, other_api, receiver, emit
):
    register(api, receiver.endpoint_url("/a"), ["order.paid", "order.created"])
    register(api, receiver.endpoint_url("/b"), ["order.paid"])
    register(api, receiver.endpoint_url("/created-only"), ["order.created"])
    register(api, receiver.endpoint_url("/disabled"), ["order.paid"], is_active=False)
    register(other_api, receiver.endpoint_url("/other-shop"), ["order.paid"])

    event_id = emit(shop)

    assert sorted(r.path for r in receiver.requests) == ["/a", "/b"]
    assert {r.headers["souk-webhook-id"] for r in receiver.requests} == {event_id}
    assert {str(d.event_id) for d in WebhookDelivery.objects.all()} == {event_id}
    assert WebhookDelivery.objects.filter(shop=other_shop).count() == 0


def test_unknown_event_type_is_a_programming_error(shop):
    with pytest.raises(ValueError, match=r"order\.shipped"):
        event_emit(shop=shop, type="order.shipped", data={})
    with pytest.raises(ValueError, match="ping"):
        event_emit(shop=shop, type="ping", data={})


def test_no_endpoint_no_delivery(shop, emit):
    assert uuid.UUID(emit(shop))
    assert not WebhookDelivery.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_emit_in_a_rolled_back_transaction_sends_nothing(shop, api, receiver):
    register(api, receiver.endpoint_url())

    with pytest.raises(RuntimeError), transaction.atomic():
        event_emit(shop=shop, type="order.paid", data=ORDER)
        raise RuntimeError("the order could not be saved")

    time.sleep(0.2)
    assert receiver.requests == []
    assert not WebhookDelivery.objects.exists()

    with transaction.atomic():
        event_emit(shop=shop, type="order.paid", data=ORDER)
        assert receiver.requests == []  # not before the commit
    assert len(receiver.wait_for_count(lambda r: True, 1)) == 1


def test_server_error_is_retried_with_backoff_and_logged(shop, api, receiver, emit):
    register(api, receiver.endpoint_url())
    receiver.fail_next(status=500, body=b"database is down")

    event_id = emit(shop)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert delivery.response_body == "database is down"
    assert "HTTP 500" in delivery.error
    wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
    assert 8 <= wait <= 11
    assert len(receiver.requests) == 1  # the retry waits; it does not run at once

    make_due(delivery)
    webhook_deliver(delivery.pk)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 2, 200)
    assert delivery.error == ""
    assert [(e["attempt"], e["status_code"]) for e in delivery.attempt_log] == [(1, 500), (2, 200)]
    assert delivery.attempt_log[0]["response_body"] == "database is down"
    first, second = receiver.requests
    assert first.headers["souk-webhook-id"] == second.headers["souk-webhook-id"] == event_id
    assert first.body == second.body
    assert second.headers["souk-webhook-attempt"] == "2"


def test_timeout_is_retried(shop, api, receiver, emit, settings):
    settings.SOUK_WEBHOOK_TIMEOUT_SECONDS = 0.3
    register(api, receiver.endpoint_url())
    receiver.delay_next(seconds=2)

    emit(shop)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, None)
    assert delivery.error == "Timed out after 0.3 s."
    assert delivery.duration_ms < 2000
    assert 8 <= (delivery.next_attempt_at - timezone.now()).total_seconds() <= 11


def test_gives_up_after_the_last_attempt_with_growing_waits(shop, api, receiver, emit):
    register(api, receiver.endpoint_url())
    receiver.fail_always(status=503, json={"error": "maintenance"})
    emit(shop)
    delivery = WebhookDelivery.objects.get()
    waits = []

    for _ in range(services.MAX_ATTEMPTS - 1):
        delivery.refresh_from_db()
        waits.append((delivery.next_attempt_at - timezone.now()).total_seconds())
        make_due(delivery)
        webhook_deliver(delivery.pk)

    delivery.refresh_from_db()
    assert services.MAX_ATTEMPTS >= 6
    assert (delivery.status, delivery.attempts) == ("failed", services.MAX_ATTEMPTS)
    assert delivery.next_attempt_at is None and delivery.delivered_at is None
    assert len(receiver.requests) == services.MAX_ATTEMPTS
    assert len(delivery.attempt_log) == services.MAX_ATTEMPTS
    assert {e["status_code"] for e in delivery.attempt_log} == {503}
    for wait, base in zip(waits, services.RETRY_DELAYS, strict=True):
        assert base * 0.9 - 2 <= wait <= base * 1.1, (waits, services.RETRY_DELAYS)

    make_due(delivery)
    webhook_deliver(delivery.pk)
    assert len(receiver.requests) == services.MAX_ATTEMPTS


def test_connection_refused_is_retried(shop, api, emit):
    with FakeReceiver() as gone:
        url = gone.endpoint_url()
    register(api, url)

    emit(shop)

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and delivery.error.startswith("Connection failed")


def test_redirects_are_not_followed(shop, api, receiver, emit):
    register(api, receiver.endpoint_url())
    receiver.fail_next(status=301, headers={"Location": receiver.endpoint_url("/elsewhere")})

    emit(shop)

    assert [r.path for r in receiver.requests] == ["/souk/webhooks"]
    assert WebhookDelivery.objects.get().last_status_code == 301


def test_a_large_response_body_is_truncated(shop, api, receiver, emit):
    register(api, receiver.endpoint_url())
    receiver.fail_next(status=200, body=b"x" * 50_000)

    emit(shop)

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "succeeded"
    assert delivery.response_body == "x" * services.RESPONSE_BODY_LIMIT


def test_sweeper_sends_deliveries_whose_task_was_lost(
    shop, api, receiver, django_capture_on_commit_callbacks
):
    register(api, receiver.endpoint_url())
    with django_capture_on_commit_callbacks(execute=False):  # the broker was down
        event_emit(shop=shop, type="order.paid", data=ORDER)
    assert webhook_deliveries_sweep() == 0  # due only just now: its task may still come

    WebhookDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=2))
    assert webhook_deliveries_sweep() == 1

    assert WebhookDelivery.objects.get().status == "succeeded"
    assert len(receiver.requests) == 1
    assert webhook_deliveries_sweep() == 0


def test_a_claimed_attempt_is_not_made_twice(
    shop, api, receiver, django_capture_on_commit_callbacks
):
    register(api, receiver.endpoint_url())
    with django_capture_on_commit_callbacks(execute=False):
        event_emit(shop=shop, type="order.paid", data=ORDER)
    delivery = WebhookDelivery.objects.get()

    assert services._claim(delivery.pk) is not None
    assert services._claim(delivery.pk) is None  # another worker, same attempt
    assert webhook_deliver(delivery.pk) is None
    assert receiver.requests == []

    delivery.refresh_from_db()
    # A worker that died mid-attempt: the row comes back once the lease has run out.
    assert delivery.next_attempt_at > timezone.now() + timedelta(minutes=2)


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_send_one_attempt(require_postgres, shop, api, receiver):
    register(api, receiver.endpoint_url())
    receiver.fail_next(status=500)
    event_emit(shop=shop, type="order.paid", data=ORDER)  # autocommit: attempt 1 at once
    delivery = WebhookDelivery.objects.get()
    make_due(delivery)  # two workers are handed attempt 2 at the same moment
    receiver.delay_next(seconds=0.5)
    start = threading.Barrier(2)

    def worker():
        start.wait()
        try:
            services.webhook_delivery_attempt(delivery_id=delivery.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert len(receiver.requests) == 2
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)


def test_disabled_endpoint_gets_nothing_still_pending(
    shop, api, receiver, django_capture_on_commit_callbacks
):
    created = register(api, receiver.endpoint_url())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        event_emit(shop=shop, type="order.paid", data=ORDER)
    api.patch(f"/api/v1/webhooks/{created['id']}/", {"is_active": False})

    for callback in callbacks:
        callback()

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed" and "disabled" in delivery.error
    assert receiver.requests == []


# -- test ping and the delivery log ---------------------------------------------------------------
def test_ping_goes_to_that_endpoint_only(api, receiver, django_capture_on_commit_callbacks):
    created = register(api, receiver.endpoint_url("/one"))
    register(api, receiver.endpoint_url("/two"))
    secret = created["secret"]

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/webhooks/{created['id']}/test/")

    assert response.status_code == 202, response.content
    assert response.json()["event_type"] == "ping"
    assert WebhookDelivery.objects.get().status == "succeeded"
    (request,) = receiver.requests
    assert request.path == "/one"
    assert request.json["type"] == "ping" and request.json["data"] == {"webhook_id": created["id"]}
    assert documented_verifier()(secret, request.body, request.headers["souk-signature"])


def test_deliveries_are_listed_newest_first_and_paginated(shop, api, other_api, receiver, emit):
    created = register(api, receiver.endpoint_url())
    receiver.fail_next(status=500, body=b"nope")
    ids = [emit(shop, data={"n": n}) for n in range(3)]
    url = f"/api/v1/webhooks/{created['id']}/deliveries/"

    page = api.get(url, {"page_size": 2}).json()

    assert [item["event_id"] for item in page["results"]] == [ids[2], ids[1]]
    rest = api.get(page["next"]).json()
    assert [item["event_id"] for item in rest["results"]] == [ids[0]]
    oldest = rest["results"][0]
    assert (oldest["status"], oldest["last_status_code"], oldest["response_body"]) == (
        "pending",
        500,
        "nope",
    )
    assert oldest["payload"]["data"] == {"n": 0}
    assert oldest["attempt_log"][0]["status_code"] == 500
    assert other_api.get(url).status_code == 404


# -- emitters --------------------------------------------------------------------------------------
def test_conversation_hand_off_emits_once(shop, api, receiver, django_capture_on_commit_callbacks):
    register(api, receiver.endpoint_url(), ["conversation.handoff"])
    account = ChannelAccount.objects.create(
        shop=shop, kind="telegram", external_id="777", credentials={"token": "777:abc"}
    )
    customer = Customer.objects.create(shop=shop, name="Léa")
    identity = CustomerIdentity.objects.create(
        shop=shop, customer=customer, channel=account, external_id="42"
    )
    conversation = Conversation.objects.create(
        shop=shop, customer=customer, identity=identity, channel=account
    )

    with django_capture_on_commit_callbacks(execute=True):
        conversation_hand_off(conversation=conversation)
        conversation_hand_off(conversation=conversation)  # already with a person: no event

    (request,) = receiver.requests
    assert request.json["type"] == "conversation.handoff"
    assert request.json["data"] == {
        "conversation_id": conversation.pk,
        "customer_id": customer.pk,
        "channel": "telegram",
        "handed_off_at": conversation.handed_off_at.isoformat(),
    }
