"""Dashboard routes of the analytics page (issue 9), mounted by dashboard/urls.py."""

from django.urls import path

from dashboard import analytics_views as views

urlpatterns = [
    path("analytics/", views.analytics, name="analytics"),
    path("analytics/orders.csv", views.analytics_orders_csv, name="analytics_orders_csv"),
    path("analytics/funnel.csv", views.analytics_funnel_csv, name="analytics_funnel_csv"),
]
