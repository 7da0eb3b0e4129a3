"""Settings → Payments: the shop picks the test provider or Stripe and enters its own Stripe
keys once (checked with Stripe, stored encrypted, never shown back); its checkout and its
Stripe webhook then use them. Stripe is tests/fakes/stripe.py over real HTTP, holding the
shop's own account (the platform has no key here)."""

import pytest
from django.db import connection
from django.urls import reverse

from catalog.services import product_create
from conversations.models import Customer
from orders.checkout import checkout_complete, checkout_start, checkout_update
from orders.services import cart_add, cart_open
from orders.transitions import PaymentStatus
from payments import services
from payments.models import Payment, PaymentState, Provider, ProviderEvent, ShopPaymentSettings
from payments.providers.stripe import stripe_client_reset
from payments.stripe_events import payment_for_event
from tests.fakes.stripe import FakeStripe

pytestmark = pytest.mark.django_db

PAGE = reverse("dashboard:payment_settings")
REMOVE = reverse("dashboard:payment_stripe_remove")
SHOP_KEY = "sk_test_maisonrouge_51Hq0123456789abcdefWXYZ"
SHOP_WHSEC = "whsec_maisonrouge_0123456789abcdefghij"


@pytest.fixture
def stripe_account(settings):
    """The shop's own Stripe account; the platform has none (STRIPE_SECRET_KEY empty)."""
    with FakeStripe(secret_key=SHOP_KEY, webhook_secret=SHOP_WHSEC) as fake:
        settings.STRIPE_API_BASE = fake.url
        settings.STRIPE_SECRET_KEY = ""
        settings.STRIPE_WEBHOOK_SECRET = ""
        stripe_client_reset()
        yield fake
    stripe_client_reset()


def save(client, provider="stripe", key=SHOP_KEY, whsec=SHOP_WHSEC):
    return client.post(
        PAGE,
        {"provider": provider, "stripe_secret_key": key, "stripe_webhook_secret": whsec},
    )


def raw_columns(shop) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT stripe_secret_key, stripe_webhook_secret FROM payments_shoppaymentsettings "
            "WHERE shop_id = %s",
            [shop.pk],
        )
        return cursor.fetchone()


def place_order(shop):
    product = product_create(
        shop=shop,
        title="Robe portefeuille",
        variants=[{"sku": "ROBE-R-38", "name": "Rouge 38", "price": 4990, "stock": 5}],
    )
    customer = Customer.objects.create(shop=shop, name="Léa Martin")
    cart = cart_open(shop=shop, owner_key=str(customer.pk))
    cart_add(cart=cart, variant=product.variants.get(), quantity=1)
    checkout = checkout_start(cart=cart, customer=customer)
    checkout_update(checkout=checkout, contact_name="Léa Martin", contact_phone="+33612345678")
    return checkout_complete(checkout=checkout, require_details=False)


