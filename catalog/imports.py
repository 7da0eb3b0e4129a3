"""CSV import of the catalog: a file is read and checked at upload, previewed (what it would
create and change, and every row's error) without writing anything, then applied by a task
product by product once the brand confirms.

Rows are matched on SKU (unique per shop): an existing SKU updates that variant and its product;
a new SKU becomes a new variant of the row's product. A row's product is, in this order, the
product of the SKUs of its group (rows with the same `product_ref`), the product whose id is
the `product_ref` (as exported), the one product with the row's title, or a new one.

Each product's rows are applied in one transaction through the catalog services: if any row of
a product is wrong, none of that product is written, and the other products still are. Applying
the same file again changes nothing.
"""

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalog import services
from catalog.csv_format import (
    MAX_LENGTHS,
    TRANSLATION_COLUMNS,
    VARIANT_TRANSLATION_COLUMNS,
    CsvFile,
    RowValues,
    parse_text,
    read_row,
    translated_cell,
    translations_with,
    variant_translated_cell,
    variant_translations_with,
    yes_no,
)
from catalog.models import (
    CatalogImport,
    Category,
    ImportStatus,
    Product,
    StockAdjustment,
    StockSource,
    Variant,
)
from shops.models import Shop, User
from shops.money import format_amount

logger = logging.getLogger(__name__)

CHANGES_SHOWN = 50  # changes listed on the preview and result pages
PROGRESS_EVERY_SECONDS = 0.5  # how often the task writes its progress
CHUNK = 1000  # ids per IN (...) query

PRODUCT_FIELDS = ("title", "description", "category", "active", "tags", *TRANSLATION_COLUMNS)
VARIANT_FIELDS = ("name", "options", "price", "stock", "track_stock")
VARIANT_LABELS = {"name": "variant_name"}
NAME_MAX = MAX_LENGTHS["variant_name"]  # a name made up from the options or the title


# --- Planning: what the file would do, computed without writing --------------------------------


@dataclass
class Group:
    """The rows of one product of the file, and the existing product they resolved to."""

    rows: list[RowValues]
    product_id: int | None = None


@dataclass
class VariantPlan:
    row: RowValues
    variant: Variant | None  # None: to be created
    values: dict  # every field of a new variant; only the changed ones of an existing one
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (column, before, after)


@dataclass
class ProductPlan:
    rows: list[RowValues]
    product: Product | None  # None: to be created
    values: dict = field(default_factory=dict)  # all fields if new; the changed ones otherwise
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    category: Category | None = None  # the category named in the file, if it exists
    new_category: str = ""  # a category to create
    variants: list[VariantPlan] = field(default_factory=list)
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (row, column, message)

    @property
    def changes_anything(self) -> bool:
        return (
            self.product is None
            or bool(self.values)
            or any(v.variant is None or v.values for v in self.variants)
        )

    def variant_plan(self, row: RowValues) -> VariantPlan | None:
        if not hasattr(self, "_by_row"):
            self._by_row = {id(v.row): v for v in self.variants}
        return self._by_row.get(id(row))

    def row_outcome(self, row: RowValues) -> str:
        """One of created, updated or unchanged (for a plan without errors)."""
        if self.product is None:
            return "created"
        plan = self.variant_plan(row)
        if plan is not None and plan.variant is None:
            return "created"
        if self.values or (plan is not None and plan.values):
            return "updated"
        return "unchanged"


class _Display:
    """Values as the preview shows them (prices in the shop's currency and language)."""

    def __init__(self, shop: Shop):
        self.shop = shop

    def __call__(self, column: str, value) -> str:
        if value is None or value == "":
            return "—"
        if column == "price":
            return format_amount(value, self.shop.currency, self.shop.language)
        if isinstance(value, bool):
            return yes_no(value)
        if column == "options":
            return ", ".join(f"{k}: {v}" for k, v in value.items()) or "—"
        if column == "tags":
            return ", ".join(value) or "—"
        text = str(value)
        return text if len(text) <= 80 else text[:79] + "…"


