"""The analytics page (figures, funnel, attribution, charts) and its two CSV exports."""

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from dashboard.analytics import ATTRIBUTION_WINDOW, analytics_report, funnel
from dashboard.analytics_csv import funnel_csv_lines, orders_csv_lines
from dashboard.analytics_display import figure_cards, funnel_rows
from dashboard.analytics_periods import PERIODS, period_for
from shops.dashboard_access import dashboard_view
from shops.money import minor_unit_exponent


@dashboard_view("orders.view")
def analytics(request: HttpRequest) -> HttpResponse:
    shop = request.shop
    report = analytics_report(shop=shop, period=period_for(request.GET.get("period")))
    chart_data = {
        **report.chart_data(),
        "money": {
            "currency": shop.currency,
            "exponent": minor_unit_exponent(shop.currency),
            "locale": shop.language,
        },
    }
    return render(
        request,
        "dashboard/analytics/page.html",
        {
            "report": report,
            "cards": figure_cards(report.figures, shop),
            "funnel_rows": funnel_rows(report.funnel),
            "periods": PERIODS,
            "chart_data": chart_data,
            "window_days": ATTRIBUTION_WINDOW.days,
        },
    )


def _csv_response(lines, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@dashboard_view("orders.view")
def analytics_orders_csv(request: HttpRequest) -> StreamingHttpResponse:
    period = period_for(request.GET.get("period"))
    return _csv_response(
        orders_csv_lines(shop=request.shop, period=period),
        f"{request.shop.slug}-orders-{period.key}.csv",
    )


@dashboard_view("orders.view")
def analytics_funnel_csv(request: HttpRequest) -> StreamingHttpResponse:
    period = period_for(request.GET.get("period"))
    columns = funnel(shop=request.shop, period=period)
    return _csv_response(
        funnel_csv_lines(shop=request.shop, columns=columns),
        f"{request.shop.slug}-funnel-{period.key}.csv",
    )
