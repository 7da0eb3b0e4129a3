import pytest

from catalog.services import product_create
from conversations.models import Customer
from orders.checkout import checkout_complete, checkout_start, checkout_update
from orders.services import cart_add, cart_open
from tests.fakes.conftest_plugin import fake_stripe  # noqa: F401


@pytest.fixture
def variant(shop):
    product = product_create(
        shop=shop,
        title="Robe portefeuille",
        description="Une robe rouge en lin.",
        variants=[{"sku": "ROBE-R-38", "name": "Rouge 38", "price": 4990, "stock": 5}],
    )
    return product.variants.get()


@pytest.fixture
def customer(shop):
    return Customer.objects.create(shop=shop, name="Léa Martin")


@pytest.fixture
def place_order(shop, variant, customer):
    """Places an order for `quantity` of the dress through the real checkout services."""

    def place(quantity: int = 2, *, who=None):
        who = who or customer
        cart = cart_open(shop=shop, owner_key=str(who.pk))
        cart_add(cart=cart, variant=variant, quantity=quantity)
        checkout = checkout_start(cart=cart, customer=who)
        checkout_update(checkout=checkout, contact_name=who.name, contact_phone="+33612345678")
        return checkout_complete(checkout=checkout, require_details=False)

    return place