def _read_rows(csv_file: CsvFile, shop: Shop) -> list[RowValues]:
    rows = [
        read_row(csv_row, currency=shop.currency, language=shop.language)
        for csv_row in csv_file.rows
    ]
    first_row_of: dict[str, int] = {}
    for row in rows:
        if not row.sku:
            continue
        if row.sku in first_row_of:
            row.errors.append(
                ("sku", f"SKU “{row.sku}” is also on row {first_row_of[row.sku]}; SKUs are unique.")
            )
        else:
            first_row_of[row.sku] = row.number
    return rows


def _chunks(values: list, size: int = CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _group_rows(rows: list[RowValues], shop: Shop) -> list[Group]:
    """Groups the rows by product and finds which existing product each group is (a few
    queries, whatever the number of rows)."""
    skus = sorted({row.sku for row in rows if row.sku})
    product_of_sku: dict[str, int] = {}
    for chunk in _chunks(skus):
        product_of_sku.update(
            Variant.objects.for_shop(shop).filter(sku__in=chunk).values_list("sku", "product_id")
        )
    numeric_refs = sorted({int(r.product_ref) for r in rows if r.product_ref.isdigit()})
    known_ids: set[int] = set()
    for chunk in _chunks(numeric_refs):
        known_ids.update(
            Product.objects.for_shop(shop).filter(pk__in=chunk).values_list("pk", flat=True)
        )

    by_key: dict[tuple, list[RowValues]] = {}
    for row in rows:
        if row.product_ref:
            key = ("ref", row.product_ref)
        elif row.sku in product_of_sku:
            key = ("product", product_of_sku[row.sku])
        elif row.product.get("title"):
            key = ("title", row.product["title"])
        else:
            key = ("row", row.number)  # a new product without a title: an error, reported later
        by_key.setdefault(key, []).append(row)

    groups: list[tuple[tuple, Group]] = []
    unresolved_titles: set[str] = set()
    for key, group_rows in by_key.items():
        group = Group(rows=group_rows)
        if key[0] == "product":
            group.product_id = key[1]
        elif key[0] == "ref" and key[1].isdigit() and int(key[1]) in known_ids:
            group.product_id = int(key[1])
        for row in group_rows:
            owner = product_of_sku.get(row.sku)
            if owner is None:
                continue
            if group.product_id is None:
                group.product_id = owner
            elif owner != group.product_id:
                row.errors.append(
                    (
                        "sku",
                        f"SKU “{row.sku}” belongs to product {owner}, not to product "
                        f"{group.product_id} like the other rows of this product.",
                    )
                )
        if group.product_id is None and key[0] != "row":
            title = _first_given(group_rows, "title")
            if title:
                unresolved_titles.add(title)
        groups.append((key, group))

    _resolve_by_title(groups, unresolved_titles, shop)
    return _merge_same_product(groups)


def _first_given(rows: list[RowValues], name: str):
    for row in rows:
        value = row.product.get(name)
        if value not in (None, "", []):
            return value
    return None


def _resolve_by_title(groups: list[tuple[tuple, Group]], titles: set[str], shop: Shop) -> None:
    """A group with only new SKUs and no product id is the shop's product of that title, if
    there is exactly one; with several, the file must say which."""
    if not titles:
        return
    ids_by_title: dict[str, list[int]] = defaultdict(list)
    for chunk in _chunks(sorted(titles)):
        for pk, title in (
            Product.objects.for_shop(shop).filter(title__in=chunk).values_list("pk", "title")
        ):
            ids_by_title[title].append(pk)
    for key, group in groups:
        if group.product_id is not None or key[0] == "row":
            continue
        title = _first_given(group.rows, "title")
        matches = ids_by_title.get(title, [])
        if len(matches) == 1:
            group.product_id = matches[0]
        elif len(matches) > 1:
            group.rows[0].errors.append(
                (
                    "product_ref",
                    f"{len(matches)} products are titled “{title}”: write the product_ref "
                    "(its id, as in an export) to say which one.",
                )
            )


def _merge_same_product(groups: list[tuple[tuple, Group]]) -> list[Group]:
    merged: dict[object, Group] = {}
    for key, group in groups:
        target = ("product", group.product_id) if group.product_id is not None else key
        if target in merged:
            merged[target].rows.extend(group.rows)
            merged[target].rows.sort(key=lambda row: row.number)
        else:
            merged[target] = group
    return list(merged.values())


class _Categories:
    """The shop's categories by name (exact, then ignoring case)."""

    def __init__(self, categories):
        categories = list(categories)
        self.exact = {c.name: c for c in categories}
        self.folded = {c.name.casefold(): c for c in reversed(categories)}

    def find(self, name: str) -> Category | None:
        return self.exact.get(name) or self.folded.get(name.casefold())

    def add(self, category: Category) -> None:
        self.exact[category.name] = category
        self.folded.setdefault(category.name.casefold(), category)


def _plan_product(
    group: Group,
    product: Product | None,
    variants: list[Variant],
    categories: _Categories,
    display: _Display,
) -> ProductPlan:
    plan = ProductPlan(rows=group.rows, product=product)
    for row in group.rows:
        plan.errors += [(row.number, column, message) for column, message in row.errors]
    if group.product_id is not None and product is None:
        plan.errors.append((group.rows[0].number, "product_ref", "This product no longer exists."))
        return plan

    wanted = _product_values(plan)
    if product is None:
        if not wanted.get("title"):
            plan.errors.append((group.rows[0].number, "title", "A new product needs a title."))
        wanted = {
            "title": wanted.get("title", ""),
            "description": wanted.get("description", ""),
            "category": wanted.get("category", ""),
            "active": wanted.get("active", True),
            "tags": wanted.get("tags", []),
            **{column: wanted[column] for column in TRANSLATION_COLUMNS if wanted.get(column)},
        }
        plan.values = wanted
    else:
        current = {
            "title": product.title,
            "description": product.description.replace("\r\n", "\n").strip(),
            "category": product.category.name if product.category_id else "",
            "active": product.active,
            "tags": list(product.tags or []),
            **{column: translated_cell(product, column) for column in TRANSLATION_COLUMNS},
        }
        for name, value in wanted.items():
            same = (
                _same_category(value, product.category, categories)
                if name == "category"
                else value == current[name]
            )
            if not same:
                plan.values[name] = value
                plan.changes.append((name, display(name, current[name]), display(name, value)))
    category_name = plan.values.get("category", "")
    if category_name:
        plan.category = categories.find(category_name)
        if plan.category is None:
            plan.new_category = category_name

    _plan_variants(plan, variants, display)
    return plan


def _same_category(name: str, category: Category | None, categories: _Categories) -> bool:
    if not name:
        return category is None
    found = categories.find(name)
    return found is not None and category is not None and found.pk == category.pk


def _product_values(plan: ProductPlan) -> dict:
    """The product's fields from its rows: the first non-blank cell of each column; a later row
    may leave it blank or repeat it, not say something else."""
    values: dict = {}
    for name in PRODUCT_FIELDS:
        given = [(row, row.product[name]) for row in plan.rows if name in row.product]
        if not given:
            continue
        filled = [(row, value) for row, value in given if value not in ("", [])]
        if not filled:
            values[name] = given[0][1]  # a blank description, category or tags clears it
            continue
        first_row, first = filled[0]
        values[name] = first
        for row, value in filled[1:]:
            if value != first:
                plan.errors.append(
                    (
                        row.number,
                        name,
                        f"Differs from row {first_row.number} of the same product; a product's "
                        f"{name} must be the same on all its rows (or left blank).",
                    )
                )
    return values


def _plan_variants(plan: ProductPlan, variants: list[Variant], display: _Display) -> None:
    by_sku = {variant.sku: variant for variant in variants}
    position = max((v.position for v in variants), default=-1) + 1
    title = plan.values.get("title") or (plan.product.title if plan.product else "")
    for row in plan.rows:
        if not row.sku:
            continue
        given = row.variant
        current = by_sku.get(row.sku)
        if current is None:
            if "price" not in given and not any(c == "price" for c, _ in row.errors):
                plan.errors.append((row.number, "price", "A new variant needs a price."))
            options = given.get("options", {})
            values = {
                "sku": row.sku,
                "name": given.get("name")
                or (" / ".join(options.values()) or title or row.sku)[:NAME_MAX],
                "options": options,
                "price": given.get("price", 0),
                "stock": given.get("stock", 0),
                "track_stock": given.get("track_stock", True),
                "position": position,
                "translations": variant_translations_with({}, _translated(given)),
            }
            position += 1
            plan.variants.append(VariantPlan(row=row, variant=None, values=values))
            continue
        variant_plan = VariantPlan(row=row, variant=current, values={})
        for name in VARIANT_FIELDS:
            if name not in given:
                continue
            before = getattr(current, name)
            if name == "options":
                before = {str(k): str(v) for k, v in (before or {}).items()}
            if given[name] != before:
                column = VARIANT_LABELS.get(name, name)
                variant_plan.values[name] = given[name]
                variant_plan.changes.append(
                    (column, display(name, before), display(name, given[name]))
                )
        translated = _translated(given)
        for column, text in translated.items():
            before = variant_translated_cell(current, column)
            if text != before:
                variant_plan.changes.append(
                    (column, display(column, before), display(column, text))
                )
        wanted = variant_translations_with(current.translations, translated)
        if wanted != (current.translations or {}):
            variant_plan.values["translations"] = wanted
        plan.variants.append(variant_plan)


def _translated(given: dict) -> dict:
    """The row's variant_name_<language> cells (blank ones remove that translation)."""
    return {column: given[column] for column in VARIANT_TRANSLATION_COLUMNS if column in given}


# --- Preview -----------------------------------------------------------------------------------


@dataclass
class Tally:
    """Counts, errors and the first changes of a preview or a run."""

    display: _Display
    products_created: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: list[dict] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)
    changes_total: int = 0
    new_categories: list[str] = field(default_factory=list)

    def skip(self, rows: list[RowValues], errors: list[tuple[int, str, str]]) -> None:
        self.skipped += len(rows)
        bad_rows = sorted({number for number, _, _ in errors})
        for number, column, message in errors:
            self.errors.append({"row": number, "column": column, "message": message})
        for row in rows:
            if row.number not in bad_rows:
                self.errors.append(
                    {
                        "row": row.number,
                        "column": "",
                        "message": f"Not imported: row {bad_rows[0]} of the same product has "
                        "an error, so none of this product is imported.",
                    }
                )

    def count(self, plan: ProductPlan) -> None:
        if plan.product is None:
            self.products_created += 1
        if plan.new_category and plan.new_category not in self.new_categories:
            self.new_categories.append(plan.new_category)
        for row in plan.rows:
            outcome = plan.row_outcome(row)
            setattr(self, outcome, getattr(self, outcome) + 1)
        self._list_changes(plan)

    def _list_changes(self, plan: ProductPlan) -> None:
        title = plan.values.get("title") or (plan.product.title if plan.product else "")
        items = []
        for index, row in enumerate(plan.rows):
            variant_plan = plan.variant_plan(row)
            changes = list(plan.changes) if index == 0 else []
            details = ""
            if variant_plan is not None and variant_plan.variant is None:
                new = variant_plan.values
                price = self.display("price", new["price"])
                details = f"{new['name']} · {price} · stock {new['stock']}"
            if plan.product is None and index == 0:
                kind = "new product"
            elif variant_plan is not None and variant_plan.variant is None:
                kind = "new variant"
            else:
                kind = "update"
            if variant_plan is not None:
                changes += variant_plan.changes
            if kind == "update" and not changes:
                continue
            items.append(
                {
                    "row": row.number,
                    "sku": row.sku,
                    "product": title,
                    "kind": kind,
                    "details": details,
                    "changes": [{"field": f, "before": b, "after": a} for f, b, a in changes],
                }
            )
        self.changes_total += len(items)
        room = CHANGES_SHOWN - len(self.changes)
        if room > 0:
            self.changes += items[:room]

    def save_to(self, catalog_import: CatalogImport) -> None:
        self.errors.sort(key=lambda error: (error["row"] or 0, error["column"]))
        catalog_import.products_created = self.products_created
        catalog_import.created_count = self.created
        catalog_import.updated_count = self.updated
        catalog_import.unchanged_count = self.unchanged
        catalog_import.skipped_count = self.skipped
        catalog_import.errors = self.errors
        catalog_import.error_count = len(self.errors)
        catalog_import.summary = {
            **catalog_import.summary,
            "changes": self.changes,
            "changes_total": self.changes_total,
            "new_categories": self.new_categories,
        }


