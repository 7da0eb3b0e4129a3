"""Adjusting a variant's stock in place (±N with a reason), logged with who did it: on the
product page, or from the product list, where "Adjust" opens the same lines under the row."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse

from catalog import selectors, services
from catalog.dashboard_forms import STOCK_REASONS, StockAdjustForm
from catalog.dashboard_views import ProductRow, product_for_page, render_product_page
from catalog.models import StockSource, Variant
from catalog.selectors import LOW_STOCK_THRESHOLD
from shops.dashboard_access import dashboard_view
from shops.tenancy import get_for_shop_or_404


@dashboard_view("catalog.view")
def stock_panel(request, product_id: int):
    """The product's stock lines, loaded by htmx under its row of the product list."""
    product = product_for_page(request, product_id)
    return render(
        request,
        "catalog/dashboard/_stock_panel.html",
        {
            "product": product,
            "stock_rows": [(v, StockAdjustForm(variant=v)) for v in product.variants.all()],
            "stock_reasons": STOCK_REASONS,
            "low_stock_threshold": LOW_STOCK_THRESHOLD,
            "in_list": True,
        },
    )


@dashboard_view("catalog.view", post="catalog.edit")
def stock_adjust(request, product_id: int, variant_id: int):
    product = product_for_page(request, product_id)
    variant = get_for_shop_or_404(
        Variant.objects.filter(product=product), shop=request.shop, pk=variant_id
    )
    back = reverse("dashboard:product_edit", kwargs={"product_id": product.pk}) + "#stock"
    if request.method != "POST":
        return redirect(back)
    form = StockAdjustForm(request.POST, variant=variant)
    adjustment = None
    if form.is_valid():
        try:
            adjustment = services.variant_stock_adjust_logged(
                variant=variant,
                delta=form.cleaned_data["delta"],
                reason=form.cleaned_data["reason"],
                source=StockSource.DASHBOARD,
                actor=request.user,
            )
        except services.StockWouldGoNegative:
            form.add_error(
                "delta",
                f"Only {variant.stock} in stock: you can remove at most {variant.stock}.",
            )
    if request.htmx:
        # In place: the variant's line (fresh form, or the form with its error), and the log
        # (product page) or the product's stock total (list), out of band.
        in_list = request.POST.get("in_list") == "1"
        context = {
            "product": product,
            "variant": variant,
            "stock_form": StockAdjustForm(variant=variant) if adjustment else form,
            "adjustment": adjustment,
            "low_stock_threshold": LOW_STOCK_THRESHOLD,
            "in_list": in_list,
        }
        if in_list:
            context["row"] = ProductRow.of(product_for_page(request, product_id))
        else:
            context["adjustments"] = selectors.stock_adjustments_for_product(product=product)
        return render(request, "catalog/dashboard/_stock_adjusted.html", context)
    if adjustment is None:
        return render_product_page(request, product, stock_forms={variant.pk: form})
    messages.success(
        request, f"Stock of {variant.name} ({variant.sku}) is now {adjustment.stock_after}."
    )
    return redirect(back)
