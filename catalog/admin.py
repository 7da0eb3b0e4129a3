"""A read-only look at catalogs for staff. Changes go through the API (and, later, the
dashboard) so they pass the services: SKU checks, image cleaning, search document upkeep."""

from django.contrib import admin

from catalog.models import Category, Product, ProductImage, Variant


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class VariantInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Variant
    fields = ["sku", "name", "options", "price", "stock", "track_stock", "position"]


class ImageInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ProductImage
    fields = ["image", "card", "square", "alt", "position"]


@admin.register(Product)
class ProductAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "shop", "category", "active", "updated_at"]
    list_filter = ["active", "shop"]
    search_fields = ["title"]
    inlines = [VariantInline, ImageInline]


@admin.register(Category)
class CategoryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "shop", "position"]
    list_filter = ["shop"]
