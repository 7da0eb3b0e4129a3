"""Settings → Webhooks: endpoints (signing secret shown once), the delivery log, test events;
owners only. Receivers are real local HTTP servers (SOUK_WEBHOOKS_ALLOW_LOCAL in tests)."""

import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shops.models import WebhookDelivery, WebhookEndpoint
from shops.webhooks import services
from tests.fakes.receiver import FakeReceiver

pytestmark = pytest.mark.django_db

LIST = reverse("dashboard:webhook_list")
CREATE = reverse("dashboard:webhook_create")
SECRET = re.compile(r"whsec_[\w-]{40,}")


def url(name: str, endpoint, **extra) -> str:
    return reverse(f"dashboard:{name}", kwargs={"endpoint_id": endpoint.pk, **extra})


@pytest.fixture
def receiver(settings):
    settings.SOUK_WEBHOOK_TIMEOUT_SECONDS = 2
    with FakeReceiver() as fake:
        yield fake


@pytest.fixture
def endpoint(shop):
    created, _secret = services.webhook_endpoint_create(
        shop=shop, url="https://hooks.example.com/souk", events=["order.paid"]
    )
    return created


def delivery_for(endpoint, **fields) -> WebhookDelivery:
    event_id = uuid.uuid4()
    defaults = {
        "event_type": "order.paid",
        "payload": {"id": str(event_id), "type": "order.paid", "data": {"number": 1042}},
    }
    return WebhookDelivery.objects.create(
        shop=endpoint.shop, endpoint=endpoint, event_id=event_id, **(defaults | fields)
    )


def field_errors(html: str, name: str) -> str:
    """The text of the form field block holding input `name`."""
    match = re.search(
        r'<(div|fieldset) class="field has-error">(?:(?!</\1>).)*?name="' + name + r'".*?</\1>',
        html,
        re.S,
    )
    assert match, f"no error beside {name}"
    return match.group(0)


