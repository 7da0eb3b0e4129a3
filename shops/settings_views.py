"""Dashboard → Settings → Shop: the shop's profile (name, logo, language, currency, time zone,
contact). Writes go through shops.services.shop_update, as PATCH /api/v1/shop/ does."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from shops.dashboard_access import dashboard_view
from shops.dashboard_forms import ShopProfileForm, add_service_errors
from shops.selectors import shop_has_orders
from shops.services import shop_update


@dashboard_view("settings.manage", post="settings.manage")
def settings_shop(request):
    shop = request.shop
    currency_locked = shop_has_orders(shop=shop)
    if request.method == "POST":
        form = ShopProfileForm(
            request.POST, request.FILES, shop=shop, currency_locked=currency_locked
        )
        if form.is_valid():
            try:
                shop_update(shop=shop, actor=request.user, **form.service_fields())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "The shop's profile is saved.")
                return redirect("dashboard:settings_shop")
    else:
        form = ShopProfileForm(shop=shop, currency_locked=currency_locked)
    return render(request, "shops/settings/shop.html", {"form": form, "shop": shop})
