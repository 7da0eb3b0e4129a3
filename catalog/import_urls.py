"""Dashboard routes of the catalog's CSV import and export (mounted under /dashboard/)."""

from django.urls import path

from catalog import import_views

urlpatterns = [
    path("catalog/import/", import_views.import_start, name="import_start"),
    path("catalog/import/<int:import_id>/", import_views.import_detail, name="import_detail"),
    path("catalog/import/<int:import_id>/run/", import_views.import_run, name="import_run"),
    path(
        "catalog/import/<int:import_id>/progress/",
        import_views.import_progress,
        name="import_progress",
    ),
    path(
        "catalog/import/<int:import_id>/errors.csv",
        import_views.import_errors,
        name="import_errors",
    ),
    path("products/export.csv", import_views.product_export, name="product_export"),
]
