"""Channel accounts and webhook routes cached in process (channels_adapters/account_cache.py,
on shops/process_cache.py):
a change made through the dashboard or the API is seen at once, another process's change
within VERSION_CHECK seconds, a change that bypassed the ORM within MAX_AGE, and webhooks
keep working when the shared cache is down."""

import pytest
from django.core.cache import cache

from channels_adapters import account_cache
from channels_adapters.models import ChannelAccount, InboundEvent, OutboundMessage
from shops import process_cache
from shops.models import Shop
from tests.fakes.conftest_plugin import fake_telegram  # noqa: F401
from tests.test_end_to_end import deliver, telegram_shop, update  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(process_cache, "_clock", fake)
    return fake


def greeting(fake) -> str:
    return fake.requests_for("sendMessage")[-1].params["text"]


def test_a_channel_disabled_in_the_dashboard_gets_no_more_events_at_once(
    client,
    telegram_shop,  # noqa: F811
    fake_telegram,  # noqa: F811
):
    assert deliver(client, telegram_shop, fake_telegram, update(1, text="Bonjour")).status_code
    account = ChannelAccount.objects.get(pk=telegram_shop["id"])
    account.status = "disabled"
    account.save(update_fields=["status"])

    response = deliver(client, telegram_shop, fake_telegram, update(2, text="Encore"))

    assert response.status_code == 200  # acknowledged, so Telegram stops retrying
    assert list(InboundEvent.objects.values_list("event_id", flat=True)) == ["1"]


def test_a_renamed_shop_greets_with_its_new_name_at_once(
    client,
    telegram_shop,  # noqa: F811
    fake_telegram,  # noqa: F811
):
    deliver(client, telegram_shop, fake_telegram, update(1, text="Bonjour"))
    assert "Maison Rouge" in greeting(fake_telegram)
    shop = Shop.objects.get()
    shop.name = "Maison Bleue"
    shop.save()

    deliver(client, telegram_shop, fake_telegram, update(2, text="Bonjour"))

    assert "Maison Bleue" in greeting(fake_telegram)


def test_another_process_change_is_seen_within_the_version_check(shop, clock):
    account = ChannelAccount.objects.create(shop=shop, kind="telegram", external_id="77")
    assert account_cache.channel_account(account.pk).name == ""
    # Another process renames it: the database changes, no signal here; its commit bumps
    # the shared version.
    ChannelAccount.objects.filter(pk=account.pk).update(name="@new_bot")
    cache.set(account_cache._cache.version_key, "bumped by another process", timeout=None)

    clock.now += process_cache.VERSION_CHECK / 2
    assert account_cache.channel_account(account.pk).name == ""  # not checked again yet
    clock.now += process_cache.VERSION_CHECK
    assert account_cache.channel_account(account.pk).name == "@new_bot"


def test_a_change_that_bypassed_the_orm_is_seen_within_max_age(shop, clock):
    account = ChannelAccount.objects.create(shop=shop, kind="telegram", external_id="78")
    assert account_cache.channel_account(account.pk).status == "active"
    ChannelAccount.objects.filter(pk=account.pk).update(status="disabled")  # no signal, no bump

    clock.now += process_cache.MAX_AGE - 1
    assert account_cache.channel_account(account.pk).status == "active"
    clock.now += 2
    assert account_cache.channel_account(account.pk).status == "disabled"


def test_a_new_channel_is_found_though_its_id_was_looked_up_before(shop, clock):
    assert account_cache.channel_account(999_999) is None
    account = ChannelAccount.objects.create(shop=shop, kind="telegram", external_id="79")
    ChannelAccount.objects.filter(pk=account.pk).update(id=999_999)
    # A save through the ORM (here of the shop) clears what this process cached.
    shop.save()
    assert account_cache.channel_account(999_999).external_id == "79"


def test_callers_get_their_own_copy(shop):
    account = ChannelAccount.objects.create(shop=shop, kind="telegram", external_id="80")
    first = account_cache.channel_account(account.pk)
    first.name = "changed by a caller"
    first.shop.name = "changed too"

    again = account_cache.channel_account(account.pk)
    assert (again.name, again.shop.name) == ("", "Maison Rouge")


def test_webhooks_are_stored_and_answered_while_the_shared_cache_is_down(
    client,
    telegram_shop,  # noqa: F811
    fake_telegram,  # noqa: F811
    monkeypatch,
):
    def down(*args, **kwargs):
        raise ConnectionError("cache unreachable")

    process_cache.clear_process_caches()
    for method in ("get", "add", "set", "delete", "touch", "get_many"):
        monkeypatch.setattr(process_cache.cache, method, down)

    response = deliver(client, telegram_shop, fake_telegram, update(1, text="Bonjour"))

    # Routed, stored and answered from the database; the reply waits in the queue for the
    # cache (the send lock), as it did before channels were cached.
    assert response.status_code == 200
    assert InboundEvent.objects.get().processed_at is not None
    reply = OutboundMessage.objects.get()
    assert "Maison Rouge" in reply.message["text"]
