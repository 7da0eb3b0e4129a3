"""Catalog writes. Each public function owns its transaction; side effects go out on commit."""

import logging
from collections.abc import Iterable, Sequence
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from catalog.images import CARD_SIZE, SQUARE_SIZE, render_thumbnail
from catalog.models import Category, Product, ProductImage, StockAdjustment, StockSource, Variant
from catalog.search import build_search_document
from shops.images import CleanImage, clean_upload
from shops.models import Shop, User

logger = logging.getLogger(__name__)

VARIANT_FIELDS = (
    "sku",
    "name",
    "options",
    "price",
    "stock",
    "track_stock",
    "position",
    "translations",
)
PRODUCT_FIELDS = ("title", "description", "category", "active", "tags", "translations")


class StockWouldGoNegative(Exception):
    def __init__(self, variant: Variant, delta: int):
        self.variant, self.delta = variant, delta
        super().__init__(
            f"Stock of {variant.sku} is {variant.stock}; removing {-delta} would go below zero."
        )


# --- Categories ---------------------------------------------------------------------------------


def category_create(
    *, shop: Shop, name: str, position: int | None = None, translations: dict | None = None
) -> Category:
    if position is None:
        top = Category.objects.for_shop(shop).aggregate(top=Max("position"))["top"]
        position = 0 if top is None else top + 1
    if Category.objects.for_shop(shop).filter(name=name).exists():
        raise ValidationError({"name": f"A category named '{name}' already exists."})
    return Category.objects.create(
        shop=shop, name=name, position=position, translations=translations or {}
    )


def category_update(
    *, category: Category, name: str | None = None, position=None, translations=None
) -> Category:
    with transaction.atomic():
        renamed = name is not None and name != category.name
        if renamed:
            taken = Category.objects.for_shop(category.shop_id).filter(name=name)
            if taken.exclude(pk=category.pk).exists():
                raise ValidationError({"name": f"A category named '{name}' already exists."})
            category.name = name
        if position is not None:
            category.position = position
        if translations is not None:
            category.translations = translations
        category.save()
        if renamed:
            _refresh_search_documents(Product.objects.filter(category=category))
    return category


def category_delete(*, category: Category, actor: User | None = None) -> None:
    category_id = category.pk  # delete() forgets it
    with transaction.atomic():
        products = list(Product.objects.filter(category=category).values_list("pk", flat=True))
        category.delete()
        _refresh_search_documents(Product.objects.filter(pk__in=products))
    logger.info(
        "category deleted shop=%s category=%s name=%r products=%s actor=%s",
        category.shop_id,
        category_id,
        category.name,
        len(products),
        getattr(actor, "pk", None),
    )


Direction = Literal["up", "down"]


