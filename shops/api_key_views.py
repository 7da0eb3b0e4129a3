"""Dashboard: the shop's API keys (settings/api-keys/). Created and revoked through the same
services as the API (shops.services); a new key is shown once, on the page after creating it
(shops.secret_once), never again."""

import logging

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache

from shops import selectors, services
from shops.dashboard_access import dashboard_view
from shops.secret_once import secret_keep, secret_take

logger = logging.getLogger(__name__)

PER_PAGE = 25
SHOWN_ONCE = "api_key"


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=80,
        help_text="What will use it, e.g. “ERP stock sync”.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    read_only = forms.BooleanField(
        label="Read-only: may read the catalog and orders, never change anything",
        required=False,
    )


@never_cache  # the page after creating a key shows it: no copy may stay in any cache
@dashboard_view("api_keys.manage", post="api_keys.manage")
def api_key_list(request):
    form = ApiKeyForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        api_key, raw_key = services.api_key_create(
            shop=request.shop,
            name=form.cleaned_data["name"],
            read_only=form.cleaned_data["read_only"],
            created_by=request.user,
        )
        secret_keep(request, kind=SHOWN_ONCE, object_id=api_key.pk, secret=raw_key)
        messages.success(request, f"API key “{api_key.name}” created.")
        return redirect("dashboard:api_key_list")
    keys = selectors.api_key_list(shop=request.shop).select_related("created_by")
    page = Paginator(keys, PER_PAGE).get_page(request.GET.get("page"))
    new_key = secret_take(request, kind=SHOWN_ONCE) if request.method == "GET" else None
    if new_key is not None:
        new_key["api_key"] = keys.filter(pk=new_key["id"]).first()
    return render(
        request, "shops/api_keys/list.html", {"form": form, "page": page, "new_key": new_key}
    )


@dashboard_view(None, post="api_keys.manage")
def api_key_revoke(request, key_id: int):
    # Another shop's key id answers the same as a missing one.
    api_key = get_object_or_404(selectors.api_key_list(shop=request.shop), pk=key_id)
    if api_key.revoked_at is None:
        services.api_key_revoke(api_key=api_key)
        logger.info(
            "api key %s (%s…) of shop %s revoked by user %s",
            api_key.pk,
            api_key.prefix,
            request.shop.pk,
            request.user.pk,
        )
        messages.success(request, f"API key “{api_key.name}” revoked: it no longer opens the API.")
    return redirect("dashboard:api_key_list")
