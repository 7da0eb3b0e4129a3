import pytest

from catalog.services import product_create
from conversations.models import Customer
from orders import checkout as checkouts
from orders.services import cart_add, cart_open
from payments import services as payments
from payments.providers.registry import provider_for


@pytest.fixture
def hot(shop):
    """A variant with 10 units left, and one whose stock is not tracked."""
    product = product_create(
        shop=shop,
        title="Sac cabas",
        variants=[
            {"sku": "SAC-1", "name": "Naturel", "price": 2499, "stock": 10},
            {"sku": "SAC-GIFT", "name": "Carte cadeau", "price": 1000, "track_stock": False},
        ],
    )
    tracked, untracked = product.variants.order_by("id")
    return {"tracked": tracked, "untracked": untracked}


def buy(shop, variant, quantity=1, *, customer=None, key="buyer", **details):
    """A shopper's cart with `quantity` of `variant`, checked out and placed (not paid)."""
    customer = customer or Customer.objects.create(shop=shop, name=f"Buyer {key}")
    cart = cart_open(shop=shop, owner_key=f"customer:{customer.pk}")
    cart_add(cart=cart, variant=variant, quantity=quantity)
    checkout = checkouts.checkout_start(
        cart=cart,
        customer=customer,
        contact_name=customer.name,
        contact_phone="+33612345678",
        shipping_address={"text": "1 rue de Rivoli, 75001 Paris"},
        **details,
    )
    return checkouts.checkout_complete(checkout=checkout)


def pay(order, card="4242424242424242", save=True):
    """The shopper pays on the test provider's page."""
    payment = payments.payment_link_start(order=order)
    provider = provider_for("test")
    provider.link_create(payment)
    outcome = provider.pay_on_page(payment, card, save=save)
    return payments.payment_outcome_record(payment=payment, outcome=outcome)