def _load_products(shop: Shop, ids: list[int]) -> tuple[dict[int, Product], dict[int, list]]:
    products: dict[int, Product] = {}
    variants: dict[int, list[Variant]] = defaultdict(list)
    for chunk in _chunks(ids):
        products.update(
            (p.pk, p)
            for p in Product.objects.for_shop(shop)
            .filter(pk__in=chunk)
            .select_related("category")
            .defer("search_document")
        )
        for variant in Variant.objects.for_shop(shop).filter(product_id__in=chunk):
            variants[variant.product_id].append(variant)
    return products, variants


def _planned(shop: Shop, csv_file: CsvFile, categories: _Categories, display: _Display):
    """Each product of the file with its plan against the catalog as loaded now (in a few
    queries per thousand products). Lazy: a plan sees the categories created before it."""
    groups = _group_rows(_read_rows(csv_file, shop), shop)
    ids = sorted({g.product_id for g in groups if g.product_id is not None})
    products, variants = _load_products(shop, ids)
    for group in groups:
        product = products.get(group.product_id) if group.product_id else None
        variants_now = variants.get(group.product_id, [])
        yield group, _plan_product(group, product, variants_now, categories, display)


def catalog_import_preview(*, shop: Shop, csv_file: CsvFile) -> Tally:
    """What importing the file would do now. Reads only: nothing is written."""
    display = _Display(shop)
    categories = _Categories(Category.objects.for_shop(shop))
    tally = Tally(display=display)
    for group, plan in _planned(shop, csv_file, categories, display):
        if plan.errors:
            tally.skip(group.rows, plan.errors)
        else:
            tally.count(plan)
    return tally


