import pytest

from catalog.services import category_create, product_create
from channels_adapters.models import ChannelAccount
from conversations.models import Conversation, Customer, CustomerIdentity


@pytest.fixture
def catalog(shop):
    dresses = category_create(shop=shop, name="Robes")
    tops = category_create(shop=shop, name="Hauts")
    dress = product_create(
        shop=shop,
        title="Robe portefeuille rouge",
        description="Red wrap dress in linen",
        category=dresses,
        variants=[
            {
                "sku": f"ROBE-R-{size}",
                "name": f"Rouge {size}",
                "options": {"size": str(size)},
                "price": 8990,
                "stock": stock,
            }
            for size, stock in ((36, 0), (38, 4), (40, 2))
        ],
    )
    shirt = product_create(
        shop=shop,
        title="Chemise blanche",
        description="White shirt",
        category=tops,
        variants=[{"sku": "CH-1", "name": "Unique", "price": 4500, "stock": 10}],
    )
    return {"dresses": dresses, "tops": tops, "dress": dress, "shirt": shirt}


@pytest.fixture
def telegram_account(shop):
    return ChannelAccount.objects.create(
        shop=shop, kind="telegram", external_id="777", credentials={"token": "777:abc"}
    )


@pytest.fixture
def conversation(shop, telegram_account):
    customer = Customer.objects.create(shop=shop, name="Léa Martin")
    identity = CustomerIdentity.objects.create(
        shop=shop, customer=customer, channel=telegram_account, external_id="42"
    )
    return Conversation.objects.create(
        shop=shop, customer=customer, identity=identity, channel=telegram_account
    )
