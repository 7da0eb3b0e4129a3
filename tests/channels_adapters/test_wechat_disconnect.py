"""Disconnecting a WeChat Official Account removes the custom menu Souk set on connect (WeChat's
`GET /cgi-bin/menu/delete`), so the account's followers no longer tap buttons nobody answers; a
WeChat refusal does not keep the account in Souk."""

import pytest

from channels_adapters import setup
from channels_adapters.models import ChannelAccount
from shops.models import Role
from tests.dashboard.conftest import member, signed_in
from tests.fakes.wechat import FakeWeChat

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake_wechat(settings):
    with FakeWeChat() as fake:
        settings.WECHAT_API_URL = fake.url
        yield fake


@pytest.fixture
def account(shop, fake_wechat):
    credentials = {
        "app_id": fake_wechat.app_id,
        "app_secret": fake_wechat.app_secret,
        "token": fake_wechat.token,
        "encoding_aes_key": fake_wechat.encoding_aes_key,
    }
    connected = setup.channel_connect(shop=shop, kind="wechat", credentials=credentials)
    assert fake_wechat.menu is not None  # set on connect
    return connected


def test_disconnecting_removes_the_accounts_menu_on_wechat(shop, account, fake_wechat):
    assert setup.channel_disconnect(account=account) is True

    delete = fake_wechat.last("menu_delete")
    assert (delete.method, delete.status) == ("GET", 200)
    assert delete.query["access_token"] == fake_wechat.current_token
    assert fake_wechat.menu is None
    assert not ChannelAccount.objects.filter(pk=account.pk).exists()


def test_the_brand_disconnecting_from_the_dashboard_reads_no_warning(shop, account, fake_wechat):
    client = signed_in(member(shop, Role.MANAGER))

    page = client.post(f"/dashboard/channels/{account.pk}/disconnect/", follow=True)

    assert "is disconnected" in page.content.decode()
    assert "refused to remove" not in page.content.decode()
    assert fake_wechat.menu is None


def test_a_stale_token_is_replaced_once_to_remove_the_menu(shop, account, fake_wechat):
    fake_wechat.current_token = "voided-by-another-system"

    setup.channel_disconnect(account=account)

    assert [r.status for r in fake_wechat.requests_for("menu_delete")] == [200, 200]
    assert fake_wechat.menu is None


def test_a_wechat_refusal_still_removes_the_account(shop, account, fake_wechat, caplog):
    fake_wechat.fail_next(
        "menu_delete", status=200, json={"errcode": 48001, "errmsg": "api unauthorized"}
    )
    client = signed_in(member(shop, Role.MANAGER))

    response = client.post(f"/dashboard/channels/{account.pk}/disconnect/", follow=True)

    # The brand reads that the account is disconnected (Souk no longer answers there) and that
    # WeChat kept the menu, theirs to remove in WeChat's settings; the failure is logged.
    page = response.content.decode()
    assert "is disconnected" in page
    assert "WeChat refused to remove what Souk had set on the account" in page
    assert not ChannelAccount.objects.filter(pk=account.pk).exists()
    assert fake_wechat.menu is not None
    assert "disconnecting channel" in caplog.text
    assert fake_wechat.app_secret not in caplog.text
