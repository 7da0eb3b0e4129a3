"""The analytics page as a person meets it: who may open it, the periods, the CSV exports,
the chart's assets and data block, and a query count that stays flat as the shop grows."""

import csv
import io
import re

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import FunnelStep
from shops.models import Role
from tests.dashboard.analytics_helpers import (
    ago,
    conversation,
    earlier_today,
    message,
    order,
    step,
)
from tests.dashboard.conftest import member

pytestmark = pytest.mark.django_db

PAGE = "/dashboard/analytics/"


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


@pytest.mark.parametrize("role", [Role.AGENT, Role.MANAGER, Role.OWNER])
def test_every_role_may_read_the_analytics(dashboard_client, role):
    client = dashboard_client(role)
    for path in (PAGE, PAGE + "orders.csv", PAGE + "funnel.csv"):
        assert client.get(path).status_code == 200, path


def test_signed_out_people_are_sent_to_sign_in(client):
    for path in (PAGE, PAGE + "orders.csv", PAGE + "funnel.csv"):
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_page_is_read_only(owner_client):
    assert owner_client.post(PAGE).status_code == 405


def test_the_navigation_and_the_overview_link_to_it(agent_client):
    html = agent_client.get("/dashboard/").content.decode()
    assert f'href="{PAGE}"' in html and ">Analytics</a>" in html


def test_periods_are_links_and_an_unknown_one_is_the_last_7_days(owner_client):
    html = owner_client.get(PAGE + "?period=30d").content.decode()
    assert '<a href="?period=30d" aria-current="page">Last 30 days</a>' in html

    html = owner_client.get(PAGE + "?period=everything").content.decode()
    assert '<a href="?period=7d" aria-current="page">Last 7 days</a>' in html

    html = owner_client.get(PAGE + "?period=today").content.decode()
    assert '<th scope="col">Hour</th>' in html and '<th scope="row">00:00</th>' in html


def test_chart_data_is_a_json_block_and_chart_js_comes_from_static(owner_client, shop):
    order(shop, conversation(shop), 1234, paid_at=ago(hours=1))

    response = owner_client.get(PAGE)
    html = response.content.decode()

    assert '<script id="analytics-data" type="application/json">' in html
    assert '"revenue": [' in html and '"currency": "EUR"' in html
    assert '<script src="/static/vendor/chart.js/chart.umd.min.js" defer></script>' in html
    assert '<script src="/static/dashboard/analytics.js" defer></script>' in html
    # Every script is ours, from /static/, none from a CDN (the page's random CSRF token may
    # contain any letters, so the test looks at the scripts, not at the whole page).
    scripts = re.findall(r'<script src="([^"]*)"', html)
    assert scripts and all(src.startswith("/static/") for src in scripts)
    assert "<style" not in html and ' style="' not in html
    assert finders.find("vendor/chart.js/chart.umd.min.js"), "run `make install` (npm ci)"
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_every_chart_has_a_table_with_its_numbers(owner_client, shop):
    chat = conversation(shop, "webchat")
    step(chat, FunnelStep.PRODUCT_VIEWED, earlier_today(shop, hours=1))
    order(shop, chat, 4990, paid_at=earlier_today(shop, hours=1))

    html = owner_client.get(PAGE + "?period=today").content.decode()

    for chart in ("series", "funnel", "attribution"):
        assert f'data-chart="{chart}" hidden>' in html
        assert f'id="chart-{chart}" role="img"' in html
    assert html.count("<table") == 4  # over time, funnel, and attribution twice
    assert "49,90\xa0€" in html


def test_the_orders_csv_lists_the_periods_orders_with_who_gets_the_sale(owner_client, shop):
    agent = member(shop, Role.AGENT)
    helped = conversation(shop, "whatsapp", name="Léa Martin")
    message(helped, ago(days=3), author=agent)
    order(shop, helped, 12990, paid_at=ago(days=2), refunded=990, contact_name="Léa Martin")
    hostile = conversation(shop, "telegram", name='=HYPERLINK("http://x")')
    order(shop, hostile, 500, paid_at=None, placed=ago(days=1))
    order(shop, helped, 100, paid_at=ago(days=40))  # placed before the period

    response = owner_client.get(PAGE + "orders.csv?period=7d")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="maison-rouge-orders-7d.csv"' in response["Content-Disposition"]
    header, *rows = csv_rows(response)
    assert header[:5] == ["number", "placed_at", "paid_at", "channel", "customer"]
    assert len(rows) == 2
    first = dict(zip(header, rows[0], strict=True))
    assert first["channel"] == "WhatsApp" and first["customer"] == "Léa Martin"
    assert (first["total"], first["refunded"], first["net"]) == ("129,90", "9,90", "120,00")
    assert first["payment_status"] == "Partially refunded"
    assert first["attributed_to"] == agent.email
    second = dict(zip(header, rows[1], strict=True))
    assert second["customer"] == '\'=HYPERLINK("http://x")'  # never run as a formula
    assert second["paid_at"] == "" and second["attributed_to"] == ""


def test_the_funnel_csv_has_a_row_per_channel_and_step(owner_client, shop):
    for n in range(2):
        chat = conversation(shop, "sms")
        if n:
            step(chat, FunnelStep.PRODUCT_VIEWED, earlier_today(shop, hours=1))

    response = owner_client.get(PAGE + "funnel.csv?period=today")

    header, *rows = csv_rows(response)
    assert header == ["channel", "step", "conversations", "share_of_previous_step", "drop"]
    assert rows[:3] == [
        ["SMS", "Conversations", "2", "", ""],
        ["SMS", "Product viewed", "1", "50,0", "50,0"],
        ["SMS", "Added to cart", "0", "0,0", "100,0"],
    ]
    assert len(rows) == 5


def test_exports_hold_the_current_shops_rows_only(owner_client, shop, other_shop):
    order(other_shop, conversation(other_shop), 7777, paid_at=ago(hours=1))
    conversation(other_shop, "sms")

    assert csv_rows(owner_client.get(PAGE + "orders.csv"))[1:] == []
    assert csv_rows(owner_client.get(PAGE + "funnel.csv"))[1:] == []
    assert "77,77" not in owner_client.get(PAGE).content.decode()


def _grow(shop, n: int) -> None:
    agent = member(shop, Role.AGENT, email=f"agent-{n}@example.com")
    for index in range(n):
        kind = ("telegram", "webchat", "messenger")[index % 3]
        chat = conversation(shop, kind, started=ago(days=index % 12))
        step(chat, FunnelStep.PRODUCT_VIEWED, ago(days=index % 12))
        step(chat, FunnelStep.HANDED_OFF, ago(days=index % 12, hours=1))
        message(chat, ago(days=index % 12), author=agent if index % 2 else None)
        order(shop, chat, 1000 + index, paid_at=ago(days=index % 12))


@pytest.mark.parametrize("period", ["today", "7d", "30d"])
def test_the_query_count_stays_flat_as_the_shop_grows(owner_client, shop, period):
    _grow(shop, 3)
    owner_client.get(PAGE)  # sessions and such warmed up
    with CaptureQueriesContext(connection) as small:
        assert owner_client.get(f"{PAGE}?period={period}").status_code == 200
    _grow(shop, 15)
    with CaptureQueriesContext(connection) as large:
        assert owner_client.get(f"{PAGE}?period={period}").status_code == 200

    assert len(large) == len(small)
    assert len(small) < 15, [q["sql"][:120] for q in small]
