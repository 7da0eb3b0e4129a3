"""A new channel is its adapter and one registry line: a channel these tests invent ("fax",
declared only in the registry) connects and disconnects through the API with no other change,
its adapter's rules deciding what is accepted, and its platform's refusal leaving nothing
behind (the dashboard's side: tests/dashboard/test_channels_new_kind.py)."""

import pytest

from channels_adapters.models import ChannelAccount
from payments.pay_page import back_to_chat_url
from tests.channels_adapters.fax_channel import calls, fax_registered  # noqa: F401

pytestmark = pytest.mark.django_db


def connect(api, **body):
    return api.post("/api/v1/channels/", body, format="json")


def test_the_api_connects_lists_and_disconnects_a_registered_channel(api, shop):
    created = connect(
        api, kind="fax", external_id="3315550001", credentials={"api_key": "good-key"}
    )

    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["kind"] == "fax"
    assert body["name"] == "Fax 3315550001"
    assert body["webhook_url"] == f"https://souk.example.com/webhooks/fax/{body['id']}/"
    assert "good-key" not in created.content.decode()
    assert calls == [("setup", "3315550001", body["webhook_url"], shop.name)]
    assert ChannelAccount.objects.get(pk=body["id"]).credentials == {"api_key": "good-key"}
    listed = api.get("/api/v1/channels/?kind=fax").json()["results"]
    assert [channel["id"] for channel in listed] == [body["id"]]

    assert api.delete(f"/api/v1/channels/{body['id']}/").status_code == 204
    assert calls[-1] == ("disconnect", "3315550001", "good-key")
    assert not ChannelAccount.objects.filter(kind="fax").exists()


def test_the_adapters_rules_answer_400_naming_the_field_and_store_nothing(api):
    refused = connect(api, kind="fax", external_id="3315550001", credentials={"api_key": "bad"})
    malformed = connect(api, kind="fax", external_id="call me", credentials={"api_key": "x"})

    assert refused.status_code == 400
    assert refused.json()["fields"]["credentials"] == [
        "The fax provider refused the key: unknown key"
    ]
    assert malformed.status_code == 400
    assert "external_id" in malformed.json()["fields"]
    assert not ChannelAccount.objects.filter(kind="fax").exists()
    assert calls == []


def test_a_failed_platform_setup_removes_the_account_again(api):
    response = connect(api, kind="fax", external_id="999", credentials={"api_key": "good-key"})

    assert response.status_code == 400
    assert "refused the webhook" in response.json()["fields"]["credentials"][0]
    assert not ChannelAccount.objects.filter(kind="fax").exists()


def test_the_pay_page_links_back_to_the_chat_as_the_adapter_writes_it(shop):
    account = ChannelAccount.objects.create(shop=shop, kind="fax", external_id="3315550001")

    assert back_to_chat_url(account) == "fax:3315550001"