def _swap_with_neighbour(rows: list, row, direction: Direction) -> list:
    """Moves `row` one place up or down in `rows` (already in display order) and renumbers
    their `position` 0..n-1, so rows sharing a position (0, the default) become distinct.
    Returns the rows whose position changed, or [] when `row` is already at that end."""
    index = next(i for i, r in enumerate(rows) if r.pk == row.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(rows):
        return []
    rows[index], rows[other] = rows[other], rows[index]
    changed = []
    for position, item in enumerate(rows):
        if item.position != position:
            item.position = position
            changed.append(item)
    return changed


def category_move(*, category: Category, direction: Direction) -> Category:
    """Swaps the category with the one above or below it, in one transaction with the shop's
    categories locked, so two quick clicks never leave two categories on one position."""
    with transaction.atomic():
        rows = list(
            Category.objects.for_shop(category.shop_id)
            .select_for_update()
            .order_by("position", "id")
        )
        changed = _swap_with_neighbour(rows, category, direction)
        Category.objects.bulk_update(changed, ["position"])
    category.refresh_from_db(fields=["position"])
    return category


# --- Products and variants ----------------------------------------------------------------------


def _check_skus(shop: Shop, variants: Sequence[dict], *, exclude_product: Product | None = None):
    seen: dict[str, int] = {}
    errors: dict[str, str] = {}
    for index, data in enumerate(variants):
        sku = data.get("sku")
        if sku in seen:
            errors[f"variants.{index}.sku"] = f"SKU '{sku}' appears twice in this request."
        seen[sku] = index
    taken = Variant.objects.for_shop(shop).filter(sku__in=list(seen))
    if exclude_product is not None:
        taken = taken.exclude(product=exclude_product)
    for sku in taken.values_list("sku", flat=True):
        errors[f"variants.{seen[sku]}.sku"] = f"SKU '{sku}' is already used by another product."
    if errors:
        raise ValidationError(errors)


def _refresh_search_documents(products: Iterable[Product]) -> None:
    products = list(products)
    if not products:
        return
    loaded = (
        Product.objects.filter(pk__in=[p.pk for p in products])
        .select_related("category")
        .prefetch_related("variants")
    )
    for product in loaded:
        product.search_document = build_search_document(
            title=product.title,
            # A shopper may search in any of the shop's languages.
            description=" ".join([product.description, *_translated("description", product)]),
            tags=product.tags,
            category_name=product.category.name if product.category else "",
            variants=product.variants.all(),
            other_titles=_translated("title", product),
        )
    Product.objects.bulk_update(loaded, ["search_document"])


def _translated(field: str, product: Product) -> list[str]:
    return [texts[field] for texts in (product.translations or {}).values() if texts.get(field)]


def _save_guarding_skus(callable_):
    try:
        with transaction.atomic():
            return callable_()
    except IntegrityError as exc:
        # Another request took the SKU between our check and our insert.
        if "sku" in str(exc).lower():
            raise ValidationError({"variants": "A SKU in this request is already in use."}) from exc
        raise


def product_create(
    *,
    shop: Shop,
    title: str,
    description: str = "",
    category: Category | None = None,
    active: bool = True,
    tags: Sequence[str] = (),
    variants: Sequence[dict] = (),
    images: Sequence = (),
    translations: dict | None = None,
) -> Product:
    """`images` are uploads, checked before anything is written: a bad file creates nothing."""
    _check_skus(shop, variants)
    cleaned_images = _clean_uploads(images)

    def create() -> Product:
        product = Product.objects.create(
            shop=shop,
            title=title,
            description=description,
            category=category,
            active=active,
            tags=list(tags),
            translations=translations or {},
        )
        Variant.objects.bulk_create(
            Variant(shop=shop, product=product, **_variant_values(data, index))
            for index, data in enumerate(variants)
        )
        for clean in cleaned_images:
            _store_image(product, clean)
        _refresh_search_documents([product])
        return product

    return _save_guarding_skus(create)


def _variant_values(data: dict, index: int) -> dict:
    values = {field: data[field] for field in VARIANT_FIELDS if field in data}
    values.setdefault("position", index)
    return values


def product_update(
    *, product: Product, variants: Sequence[dict] | None = None, **fields
) -> Product:
    """Changes the given fields. With `variants`, the product's variants become exactly that
    list: an entry with the `id` (or `sku`) of an existing variant updates it, a new one is
    created, and variants left out are deleted."""
    unknown = set(fields) - set(PRODUCT_FIELDS)
    if unknown:
        raise TypeError(f"product_update got unknown fields {sorted(unknown)}")
    if variants is not None:
        _check_skus(product.shop, variants, exclude_product=product)

    def update() -> Product:
        for name, value in fields.items():
            setattr(product, name, value)
        product.save()
        if variants is not None:
            _sync_variants(product, variants)
        _refresh_search_documents([product])
        product.refresh_from_db()
        return product

    return _save_guarding_skus(update)


def _sync_variants(product: Product, variants: Sequence[dict]) -> None:
    # Locked (in id order, like checkout's stock locks) so a sale between our read and our
    # write is not overwritten; an entry without "stock" leaves the stock alone.
    existing = {
        v.pk: v for v in Variant.objects.filter(product=product).select_for_update().order_by("pk")
    }
    by_sku = {v.sku: v for v in existing.values()}
    kept: set[int] = set()
    to_create: list[Variant] = []
    errors: dict[str, str] = {}
    given: set[str] = set()
    for index, data in enumerate(variants):
        current = existing.get(data.get("id")) if data.get("id") else by_sku.get(data.get("sku"))
        if data.get("id") and current is None:
            errors[f"variants.{index}.id"] = f"{data['id']} is not a variant of this product."
            continue
        values = _variant_values(data, index)
        if current is None:
            to_create.append(Variant(shop_id=product.shop_id, product=product, **values))
        else:
            kept.add(current.pk)
            given.update(values)
            for name, value in values.items():
                setattr(current, name, value)
    if errors:
        raise ValidationError(errors)
    # Deletions first so a SKU may move from a removed variant to a new one.
    Variant.objects.filter(product=product).exclude(pk__in=kept).delete()
    updated = [existing[pk] for pk in kept]
    if updated:
        Variant.objects.bulk_update(updated, [f for f in VARIANT_FIELDS if f in given])
    Variant.objects.bulk_create(to_create)


def product_delete(*, product: Product, actor: User | None = None) -> None:
    product_id = product.pk  # delete() forgets it
    with transaction.atomic():
        images = list(ProductImage.objects.filter(product=product))
        product.delete()
        transaction.on_commit(lambda: _delete_files(images))
    logger.info(
        "product deleted shop=%s product=%s title=%r actor=%s",
        product.shop_id,
        product_id,
        product.title,
        getattr(actor, "pk", None),
    )


def _selected(shop: Shop, product_ids: Iterable[int]):
    return Product.objects.for_shop(shop).filter(pk__in=list(product_ids))


def product_bulk_set_active(*, shop: Shop, product_ids: Iterable[int], active: bool) -> int:
    """Shows (or hides) the given products to shoppers; ids of another shop are ignored."""
    with transaction.atomic():
        return _selected(shop, product_ids).update(active=active, updated_at=timezone.now())


def product_bulk_move(*, shop: Shop, product_ids: Iterable[int], category: Category | None) -> int:
    """Puts the given products in `category` (None: uncategorised)."""
    if category is not None and category.shop_id != shop.pk:
        raise ValidationError({"category": "Choose one of this shop's categories."})
    with transaction.atomic():
        products = list(_selected(shop, product_ids).select_for_update().order_by("pk"))
        _selected(shop, [p.pk for p in products]).update(
            category=category, updated_at=timezone.now()
        )
        # The category's name is part of what shoppers' searches match.
        _refresh_search_documents(products)
    return len(products)


def product_bulk_delete(
    *, shop: Shop, product_ids: Iterable[int], actor: User | None = None
) -> int:
    """Deletes the given products with their variants and images, all or none."""
    with transaction.atomic():
        products = list(_selected(shop, product_ids).order_by("pk"))
        images = list(ProductImage.objects.filter(product__in=products))
        _selected(shop, [p.pk for p in products]).delete()
        transaction.on_commit(lambda: _delete_files(images))
    for product in products:
        logger.info(
            "product deleted shop=%s product=%s title=%r actor=%s",
            shop.pk,
            product.pk,
            product.title,
            getattr(actor, "pk", None),
        )
    return len(products)


def variant_create(*, product: Product, **data) -> Variant:
    _check_skus(product.shop, [data])
    position = data.pop("position", None)
    if position is None:
        top = Variant.objects.filter(product=product).aggregate(top=Max("position"))["top"]
        position = 0 if top is None else top + 1

    def create() -> Variant:
        variant = Variant.objects.create(
            shop_id=product.shop_id, product=product, position=position, **data
        )
        _refresh_search_documents([product])
        return variant

    return _save_guarding_skus(create)


def variant_update(*, variant: Variant, **data) -> Variant:
    new_sku = data.get("sku", variant.sku)
    if (
        new_sku != variant.sku
        and Variant.objects.for_shop(variant.shop_id).filter(sku=new_sku).exists()
    ):
        raise ValidationError({"sku": f"SKU '{data['sku']}' is already in use."})

    def update() -> Variant:
        for name, value in data.items():
            setattr(variant, name, value)
        variant.save()
        _refresh_search_documents([variant.product])
        return variant

    return _save_guarding_skus(update)


def variant_delete(*, variant: Variant) -> None:
    with transaction.atomic():
        product = variant.product
        variant.delete()
        _refresh_search_documents([product])


def variant_adjust_stock(*, variant: Variant, delta: int) -> Variant:
    """Adds `delta` (negative to remove) atomically: one conditional UPDATE, so concurrent
    adjustments never lose a write and stock never goes below zero."""
    changed = Variant.objects.filter(pk=variant.pk, stock__gte=-delta).update(
        stock=F("stock") + delta
    )
    variant.refresh_from_db(fields=["stock", "updated_at"])
    if not changed:
        raise StockWouldGoNegative(variant, delta)
    return variant


def variant_stock_adjust_logged(
    *,
    variant: Variant,
    delta: int,
    reason: str = "",
    source: str = StockSource.DASHBOARD,
    actor: User | None = None,
) -> StockAdjustment:
    """`variant_adjust_stock` plus its line in the stock log, in one transaction: the log never
    shows a change that did not happen, nor misses one that did. Our UPDATE holds the row's
    lock until commit, so the stock read back is the one this change produced."""
    with transaction.atomic():
        variant_adjust_stock(variant=variant, delta=delta)
        return StockAdjustment.objects.create(
            shop_id=variant.shop_id,
            variant=variant,
            delta=delta,
            stock_after=variant.stock,
            reason=reason[:200],
            source=source,
            actor=actor,
        )


# --- Images -------------------------------------------------------------------------------------


def image_add(*, product: Product, upload, alt: str = "", position: int | None = None):
    """Stores a cleaned copy of the upload; thumbnails are cut by a task after commit."""
    clean = clean_upload(upload)
    with transaction.atomic():
        return _store_image(product, clean, alt=alt, position=position)


def images_add(*, product: Product, uploads: Sequence, alt: str = "") -> list[ProductImage]:
    """Several uploads at once, all or none: every file is checked before any is stored, and
    the errors name the files ("photo.heic: The file is not a valid image.")."""
    cleaned = _clean_uploads(uploads)
    with transaction.atomic():
        return [_store_image(product, clean, alt=alt) for clean in cleaned]


def _clean_uploads(uploads: Sequence, *, field: str = "images") -> list[CleanImage]:
    cleaned, errors = [], []
    for upload in uploads:
        try:
            cleaned.append(clean_upload(upload))
        except ValidationError as exc:
            name = getattr(upload, "name", "") or "image"
            errors.extend(f"{name}: {message}" for message in exc.messages)
    if errors:
        raise ValidationError({field: errors})
    return cleaned


def _store_image(
    product: Product, clean: CleanImage, *, alt: str = "", position: int | None = None
) -> ProductImage:
    from catalog.tasks import image_render_thumbnails

    if position is None:
        top = ProductImage.objects.filter(product=product).aggregate(top=Max("position"))["top"]
        position = 0 if top is None else top + 1
    image = ProductImage(shop_id=product.shop_id, product=product, alt=alt, position=position)
    image.image.save(clean.content.name, clean.content, save=False)
    image.save()
    image_render_thumbnails.delay_on_commit(image.pk)
    return image


def image_update(*, image: ProductImage, **fields) -> ProductImage:
    for name, value in fields.items():
        setattr(image, name, value)
    image.save(update_fields=list(fields))
    return image


def image_move(*, image: ProductImage, direction: Direction) -> ProductImage:
    """Swaps the image with its neighbour; the first image is the one shoppers see first."""
    with transaction.atomic():
        rows = list(
            ProductImage.objects.filter(product_id=image.product_id)
            .select_for_update()
            .order_by("position", "id")
        )
        changed = _swap_with_neighbour(rows, image, direction)
        ProductImage.objects.bulk_update(changed, ["position"])
    image.refresh_from_db(fields=["position"])
    return image


def image_render_thumbnails_for(*, image_id: int) -> ProductImage | None:
    """Cuts the card (1.91:1) and square thumbnails. Idempotent: a re-run replaces them."""
    image = ProductImage.objects.filter(pk=image_id).first()
    if image is None:
        return None  # deleted before the task ran
    stem = image.image.name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    old = [f.name for f in (image.card, image.square) if f]
    with image.image.open("rb") as source:
        card = render_thumbnail(source, CARD_SIZE, name=f"{stem}-card.jpg")
        square = render_thumbnail(source, SQUARE_SIZE, name=f"{stem}-square.jpg")
    image.card.save(card.name, card, save=False)
    image.square.save(square.name, square, save=False)
    image.save(update_fields=["card", "square"])
    storage = image.image.storage
    for name in old:
        storage.delete(name)
    return image


def image_delete(*, image: ProductImage, actor: User | None = None) -> None:
    image_id = image.pk  # delete() forgets it
    with transaction.atomic():
        image.delete()
        transaction.on_commit(lambda: _delete_files([image]))
    logger.info(
        "product image deleted shop=%s product=%s image=%s actor=%s",
        image.shop_id,
        image.product_id,
        image_id,
        getattr(actor, "pk", None),
    )


def _delete_files(images: Iterable[ProductImage]) -> None:
    for image in images:
        for file in (image.image, image.card, image.square):
            if file:
                file.storage.delete(file.name)