def catalog_import_create(
    *, shop: Shop, user: User | None, file_name: str, csv_file: CsvFile
) -> CatalogImport:
    """Stores an uploaded (and readable) file with its preview, ready to be confirmed."""
    tally = catalog_import_preview(shop=shop, csv_file=csv_file)
    catalog_import = CatalogImport(
        shop=shop,
        file_name=file_name[:255],
        content=csv_file.text,
        status=ImportStatus.PREVIEWED,
        total_rows=len(csv_file.rows),
        created_by=user,
        summary={"encoding": csv_file.encoding, "delimiter": csv_file.delimiter},
    )
    tally.save_to(catalog_import)
    catalog_import.save()
    return catalog_import


# --- Running ------------------------------------------------------------------------------------


def catalog_import_start(*, catalog_import: CatalogImport) -> bool:
    """Confirms a previewed (or failed) import and enqueues it. False if it was already started
    (a double click, another tab): the conditional UPDATE lets exactly one request through."""
    from catalog.tasks import catalog_import_run

    with transaction.atomic():
        started = (
            CatalogImport.objects.filter(
                pk=catalog_import.pk, status__in=[ImportStatus.PREVIEWED, ImportStatus.FAILED]
            ).update(status=ImportStatus.RUNNING, processed_rows=0, started_at=timezone.now())
            == 1
        )
        if started:
            catalog_import_run.delay_on_commit(catalog_import.pk)
    catalog_import.refresh_from_db()
    return started


