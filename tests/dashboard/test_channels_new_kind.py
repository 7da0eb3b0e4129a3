"""The dashboard's Channels page offers every registered channel's connect form, built from
what its adapter declares: a channel these tests invent ("fax", one registry line) gets its
link, its steps, its fields (secrets as password inputs) and its errors beside them."""

import pytest

from channels_adapters.models import ChannelAccount
from tests.channels_adapters.fax_channel import fax_registered  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_dashboard_offers_the_channels_form_and_connects_it(manager_client, shop):
    listing = manager_client.get("/dashboard/channels/").content.decode()
    assert 'href="/dashboard/channels/connect/fax/"' in listing
    assert "Connect a fax line" in listing

    page = manager_client.get("/dashboard/channels/connect/fax/").content.decode()
    assert "Copy the API key." in page
    assert 'name="external_id"' in page
    assert 'type="password" name="api_key"' in page

    refused = manager_client.post(
        "/dashboard/channels/connect/fax/", {"external_id": "12", "api_key": "bad"}
    )
    assert refused.status_code == 200
    assert "refused the key" in refused.content.decode()
    assert 'value="bad"' not in refused.content.decode()  # a secret is never rendered back

    done = manager_client.post(
        "/dashboard/channels/connect/fax/", {"external_id": "12", "api_key": "good-key"}
    )
    assert done.status_code == 302
    account = ChannelAccount.objects.get(shop=shop, kind="fax")
    assert account.credentials == {"api_key": "good-key"}
    shown = manager_client.get("/dashboard/channels/").content.decode()
    assert "Fax · Fax 12" in shown
    assert f"https://souk.example.com/webhooks/fax/{account.pk}/" in shown
