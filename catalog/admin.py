from django.contrib import admin

from catalog.models import Category, Product, ProductImage, Variant


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 0
    fields = ["sku", "name", "options", "price", "stock", "track_stock", "position"]


class ImageInline(admin.TabularInline):
    model = ProductImage
    extra = 0
    fields = ["image", "alt", "position"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["title", "shop", "category", "active", "updated_at"]
    list_filter = ["active", "shop"]
    search_fields = ["title"]
    inlines = [VariantInline, ImageInline]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "shop", "position"]
    list_filter = ["shop"]
