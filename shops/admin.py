from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from shops.models import ApiKey, Membership, Shop, User, WebhookDelivery, WebhookEndpoint


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password", "full_name"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser"]}),
    ]
    add_fieldsets = [(None, {"fields": ["email", "password1", "password2"]})]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "currency", "language", "created_at"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "shop", "read_only", "last_used_at", "revoked_at"]
    list_filter = ["read_only"]
    # The digest is all we store; nothing here can show a key.
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at", "created_by"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "shop", "is_active", "created_at"]
    list_filter = ["is_active"]
    exclude = ["secret"]  # never displayed after creation


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event_type", "event_id", "endpoint", "status", "attempts", "created_at"]
    list_filter = ["status", "event_type"]
    search_fields = ["event_id"]
    raw_id_fields = ["endpoint", "shop"]
