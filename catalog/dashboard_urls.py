"""Dashboard pages of this app, mounted under /dashboard/ in the `dashboard` namespace."""

from django.urls import path

from catalog import dashboard_views as products
from catalog import dashboard_views_categories as categories
from catalog import dashboard_views_images as images
from catalog import dashboard_views_stock as stock

urlpatterns = [
    path("products/", products.product_list, name="product_list"),
    path("products/bulk/", products.product_bulk, name="product_bulk"),
    path("products/new/", products.product_create, name="product_create"),
    path("products/<int:product_id>/", products.product_edit, name="product_edit"),
    path("products/<int:product_id>/delete/", products.product_delete, name="product_delete"),
    path("products/<int:product_id>/images/", images.image_upload, name="image_upload"),
    path(
        "products/<int:product_id>/images/<int:image_id>/",
        images.image_update,
        name="image_update",
    ),
    path(
        "products/<int:product_id>/images/<int:image_id>/move/",
        images.image_move,
        name="image_move",
    ),
    path(
        "products/<int:product_id>/images/<int:image_id>/delete/",
        images.image_delete,
        name="image_delete",
    ),
    path("products/<int:product_id>/stock/", stock.stock_panel, name="stock_panel"),
    path(
        "products/<int:product_id>/variants/<int:variant_id>/stock/",
        stock.stock_adjust,
        name="stock_adjust",
    ),
    path("categories/", categories.category_list, name="category_list"),
    path("categories/<int:category_id>/", categories.category_update, name="category_update"),
    path(
        "categories/<int:category_id>/delete/", categories.category_delete, name="category_delete"
    ),
    path("categories/<int:category_id>/move/", categories.category_move, name="category_move"),
]