# -- the page ------------------------------------------------------------------------------------
def test_the_page_shows_the_provider_and_the_shops_webhook_url(owner_client, shop, settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.SOUK_PUBLIC_URL = "https://souk.example.com"

    html = owner_client.get(PAGE).content.decode()

    assert "Test provider" in html and "you have not chosen yet" in html
    assert f"https://souk.example.com/webhooks/stripe/{shop.pk}/" in html
    assert "checkout.session.completed" in html
    assert 'type="password"' in html


def test_a_stripe_key_is_checked_stored_encrypted_and_never_shown_back(
    owner_client, shop, stripe_account, caplog
):
    with caplog.at_level("DEBUG"):
        response = save(owner_client)

    assert response.status_code == 302 and response["Location"] == PAGE
    check = stripe_account.last("checkout.sessions.list")
    assert check.headers["authorization"] == f"Bearer {SHOP_KEY}"
    row = ShopPaymentSettings.objects.get(shop=shop)
    assert row.provider == Provider.STRIPE and row.updated_by == owner_client.user
    assert row.stripe_secret_key == SHOP_KEY and row.stripe_webhook_secret == SHOP_WHSEC
    assert row.stripe_key_hint == "sk_test_…WXYZ"
    assert row.stripe_webhook_secret_hint == "whsec_…ghij"
    key_column, whsec_column = raw_columns(shop)
    assert SHOP_KEY not in key_column and "sk_test" not in key_column
    assert SHOP_WHSEC not in whsec_column and "whsec_" not in whsec_column
    assert SHOP_KEY not in caplog.text and SHOP_WHSEC not in caplog.text

    html = owner_client.get(PAGE).content.decode()
    assert SHOP_KEY not in html and SHOP_WHSEC not in html
    assert "sk_test_…WXYZ" in html and "whsec_…ghij" in html and "Test mode" in html
    assert "Payment settings saved." in html
    assert services.default_provider(shop_id=shop.pk) == Provider.STRIPE


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("pk_test_51Hq0123456789abcdef", "not the publishable pk_ key"),
        ("sk_test_short", "starts with sk_live_, sk_test_, rk_live_ or rk_test_"),
        ("sk_test_0123456789 abcdef", "starts with sk_live_"),
        ("mot de passe", "starts with sk_live_"),
    ],
)
def test_a_malformed_key_is_refused_beside_the_field(
    owner_client, shop, stripe_account, key, message
):
    response = save(owner_client, key=key)

    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and 'class="field has-error"' in html
    assert key not in html  # a typed secret is not rendered back
    assert not ShopPaymentSettings.objects.filter(shop=shop).exists()
    assert not stripe_account.requests  # not even sent to Stripe


def test_a_key_stripe_refuses_is_refused_with_the_reason(owner_client, shop, stripe_account):
    wrong = "sk_live_revoked0123456789abcdefgh"

    response = save(owner_client, key=wrong)

    html = response.content.decode()
    assert "Stripe refused this key: Invalid API Key provided: sk_live_****efgh" in html
    assert wrong not in html
    assert not ShopPaymentSettings.objects.filter(shop=shop).exists()


def test_stripe_unreachable_stores_nothing(owner_client, shop, stripe_account):
    stripe_account.fail_next(
        "checkout.sessions.list",
        status=500,
        json={"error": {"type": "api_error", "message": "Something went wrong"}},
    )

    response = save(owner_client)

    assert "Stripe could not be reached to check this key" in response.content.decode()
    assert not ShopPaymentSettings.objects.filter(shop=shop).exists()


def test_a_bad_webhook_secret_is_refused_and_the_key_not_stored(owner_client, shop, stripe_account):
    response = save(owner_client, whsec="sk_test_notawebhooksecret")

    assert "starts with whsec_" in response.content.decode()
    assert not ShopPaymentSettings.objects.filter(shop=shop).exists()


def test_stripe_needs_a_key(owner_client, shop, stripe_account):
    response = save(owner_client, key="", whsec="")

    assert "Enter your Stripe secret key" in response.content.decode()
    assert not ShopPaymentSettings.objects.filter(shop=shop).exists()


def test_leaving_the_keys_blank_keeps_them(owner_client, shop, stripe_account):
    save(owner_client)
    checks = len(stripe_account.requests)

    response = save(owner_client, provider="test", key="", whsec="")

    assert response.status_code == 302
    row = ShopPaymentSettings.objects.get(shop=shop)
    assert row.provider == Provider.TEST
    assert row.stripe_secret_key == SHOP_KEY and row.stripe_webhook_secret == SHOP_WHSEC
    assert len(stripe_account.requests) == checks  # nothing new to check
    assert services.default_provider(shop_id=shop.pk) == Provider.TEST


