"""The shell's pages: the overview and the shop switcher."""

from django.http import Http404
from django.shortcuts import redirect, render

from dashboard.selectors import shop_overview
from shops import dashboard_access
from shops.dashboard_access import dashboard_view


@dashboard_view("dashboard.view")
def overview(request):
    return render(
        request, "dashboard/overview.html", {"overview": shop_overview(shop=request.shop)}
    )


@dashboard_view(None, post="dashboard.view")
def shop_switch(request):
    try:
        shop_id = int(request.POST.get("shop_id", ""))
    except ValueError as exc:
        raise Http404("No such shop.") from exc
    if dashboard_access.shop_switch(request, shop_id=shop_id) is None:
        raise Http404("No such shop.")
    return redirect("dashboard:overview")
