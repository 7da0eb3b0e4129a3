"""The dashboard's channel preview draws WeChat and Instagram too, from their adapters' own
payloads read back by each package's preview.py."""

import pytest

from catalog.services import product_create
from shops.models import Role
from tests.dashboard.conftest import member, signed_in

pytestmark = pytest.mark.django_db

PREVIEW = "/dashboard/channels/preview/"


def phone(html: str, kind: str) -> str:
    start = html.index(f'<section class="phone phone-{kind}"')
    return html[start : html.index("</section>", start)]


def test_a_product_with_sizes_in_wechat_and_instagram(shop):
    product = product_create(
        shop=shop,
        title="Robe portefeuille",
        variants=[
            {"sku": f"RP-{size}", "name": size, "price": 4990, "stock": 3}
            for size in ("36", "38", "40")
        ],
    )

    response = signed_in(member(shop, Role.MANAGER)).get(PREVIEW, {"product": product.pk})

    assert response.status_code == 200
    html = response.content.decode()
    wechat = phone(html, "wechat")
    assert "Menu message" in wechat  # the sizes as a msgmenu's options
    assert "38" in wechat and '"msgtype"' not in wechat.split("<pre", 1)[0]
    instagram = phone(html, "instagram")
    assert "Robe portefeuille" in instagram
    assert "Quick replies and templates show in the Instagram app" in instagram
