import copy

import pytest

from catalog.models import Product, Variant
from catalog.services import category_create
from tests.conftest import PRODUCT_BODY

pytestmark = pytest.mark.django_db


def create_product(api, **overrides):
    body = copy.deepcopy(PRODUCT_BODY)
    body.update(overrides)
    response = api.post("/api/v1/products/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_minimal_create_body_returns_201_with_id(api, shop):
    response = api.post(
        "/api/v1/products/",
        {
            "title": "T-shirt",
            "description": "Cotton",
            "variants": [{"sku": "TS-1", "name": "M", "price": 1999, "stock": 5}],
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert isinstance(body["id"], int)
    assert body["currency"] == "EUR"
    assert body["variants"][0]["price"] == 1999
    assert body["variants"][0]["price_display"] == "19,99\xa0€"
    product = Product.objects.get(pk=body["id"])
    assert product.shop == shop
    assert product.variants.get().stock == 5


def test_retrieve_list_update_delete(api):
    created = create_product(api)
    url = f"/api/v1/products/{created['id']}/"

    assert api.get(url).json()["title"] == "Robe portefeuille"
    assert [p["id"] for p in api.get("/api/v1/products/").json()["results"]] == [created["id"]]

    response = api.patch(url, {"title": "Robe longue", "active": False}, format="json")
    assert response.status_code == 200
    assert response.json()["title"] == "Robe longue"
    assert response.json()["active"] is False
    assert len(response.json()["variants"]) == 1  # untouched without `variants`

    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404
    assert not Variant.objects.exists()


def test_updating_variants_updates_by_id_creates_new_and_removes_missing(api):
    created = create_product(
        api,
        variants=[
            {"sku": "A-38", "name": "38", "price": 100, "stock": 1},
            {"sku": "A-40", "name": "40", "price": 100, "stock": 1},
        ],
    )
    keep = next(v for v in created["variants"] if v["sku"] == "A-38")

    response = api.patch(
        f"/api/v1/products/{created['id']}/",
        {
            "variants": [
                {"id": keep["id"], "sku": "A-38", "name": "38", "price": 250, "stock": 7},
                {"sku": "A-42", "name": "42", "price": 300, "stock": 2},
            ]
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    variants = {v["sku"]: v for v in response.json()["variants"]}
    assert set(variants) == {"A-38", "A-42"}
    assert variants["A-38"]["id"] == keep["id"]
    assert variants["A-38"]["price"] == 250
    assert variants["A-38"]["stock"] == 7


def test_duplicate_sku_in_shop_is_rejected_and_names_the_field(api):
    create_product(api)
    response = api.post(
        "/api/v1/products/",
        {"title": "Copy", "variants": [{"sku": "ROBE-R-38", "name": "x", "price": 1}]},
        format="json",
    )

    assert response.status_code == 400
    assert "variants.0.sku" in response.json()["fields"]
    assert Product.objects.count() == 1


def test_same_sku_is_fine_in_another_shop(api, other_api):
    create_product(api)
    assert other_api.post("/api/v1/products/", PRODUCT_BODY, format="json").status_code == 201


def test_filter_by_category_and_active(api, shop):
    dresses = category_create(shop=shop, name="Robes")
    in_category = create_product(
        api, category=dresses.pk, variants=[{"sku": "C1", "name": "x", "price": 1}]
    )
    create_product(api, active=False, variants=[{"sku": "C2", "name": "x", "price": 1}])

    by_category = api.get(f"/api/v1/products/?category={dresses.pk}").json()["results"]
    inactive = api.get("/api/v1/products/?active=false").json()["results"]

    assert [p["id"] for p in by_category] == [in_category["id"]]
    assert [p["active"] for p in inactive] == [False]


def test_filter_by_tag(api):
    tagged = create_product(
        api, tags=["été", "lin"], variants=[{"sku": "T1", "name": "x", "price": 1}]
    )
    create_product(api, tags=["hiver"], variants=[{"sku": "T2", "name": "x", "price": 1}])

    results = api.get("/api/v1/products/", {"tag": "été"}).json()["results"]

    assert [p["id"] for p in results] == [tagged["id"]]


@pytest.mark.parametrize("query", ["red dress 38", "Robe ROUGE", "robe rou", "écarlate", "ROBE-R"])
def test_search_finds_by_words_variants_accents_and_prefixes(api, query):
    wanted = create_product(
        api,
        title="Robe portefeuille · Wrap dress",
        description="Rouge écarlate, lin. Red linen.",
        variants=[
            {"sku": "ROBE-R-38", "name": "38", "options": {"size": "38"}, "price": 4990},
        ],
    )
    create_product(
        api,
        title="Chemise blanche",
        description="White shirt",
        variants=[{"sku": "CH-B-38", "name": "38", "options": {"size": "38"}, "price": 2990}],
    )

    results = api.get("/api/v1/products/", {"q": query}).json()["results"]

    assert [p["id"] for p in results] == [wanted["id"]]


def test_search_with_no_match_or_only_punctuation_is_empty(api):
    create_product(api)
    assert api.get("/api/v1/products/", {"q": "chaussure"}).json()["results"] == []
    assert api.get("/api/v1/products/", {"q": "!!!"}).json()["results"] == []


def test_ordering_and_cursor_pagination_walk_every_product_once(api):
    ids = [
        create_product(api, title=f"P{i:02}", variants=[{"sku": f"S{i}", "name": "x", "price": 1}])[
            "id"
        ]
        for i in range(7)
    ]

    seen, url = [], "/api/v1/products/?ordering=title&page_size=3"
    while url:
        page = api.get(url).json()
        seen += [p["title"] for p in page["results"]]
        url = page["next"]

    assert seen == [f"P{i:02}" for i in range(7)]
    newest_first = api.get("/api/v1/products/").json()["results"]
    assert [p["id"] for p in newest_first] == list(reversed(ids))


def test_category_crud_and_rename_keeps_search_current(api):
    response = api.post("/api/v1/categories/", {"name": "Robes"}, format="json")
    assert response.status_code == 201
    category_id = response.json()["id"]
    create_product(api, category=category_id)

    api.patch(f"/api/v1/categories/{category_id}/", {"name": "Soirée"}, format="json")

    assert len(api.get("/api/v1/products/", {"q": "soiree"}).json()["results"]) == 1
    assert api.post("/api/v1/categories/", {"name": "Soirée"}, format="json").status_code == 400
    assert api.delete(f"/api/v1/categories/{category_id}/").status_code == 204
    assert api.get("/api/v1/products/").json()["results"][0]["category"] is None


def test_variant_endpoint_create_update_delete(api):
    product = create_product(api)
    response = api.post(
        "/api/v1/variants/",
        {"product": product["id"], "sku": "ROBE-R-40", "name": "Rouge 40", "price": 4990},
        format="json",
    )
    assert response.status_code == 201, response.json()
    url = f"/api/v1/variants/{response.json()['id']}/"

    assert api.patch(url, {"price": 3990}, format="json").json()["price"] == 3990
    assert api.delete(url).status_code == 204
    assert len(api.get(f"/api/v1/products/{product['id']}/").json()["variants"]) == 1


def test_stock_adjustment_by_delta(api):
    variant_id = create_product(api)["variants"][0]["id"]
    url = f"/api/v1/variants/{variant_id}/stock/"

    assert api.post(url, {"delta": 3}, format="json").json()["stock"] == 8
    assert api.post(url, {"delta": -8}, format="json").json()["stock"] == 0

    refused = api.post(url, {"delta": -1}, format="json")
    assert refused.status_code == 409
    assert "below zero" in refused.json()["message"]
    assert Variant.objects.get(pk=variant_id).stock == 0


def test_current_shop_read_and_update(api):
    assert api.get("/api/v1/shop/").json()["currency"] == "EUR"
    response = api.patch("/api/v1/shop/", {"currency": "GBP", "language": "en"}, format="json")
    assert response.status_code == 200
    assert response.json()["currency"] == "GBP"