RESULT_FIELDS = [
    "status",
    "processed_rows",
    "total_rows",
    "finished_at",
    "products_created",
    "created_count",
    "updated_count",
    "unchanged_count",
    "skipped_count",
    "errors",
    "error_count",
    "summary",
]


class _Rejected(Exception):
    def __init__(self, errors: list[tuple[int, str, str]]):
        self.errors = errors


def catalog_import_apply(*, import_id: int) -> CatalogImport | None:
    """Applies a running import, product by product, writing its progress as it goes. Safe to
    run again (a worker lost mid-way): rows already imported come out unchanged."""
    catalog_import = (
        CatalogImport.objects.select_related("shop", "created_by").filter(pk=import_id).first()
    )
    if catalog_import is None or catalog_import.status != ImportStatus.RUNNING:
        return catalog_import
    shop = catalog_import.shop
    processed = 0
    try:
        csv_file = parse_text(catalog_import.content, encoding="utf-8")
        display = _Display(shop)
        categories = _Categories(Category.objects.for_shop(shop))
        tally = Tally(display=display)
        last_write = time.monotonic()
        for group, plan in _planned(shop, csv_file, categories, display):
            if plan.errors:
                tally.skip(group.rows, plan.errors)
            elif not plan.changes_anything:
                # Nothing to write (and no lock to take): the common case of a re-import.
                tally.count(plan)
            else:
                _apply_group(group, catalog_import, categories, tally)
            processed += len(group.rows)
            if time.monotonic() - last_write >= PROGRESS_EVERY_SECONDS:
                CatalogImport.objects.filter(pk=import_id).update(processed_rows=processed)
                last_write = time.monotonic()
    except Exception:
        logger.exception("catalog import %s failed after %s rows", import_id, processed)
        CatalogImport.objects.filter(pk=import_id).update(
            status=ImportStatus.FAILED,
            processed_rows=processed,
            finished_at=timezone.now(),
            errors=[
                {
                    "row": None,
                    "column": "",
                    "message": f"The import stopped unexpectedly after {processed} rows. "
                    "Products imported until then are kept; run it again to finish "
                    "(rows already imported stay unchanged).",
                }
            ],
            error_count=1,
        )
        raise
    tally.save_to(catalog_import)
    catalog_import.status = ImportStatus.DONE
    catalog_import.processed_rows = catalog_import.total_rows = processed
    catalog_import.finished_at = timezone.now()
    catalog_import.save(update_fields=RESULT_FIELDS)  # not the file again
    return catalog_import


