"""What the catalog's dashboard tests share: a product maker and the POST body of the product
form (its fields plus the variants formset, as the browser sends them)."""

from catalog.services import product_create


def make_product(shop, title="Robe portefeuille", *, skus=("ROBE-38",), price=4990, stock=5, **kw):
    return product_create(
        shop=shop,
        title=title,
        variants=[
            {"sku": sku, "name": sku.rsplit("-", 1)[-1], "price": price, "stock": stock}
            for sku in skus
        ],
        **kw,
    )


def product_form_data(*, variants, initial_count=0, **fields) -> dict:
    """`variants`: dicts of a row's fields (name, sku, price…); a row with "id" is an existing
    variant and must come first, as the page renders them."""
    data = {
        "title": "Robe lin",
        "description": "",
        "category": "",
        "active": "on",
        "tags": "",
        "variants-TOTAL_FORMS": str(len(variants)),
        "variants-INITIAL_FORMS": str(initial_count),
        "variants-MIN_NUM_FORMS": "1",
        "variants-MAX_NUM_FORMS": "100",
    }
    data.update(fields)
    for index, row in enumerate(variants):
        row = {"track_stock": "on", "stock": "0", "options": "", **row}
        for name, value in row.items():
            if value is None or value is False:
                continue
            data[f"variants-{index}-{name}"] = value
    return data


def edit_rows(product) -> list[dict]:
    """The product's variants as the edit page pre-fills them."""
    return [
        {
            "id": str(v.pk),
            "name": v.name,
            "sku": v.sku,
            "price": f"{v.price // 100},{v.price % 100:02d}",
        }
        for v in product.variants.order_by("position", "id")
    ]
