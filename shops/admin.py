from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from shops.models import ApiKey, Membership, Shop, User, WebhookDelivery, WebhookEndpoint
from shops.services import api_key_create, api_key_revoke


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
    """Adding a key goes through api_key_create (the one way a working key is made) and shows
    it once, on the page answering the form; only its digest is stored. An existing key can be
    renamed or revoked, never moved to another shop."""

    list_display = ["name", "prefix", "shop", "read_only", "last_used_at", "revoked_at"]
    list_filter = ["read_only"]
    list_select_related = ["shop"]
    search_fields = ["name", "prefix", "shop__name"]
    actions = ["revoke"]
    add_fields = ["shop", "name", "read_only"]
    change_fields = [
        "shop",
        "name",
        "prefix",
        "read_only",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    # The digest is all we store; nothing here can show a key.
    change_readonly = ["shop", "prefix", "created_by", "created_at", "last_used_at", "revoked_at"]

    def get_fields(self, request, obj=None):
        return self.add_fields if obj is None else self.change_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.change_readonly

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created, raw_key = api_key_create(
            shop=obj.shop, name=obj.name, read_only=obj.read_only, created_by=request.user
        )
        # The admin goes on with `obj` (its history entry, the answer): make it the new key.
        obj.__dict__.update(
            {f.attname: getattr(created, f.attname) for f in ApiKey._meta.concrete_fields}
        )
        obj._state.adding, obj._state.db = False, created._state.db
        obj.raw_key = raw_key

    def response_add(self, request, obj, post_url_continue=None):
        raw_key = getattr(obj, "raw_key", None)
        if raw_key is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "title": "API key created",
            "api_key": obj,
            "raw_key": raw_key,
            "opts": self.opts,
            "change_url": reverse("admin:shops_apikey_change", args=[obj.pk]),
        }
        response = TemplateResponse(request, "shops/api_keys/admin_created.html", context)
        add_never_cache_headers(response)
        return response

    @admin.action(description="Revoke the selected keys (they stop working at once)")
    def revoke(self, request, queryset):
        revoked = 0
        for api_key in queryset.filter(revoked_at__isnull=True):
            api_key_revoke(api_key=api_key)
            revoked += 1
        self.message_user(request, f"{revoked} key(s) revoked.", messages.SUCCESS)


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
