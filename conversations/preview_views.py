"""/dashboard/channels/preview/: a product or a category as each channel shows it."""

from django.shortcuts import render

from conversations import preview as previews
from shops.dashboard_access import dashboard_view


@dashboard_view("channels.manage")
def preview(request):
    shop = request.shop
    product_id = request.GET.get("product", "")
    category_id = request.GET.get("category", "") if not product_id else ""
    shown = None
    if product_id:
        product = previews.product_for_preview(shop=shop, product_id=product_id)
        shown = previews.product_preview(shop=shop, product=product)
    elif category_id:
        category = previews.category_for_preview(shop=shop, category_id=category_id)
        shown = previews.category_preview(shop=shop, category=category)
    products, categories = previews.preview_choices(shop=shop)
    return render(
        request,
        "channels_adapters/dashboard/preview.html",
        {
            "preview": shown,
            "products": products,
            "categories": categories,
            "product_id": product_id,
            "category_id": category_id,
        },
    )
