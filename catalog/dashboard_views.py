"""Dashboard pages of the catalog: the product list (filters, bulk actions), and a product with
its variants, images and stock on one page. Images, stock and categories have their own
modules (dashboard_views_images, _stock, _categories); all act through catalog.services."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse

from catalog import selectors, services
from catalog.dashboard_forms import (
    STOCK_REASONS,
    BulkActionForm,
    ImageAltForm,
    ImageUploadForm,
    ProductFilterForm,
    ProductForm,
    StockAdjustForm,
    apply_service_errors,
    variant_formset,
)
from catalog.models import Product, ProductImage, Variant
from catalog.selectors import LOW_STOCK_THRESHOLD, ProductFilters
from shops.dashboard_access import dashboard_view
from shops.tenancy import get_for_shop_or_404

PAGE_SIZE = 25


@dataclass(frozen=True)
class ProductRow:
    """What a line of the product list shows, computed from the prefetched variants/images."""

    product: Product
    thumbnail_url: str
    variant_count: int
    price_min: int | None
    price_max: int | None
    stock: int | None  # units of the variants whose stock is tracked; None if none is
    sold_out: int  # tracked variants at 0
    low: int  # tracked variants at 1..LOW_STOCK_THRESHOLD

    @classmethod
    def of(cls, product: Product) -> "ProductRow":
        variants: list[Variant] = list(product.variants.all())
        images: list[ProductImage] = list(product.images.all())
        tracked = [v for v in variants if v.track_stock]
        prices = [v.price for v in variants]
        first = images[0] if images else None
        return cls(
            product=product,
            thumbnail_url=(first.square or first.image).url if first else "",
            variant_count=len(variants),
            price_min=min(prices, default=None),
            price_max=max(prices, default=None),
            stock=sum(v.stock for v in tracked) if tracked else None,
            sold_out=sum(1 for v in tracked if v.stock == 0),
            low=sum(1 for v in tracked if 0 < v.stock <= LOW_STOCK_THRESHOLD),
        )


def plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


@dashboard_view("catalog.view")
def product_list(request):
    filters = ProductFilters.from_query(request.GET)
    products = selectors.product_admin_list(shop=request.shop, filters=filters)
    page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
    categories = list(selectors.category_list(shop=request.shop))
    filter_form = ProductFilterForm(request.GET, categories=categories)
    filtered = any(request.GET.get(key) for key in ("q", "category", "active", "stock"))
    return render(
        request,
        "catalog/dashboard/product_list.html",
        {
            "page": page,
            "rows": [ProductRow.of(product) for product in page],
            "filter_form": filter_form,
            "filtered": filtered,
            "categories": categories,
            "bulk_actions": BulkActionForm.ACTIONS,
            "low_stock_threshold": LOW_STOCK_THRESHOLD,
            "stock_reasons": STOCK_REASONS,
        },
    )


_BULK_DONE = {
    "activate": "activated: shoppers see them",
    "deactivate": "deactivated: hidden from shoppers",
    "move": "moved",
    "delete": "deleted",
}


@dashboard_view("catalog.view", post="catalog.edit")
def product_bulk(request):
    # Back to the list as it was (filters, page): the query string is rebuilt, not trusted.
    query = QueryDict(request.POST.get("query", "")).urlencode()
    back = reverse("dashboard:product_list") + (f"?{query}" if query else "")
    if request.method != "POST":
        return redirect("dashboard:product_list")
    form = BulkActionForm(request.POST, shop=request.shop)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return redirect(back)
    action, ids = form.cleaned_data["action"], form.product_ids()
    if action in ("activate", "deactivate"):
        count = services.product_bulk_set_active(
            shop=request.shop, product_ids=ids, active=action == "activate"
        )
    elif action == "move":
        category = form.target_category()
        count = services.product_bulk_move(shop=request.shop, product_ids=ids, category=category)
    else:
        count = services.product_bulk_delete(shop=request.shop, product_ids=ids, actor=request.user)
    done = _BULK_DONE[action]
    if action == "move":
        done = f"moved to {category.name}" if category else "moved out of their category"
    messages.success(request, f"{plural(count, 'product', 'products')} {done}.")
    return redirect(back)


@dashboard_view("catalog.edit", post="catalog.edit")
def product_create(request):
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    form = ProductForm(data, files, shop=request.shop, with_images=True, initial={"active": True})
    formset = variant_formset(data, shop=request.shop)
    if data is not None and all([form.is_valid(), formset.is_valid()]):
        rows = formset.kept_forms()
        try:
            product = services.product_create(
                shop=request.shop,
                **form.product_values(),
                variants=[row.variant_values() for row in rows],
                images=form.cleaned_data["images"],
            )
        except ValidationError as exc:
            apply_service_errors(exc, form=form, rows=rows)
        else:
            messages.success(request, f"“{product.title}” was created.")
            return redirect("dashboard:product_edit", product_id=product.pk)
    return render(
        request,
        "catalog/dashboard/product_form.html",
        {"form": form, "formset": formset, "creating": True},
    )


def product_for_page(request, product_id: int) -> Product:
    """The product with its category, variants and images (three queries), or 404."""
    return get_for_shop_or_404(
        selectors.product_list(shop=request.shop), shop=request.shop, pk=product_id
    )


@dashboard_view("catalog.view", post="catalog.edit")
def product_edit(request, product_id: int):
    product = product_for_page(request, product_id)
    if request.method != "POST":
        return render_product_page(request, product)
    variants = list(product.variants.all())
    title = product.title
    form = ProductForm(request.POST, shop=request.shop, initial=ProductForm.initial_for(product))
    formset = variant_formset(request.POST, shop=request.shop, variants=variants)
    if all([form.is_valid(), formset.is_valid()]):
        rows = formset.kept_forms()
        try:
            services.product_update(
                product=product,
                **form.product_values(),
                variants=[row.variant_values() for row in rows],
            )
        except ValidationError as exc:
            apply_service_errors(exc, form=form, rows=rows)
        else:
            messages.success(request, f"“{product.title}” was saved.")
            return redirect("dashboard:product_edit", product_id=product.pk)
    product.title = title  # the heading names the product as saved, not as mistyped
    return render_product_page(request, product, form=form, formset=formset)


def render_product_page(
    request,
    product: Product,
    *,
    form=None,
    formset=None,
    upload_form=None,
    stock_forms: dict | None = None,
    alt_forms: dict | None = None,
):
    """The product page, with any bound form given (its errors shown where they belong) and
    fresh forms elsewhere. Used by every action of the page that re-renders on an error."""
    variants = list(product.variants.all())
    images = list(product.images.all())
    stock_forms, alt_forms = stock_forms or {}, alt_forms or {}
    context = {
        "product": product,
        "variants": variants,
        "form": form or ProductForm(shop=request.shop, initial=ProductForm.initial_for(product)),
        "formset": formset or variant_formset(shop=request.shop, variants=variants),
        "upload_form": upload_form or ImageUploadForm(),
        "image_rows": [
            (
                image,
                alt_forms.get(image.pk)
                or ImageAltForm(prefix=f"image-{image.pk}", initial={"alt": image.alt}),
            )
            for image in images
        ],
        "stock_rows": [
            (variant, stock_forms.get(variant.pk) or StockAdjustForm(variant=variant))
            for variant in variants
        ],
        "adjustments": selectors.stock_adjustments_for_product(product=product),
        "stock_reasons": STOCK_REASONS,
        "low_stock_threshold": LOW_STOCK_THRESHOLD,
        "creating": False,
    }
    return render(request, "catalog/dashboard/product_form.html", context)


@dashboard_view("catalog.view", post="catalog.edit")
def product_delete(request, product_id: int):
    product = get_for_shop_or_404(Product.objects, shop=request.shop, pk=product_id)
    if request.method != "POST":
        return redirect("dashboard:product_edit", product_id=product.pk)
    services.product_delete(product=product, actor=request.user)
    messages.success(request, f"“{product.title}” was deleted.")
    return redirect("dashboard:product_list")