def _apply_group(
    group: Group, catalog_import: CatalogImport, categories: _Categories, tally: Tally
) -> None:
    created: list[Category] = []
    try:
        with transaction.atomic():
            plan = _write_product(group, catalog_import, categories, tally.display, created)
    except _Rejected as rejected:
        tally.skip(group.rows, rejected.errors)
        return
    except ValidationError as exc:
        # The catalog changed since the file was read (a SKU taken meanwhile, say).
        first = group.rows[0].number
        tally.skip(group.rows, [(first, "", message) for message in _messages(exc)])
        return
    except services.StockWouldGoNegative as exc:
        tally.skip(group.rows, [(group.rows[0].number, "stock", str(exc))])
        return
    for category in created:  # only once committed: a rolled-back one must not be reused
        categories.add(category)
    tally.count(plan)


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [f"{m}" for messages in exc.message_dict.values() for m in messages]
    return list(exc.messages)


def _write_product(
    group: Group,
    catalog_import: CatalogImport,
    categories: _Categories,
    display: _Display,
    created_categories: list[Category],
) -> ProductPlan:
    shop = catalog_import.shop
    product, variants = None, []
    if group.product_id is not None:
        # Locked, so the stock written and the delta logged agree with concurrent sales.
        product = (
            Product.objects.for_shop(shop)
            .select_related("category")
            .select_for_update(of=("self",))  # not the category (nullable side of a join)
            .filter(pk=group.product_id)
            .first()
        )
        variants = list(
            Variant.objects.filter(product_id=group.product_id).select_for_update().order_by("pk")
        )
    plan = _plan_product(group, product, variants, categories, display)
    if plan.errors:
        raise _Rejected(plan.errors)
    if not plan.changes_anything:
        return plan

    category = plan.category
    if plan.new_category:
        category = services.category_create(shop=shop, name=plan.new_category)
        created_categories.append(category)
    fields = dict(plan.values)
    if "category" in fields:
        fields["category"] = category
    translated = {c: fields.pop(c) for c in TRANSLATION_COLUMNS if c in fields}
    if translated:
        current = product.translations if product is not None else {}
        fields["translations"] = translations_with(current, translated)
    reason = f"CSV import #{catalog_import.pk} ({catalog_import.file_name})"[:200]
    if product is None:
        product = services.product_create(
            shop=shop, variants=[v.values for v in plan.variants], **fields
        )
        _log_initial_stock(plan, product, catalog_import, reason)
        return plan

    # Stock goes through the logged adjustment (below), so it is left out of these entries.
    edits = {
        v.variant.pk: {name: value for name, value in v.values.items() if name != "stock"}
        for v in plan.variants
        if v.variant is not None
    }
    new_variants = [v.values for v in plan.variants if v.variant is None]
    entries = None
    if new_variants or any(edits.values()):
        entries = [
            {**_variant_fields(variant), **edits.get(variant.pk, {})} for variant in variants
        ] + new_variants
    if fields or entries is not None:
        product = services.product_update(product=product, variants=entries, **fields)
    for variant_plan in plan.variants:
        if variant_plan.variant is not None and "stock" in variant_plan.values:
            services.variant_stock_adjust_logged(
                variant=variant_plan.variant,
                delta=variant_plan.values["stock"] - variant_plan.variant.stock,
                reason=reason,
                source=StockSource.IMPORT,
                actor=catalog_import.created_by,
            )
    _log_initial_stock(plan, product, catalog_import, reason)
    return plan


def _variant_fields(variant: Variant) -> dict:
    """An existing variant as a product_update entry, without stock (left alone)."""
    return {
        "id": variant.pk,
        "sku": variant.sku,
        "name": variant.name,
        "options": variant.options,
        "price": variant.price,
        "track_stock": variant.track_stock,
        "position": variant.position,
    }


def _log_initial_stock(
    plan: ProductPlan, product: Product, catalog_import: CatalogImport, reason: str
) -> None:
    """New variants are created with their stock; the log gets its first line here, in bulk
    (nothing else can have touched a variant this transaction just created)."""
    created = {
        v.row.sku: v.values["stock"]
        for v in plan.variants
        if v.variant is None and v.values["stock"]
    }
    if not created:
        return
    StockAdjustment.objects.bulk_create(
        StockAdjustment(
            shop_id=product.shop_id,
            variant_id=pk,
            delta=created[sku],
            stock_after=created[sku],
            reason=reason,
            source=StockSource.IMPORT,
            actor=catalog_import.created_by,
        )
        for sku, pk in Variant.objects.filter(product=product, sku__in=list(created)).values_list(
            "sku", "pk"
        )
    )
