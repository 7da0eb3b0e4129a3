"""Channel kinds are declared once, in channels_adapters/registry.py: what the API accepts, what
it filters by and what its OpenAPI document promises all come from there, and the database
column holds no list of kinds (a new channel needs no migration)."""

import pytest
from django.core.management import call_command

from channels_adapters import registry
from channels_adapters.models import ChannelAccount

pytestmark = pytest.mark.django_db


def test_the_schema_enumerates_the_registered_kinds(api):
    document = api.get("/api/schema/?format=json").json()
    schemas = document["components"]["schemas"]

    def enum(name):
        kind = schemas[name]["properties"]["kind"]
        ref = kind.get("$ref") or kind["allOf"][0]["$ref"]
        return schemas[ref.rsplit("/", 1)[1]]["enum"]

    connectable = [c.kind for c in registry.CHANNELS if not c.built_in]
    assert sorted(enum("ChannelConnectRequest")) == sorted(connectable)
    assert sorted(enum("Channel")) == sorted(registry.kinds())
    listing = document["paths"]["/api/v1/channels/"]["get"]["parameters"]
    kind_filter = next(p for p in listing if p["name"] == "kind")
    assert sorted(kind_filter["schema"]["enum"]) == sorted(registry.kinds())
    assert registry.built_in_kinds() and not set(registry.built_in_kinds()) & set(connectable)


def test_listing_by_an_unknown_kind_is_a_400_naming_it(api, shop):
    response = api.get("/api/v1/channels/?kind=fax")

    assert response.status_code == 400
    assert "kind" in response.json()["fields"]


def test_listing_by_a_registered_kind_filters(api, shop):
    built_in = registry.built_in_kinds()[0]
    listed = api.get(f"/api/v1/channels/?kind={built_in}").json()["results"]
    assert [channel["kind"] for channel in listed] == [built_in]
    other = next(kind for kind in registry.kinds() if kind != built_in)
    assert api.get(f"/api/v1/channels/?kind={other}").json()["results"] == []


def test_the_kind_column_lists_no_kinds_and_the_migrations_are_complete():
    assert not ChannelAccount._meta.get_field("kind").choices
    assert max(len(kind) for kind in registry.kinds()) <= registry.KIND_MAX_LENGTH
    call_command("makemigrations", "channels_adapters", "--check", "--dry-run", verbosity=0)


def test_an_account_is_named_after_its_registered_label(shop):
    for channel in registry.CHANNELS:
        account = ChannelAccount(shop=shop, kind=channel.kind, external_id="42")
        assert str(account) == f"{channel.label} 42"