def test_the_shops_choice_wins_over_the_platforms_key(shop, other_shop, owner_client, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_platform_0123456789"
    assert save(owner_client, provider="test", key="", whsec="").status_code == 302

    assert services.default_provider(shop_id=shop.pk) == Provider.TEST
    assert services.default_provider(shop_id=other_shop.pk) == Provider.STRIPE
    assert services.default_provider() == Provider.STRIPE


def test_removing_the_keys_asks_first_and_forgets_them(owner_client, shop, stripe_account):
    save(owner_client)
    html = owner_client.get(PAGE).content.decode()
    assert f'action="{REMOVE}" data-confirm="Remove your Stripe keys?' in html
    assert owner_client.get(REMOVE).status_code == 405

    response = owner_client.post(REMOVE)

    assert response.status_code == 302
    row = ShopPaymentSettings.objects.get(shop=shop)
    assert row.provider == Provider.TEST
    assert row.stripe_secret_key is None and row.stripe_webhook_secret is None
    assert row.stripe_key_hint == "" and row.stripe_webhook_secret_hint == ""
    html = owner_client.get(PAGE).content.decode()
    assert "sk_test_…WXYZ" not in html and "Remove Stripe keys" not in html


@pytest.mark.parametrize("role", ["manager", "agent"])
def test_only_owners_see_or_change_payment_settings(dashboard_client, shop, stripe_account, role):
    client = dashboard_client(role)

    assert client.get(PAGE).status_code == 403
    assert save(client).status_code == 403
    assert client.post(REMOVE).status_code == 403
    assert not ShopPaymentSettings.objects.exists()
    assert not stripe_account.requests


# -- the shop's checkout and webhook use its own account -----------------------------------------
def test_checkout_then_pays_through_the_shops_own_stripe_account(
    owner_client, shop, other_shop, stripe_account, django_capture_on_commit_callbacks
):
    save(owner_client)
    order = place_order(shop)

    with django_capture_on_commit_callbacks(execute=True):
        payment = services.payment_link_start(order=order)

    payment.refresh_from_db()
    assert payment.provider == Provider.STRIPE and payment.provider_ref.startswith("cs_")
    create = stripe_account.last("checkout.sessions.create")
    assert create.headers["authorization"] == f"Bearer {SHOP_KEY}"
    assert payment.url == stripe_account.sessions[payment.provider_ref]["url"]

    # Stripe calls back on the shop's own URL, signed with the shop's own secret.
    delivery = stripe_account.complete_session(payment.provider_ref)
    with django_capture_on_commit_callbacks(execute=True):
        response = delivery.post(owner_client, f"/webhooks/stripe/{shop.pk}/")

    assert response.status_code == 200
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.state == PaymentState.SUCCEEDED
    assert order.payment_status == PaymentStatus.PAID
    assert ProviderEvent.objects.get(event_id=delivery.id).shop_id == shop.pk
    # Another shop, which never chose, keeps the platform's default: the test provider here.
    assert services.default_provider(shop_id=other_shop.pk) == Provider.TEST


def test_the_shops_webhook_url_only_takes_the_shops_own_signature(
    owner_client, client, shop, other_shop, stripe_account
):
    save(owner_client)
    delivery = stripe_account.event("checkout.session.completed", {"id": "cs_test_x"})
    forged = stripe_account.sign(delivery.event, secret="whsec_someone_else_0123456789")

    assert forged.post(client, f"/webhooks/stripe/{shop.pk}/").status_code == 403
    # Another shop (no secret of its own), an unknown shop, the platform URL (no secret set).
    assert delivery.post(client, f"/webhooks/stripe/{other_shop.pk}/").status_code == 403
    assert delivery.post(client, "/webhooks/stripe/999999/").status_code == 403
    assert delivery.post(client, "/webhooks/stripe/").status_code == 403
    assert not ProviderEvent.objects.exists()
    assert delivery.post(client, f"/webhooks/stripe/{shop.pk}/").status_code == 200
    assert ProviderEvent.objects.get().shop_id == shop.pk


def test_a_shops_events_never_reach_another_shops_payments(shop, other_shop):
    theirs = Payment.objects.create(
        shop=other_shop,
        order=place_order(other_shop),
        provider=Provider.STRIPE,
        kind="link",
        amount=4990,
        currency="USD",
        provider_ref="cs_test_theirs",
    )
    event = {
        "data": {
            "object": {"id": "cs_test_theirs", "metadata": {"souk_payment_id": str(theirs.pk)}}
        }
    }

    assert payment_for_event(event, shop_id=shop.pk) is None
    assert payment_for_event(event, shop_id=other_shop.pk) == theirs
    assert payment_for_event(event) == theirs  # the platform's own endpoint