# -- creating ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("https://10.0.0.5/hook", "public address"),
        ("https://169.254.169.254/latest", "public address"),
        ("https://192.168.1.20/souk", "public address"),
    ],
)
def test_a_private_address_is_refused_beside_the_url(owner_client, shop, address, message):
    response = owner_client.post(
        CREATE, {"url": address, "events": ["order.paid"], "description": "ERP"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert message in field_errors(html, "url")
    assert f'value="{address}"' in html  # what was typed is kept
    assert re.search(r'value="order.paid"[^>]*checked', html)
    assert not WebhookEndpoint.objects.filter(shop=shop).exists()


def test_localhost_is_refused_where_local_receivers_are_not_allowed(owner_client, settings):
    settings.SOUK_WEBHOOKS_ALLOW_LOCAL = False
    response = owner_client.post(
        CREATE, {"url": "http://localhost:8000/hook", "events": ["order.paid"]}
    )
    assert "public address" in field_errors(response.content.decode(), "url")
    assert not WebhookEndpoint.objects.exists()


def test_at_least_one_event_is_needed(owner_client):
    response = owner_client.post(CREATE, {"url": "https://hooks.example.com/souk"})

    assert "Subscribe to at least one event type." in field_errors(
        response.content.decode(), "events"
    )
    assert not WebhookEndpoint.objects.exists()


def test_the_signing_secret_is_shown_once(owner_client, shop, receiver):
    response = owner_client.post(
        CREATE,
        {
            "url": receiver.endpoint_url(),
            "events": ["order.paid", "conversation.handoff"],
            "description": "Stock sync",
        },
    )

    endpoint = WebhookEndpoint.objects.get(shop=shop)
    assert response.status_code == 302 and response["Location"] == url("webhook_detail", endpoint)
    assert endpoint.events == ["order.paid", "conversation.handoff"]
    assert endpoint.description == "Stock sync"
    page = owner_client.get(response["Location"])
    [secret] = SECRET.findall(page.content.decode())
    assert secret == endpoint.secret
    assert "no-store" in page["Cache-Control"]
    again = owner_client.get(response["Location"]).content.decode()
    assert secret not in again and "Shown once, when the endpoint was added." in again
    assert secret not in owner_client.get(LIST).content.decode()


def test_the_list_shows_endpoints_and_their_state(owner_client, shop, endpoint):
    services.webhook_endpoint_update(endpoint=endpoint, is_active=False)

    html = owner_client.get(LIST).content.decode()

    assert "https://hooks.example.com/souk" in html and "order.paid" in html
    assert "Disabled" in html
    assert url("webhook_detail", endpoint) in html


# -- changing ------------------------------------------------------------------------------------
def test_edit_changes_events_and_disables(owner_client, endpoint):
    page = owner_client.get(url("webhook_edit", endpoint)).content.decode()
    assert 'value="https://hooks.example.com/souk"' in page

    response = owner_client.post(
        url("webhook_edit", endpoint),
        {
            "url": "https://hooks.example.com/v2",
            "events": ["order.created", "order.cancelled"],
            "description": "v2",
        },
    )

    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.url == "https://hooks.example.com/v2"
    assert endpoint.events == ["order.created", "order.cancelled"]
    assert endpoint.is_active is False  # the box was left unticked


def test_a_bad_edit_changes_nothing(owner_client, endpoint):
    response = owner_client.post(
        url("webhook_edit", endpoint),
        {"url": "https://10.1.2.3/x", "events": ["order.paid"], "is_active": "on"},
    )

    assert "public address" in field_errors(response.content.decode(), "url")
    endpoint.refresh_from_db()
    assert endpoint.url == "https://hooks.example.com/souk"


def test_disable_then_enable(owner_client, endpoint):
    owner_client.post(url("webhook_toggle", endpoint), {"is_active": "0"})
    endpoint.refresh_from_db()
    assert endpoint.is_active is False
    assert "Enable" in owner_client.get(url("webhook_detail", endpoint)).content.decode()

    owner_client.post(url("webhook_toggle", endpoint), {"is_active": "1"})
    endpoint.refresh_from_db()
    assert endpoint.is_active is True


def test_delete_asks_first_then_removes_the_endpoint_and_its_log(owner_client, endpoint, caplog):
    delivery_for(endpoint)
    page = owner_client.get(url("webhook_detail", endpoint)).content.decode()
    assert re.search(
        r'action="' + re.escape(url("webhook_delete", endpoint)) + r'" data-confirm="Delete this '
        r"endpoint and its delivery log\? Souk stops sending events",
        page,
    )
    assert owner_client.get(url("webhook_delete", endpoint)).status_code == 405

    with caplog.at_level("INFO", logger="shops.webhooks.services"):
        response = owner_client.post(url("webhook_delete", endpoint))

    assert response.status_code == 302 and response["Location"] == LIST
    assert not WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
    assert not WebhookDelivery.objects.exists()
    assert f"webhook endpoint {endpoint.pk}" in caplog.text
    assert f"user {owner_client.user.pk}" in caplog.text


# -- the test event and the delivery log ---------------------------------------------------------
def test_send_test_event_delivers_a_ping_shown_in_the_log(
    owner_client, shop, receiver, django_capture_on_commit_callbacks
):
    created, _ = services.webhook_endpoint_create(
        shop=shop, url=receiver.endpoint_url(), events=["order.paid"]
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(url("webhook_test", created))
    assert response["Location"] == url("webhook_detail", created)
    response = owner_client.get(response["Location"])

    [request] = receiver.requests
    assert request.json["type"] == "ping" and request.json["data"] == {"webhook_id": created.pk}
    delivery = WebhookDelivery.objects.get(endpoint=created)
    assert delivery.status == "succeeded" and delivery.last_status_code == 200
    html = response.content.decode()
    assert "Test event sent" in html
    assert url("webhook_delivery", created, delivery_id=delivery.pk) in html
    assert "ping" in html and "Succeeded" in html and str(delivery.event_id) in html


def test_a_failed_delivery_shows_its_status_and_attempts(owner_client, endpoint):
    delivery_for(endpoint, status="failed", attempts=8, last_status_code=503, duration_ms=120)

    html = owner_client.get(url("webhook_detail", endpoint)).content.decode()

    assert '<span class="badge badge-bad">Failed</span>' in html
    assert ">503<" in html and "120 ms" in html and ">8<" in html


def test_the_delivery_page_escapes_what_the_receiver_answered(owner_client, endpoint):
    hostile = "<script>alert('pwned')</script><img src=x onerror=alert(1)>"
    delivery = delivery_for(
        endpoint,
        status="failed",
        attempts=1,
        last_status_code=500,
        response_body=hostile,
        error=f"HTTP 500: {hostile}",
        payload={"type": "order.paid", "data": {"note": hostile}},
        attempt_log=[
            {
                "attempt": 1,
                "at": "2026-01-05T10:00:00+00:00",
                "status_code": 500,
                "duration_ms": 35,
                "error": "HTTP 500: a 2xx answer is expected.",
                "response_body": hostile,
            }
        ],
    )

    response = owner_client.get(url("webhook_delivery", endpoint, delivery_id=delivery.pk))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;" in html
    assert "5 Jan 2026" in html and "35 ms" in html
    assert "&quot;note&quot;: &quot;&lt;script&gt;alert(&#x27;pwned&#x27;)" in html  # payload


# -- access --------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["manager", "agent"])
def test_only_owners_manage_webhooks(dashboard_client, endpoint, role):
    client = dashboard_client(role)
    delivery = delivery_for(endpoint)

    for path in (
        LIST,
        CREATE,
        url("webhook_detail", endpoint),
        url("webhook_edit", endpoint),
        url("webhook_delivery", endpoint, delivery_id=delivery.pk),
    ):
        assert client.get(path).status_code == 403, path
    assert (
        client.post(CREATE, {"url": "https://a.example.com", "events": ["order.paid"]}).status_code
        == 403
    )
    assert client.post(url("webhook_delete", endpoint)).status_code == 403
    assert client.post(url("webhook_test", endpoint)).status_code == 403
    assert client.post(url("webhook_toggle", endpoint), {"is_active": "0"}).status_code == 403
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).exists()
    assert WebhookEndpoint.objects.count() == 1 and WebhookDelivery.objects.count() == 1


def test_another_shops_endpoint_and_delivery_are_not_found(owner_client, other_shop, endpoint):
    theirs, _ = services.webhook_endpoint_create(
        shop=other_shop, url="https://other.example.com/hook", events=["order.paid"]
    )
    their_delivery = delivery_for(theirs)

    for name in ("webhook_detail", "webhook_edit"):
        assert owner_client.get(url(name, theirs)).status_code == 404
    for name in ("webhook_edit", "webhook_toggle", "webhook_delete", "webhook_test"):
        assert owner_client.post(url(name, theirs), {"is_active": "0"}).status_code == 404
    # Their delivery, under their endpoint or under mine.
    assert (
        owner_client.get(url("webhook_delivery", theirs, delivery_id=their_delivery.pk)).status_code
        == 404
    )
    assert (
        owner_client.get(
            url("webhook_delivery", endpoint, delivery_id=their_delivery.pk)
        ).status_code
        == 404
    )
    theirs.refresh_from_db()
    assert theirs.is_active and WebhookDelivery.objects.filter(endpoint=theirs).count() == 1
    assert "other.example.com" not in owner_client.get(LIST).content.decode()


def test_a_delivery_is_only_found_under_its_own_endpoint(owner_client, shop, endpoint):
    second, _ = services.webhook_endpoint_create(
        shop=shop, url="https://second.example.com/hook", events=["order.paid"]
    )
    delivery = delivery_for(endpoint)

    assert (
        owner_client.get(url("webhook_delivery", second, delivery_id=delivery.pk)).status_code
        == 404
    )
    assert (
        owner_client.get(url("webhook_delivery", endpoint, delivery_id=delivery.pk)).status_code
        == 200
    )


# -- query counts ---------------------------------------------------------------------------------
def queries_of(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_the_endpoint_list_stays_flat(owner_client, shop, django_assert_max_num_queries):
    services.webhook_endpoint_create(
        shop=shop, url="https://a.example.com/0", events=["order.paid"]
    )
    few = queries_of(owner_client, LIST)
    for n in range(1, 19):
        services.webhook_endpoint_create(
            shop=shop, url=f"https://a.example.com/{n}", events=["order.paid"]
        )

    with django_assert_max_num_queries(14):
        owner_client.get(LIST)
    assert queries_of(owner_client, LIST) == few


def test_the_delivery_log_is_paginated_with_flat_queries(
    owner_client, endpoint, django_assert_max_num_queries
):
    delivery_for(endpoint)
    detail = url("webhook_detail", endpoint)
    few = queries_of(owner_client, detail)
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            shop=endpoint.shop,
            endpoint=endpoint,
            event_id=uuid.uuid4(),
            event_type="order.paid",
            payload={"n": n},
            attempts=1,
        )
        for n in range(60)
    )

    with django_assert_max_num_queries(14):
        page = owner_client.get(detail)
    assert queries_of(owner_client, detail) == few
    html = page.content.decode()
    assert html.count('href="' + detail + "deliveries/") == 25
    assert "Page 1 of 3" in html
    assert (
        owner_client.get(detail + "?page=3")
        .content.decode()
        .count('href="' + detail + "deliveries/")
        == 11
    )
