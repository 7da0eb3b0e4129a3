import pytest

from channels_adapters.models import ChannelAccount
from channels_adapters.signatures import secret_digest
from tests.fakes.conftest_plugin import fake_graph, fake_stripe, fake_telegram, fake_twilio  # noqa: F401

META_APP_SECRET = "fuzz-meta-app-secret"
TELEGRAM_SECRET = "fuzz-telegram-secret"
PUBLIC_URL = "https://souk.example.com"


@pytest.fixture(autouse=True)
def _public_url(settings):
    settings.SOUK_PUBLIC_URL = PUBLIC_URL
    settings.META_APP_SECRET = META_APP_SECRET


@pytest.fixture
def telegram_bot(shop, settings, fake_telegram):  # noqa: F811
    settings.TELEGRAM_API_URL = fake_telegram.url
    return ChannelAccount.objects.create(
        shop=shop,
        kind="telegram",
        external_id="777",
        credentials={"token": fake_telegram.token},
        webhook_secret_digest=secret_digest(TELEGRAM_SECRET),
    )


@pytest.fixture
def messenger_page(shop, settings, fake_graph):  # noqa: F811
    settings.META_GRAPH_URL = fake_graph.url
    return ChannelAccount.objects.create(
        shop=shop,
        kind="messenger",
        external_id=fake_graph.page_id,
        credentials={"access_token": fake_graph.access_token},
    )


@pytest.fixture
def whatsapp_number(shop, settings, fake_graph):  # noqa: F811
    settings.META_GRAPH_URL = fake_graph.url
    return ChannelAccount.objects.create(
        shop=shop,
        kind="whatsapp",
        external_id=fake_graph.phone_number_id,
        credentials={"access_token": fake_graph.access_token},
    )


@pytest.fixture
def sms_number(shop, settings, fake_twilio):  # noqa: F811
    settings.TWILIO_API_URL = fake_twilio.url
    return ChannelAccount.objects.create(
        shop=shop,
        kind="sms",
        external_id="+15550001111",
        credentials={"account_sid": fake_twilio.account_sid, "auth_token": fake_twilio.auth_token},
    )
