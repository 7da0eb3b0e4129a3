"""Categories: the shelves shoppers browse in the chat, in the order set here."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse

from catalog import selectors, services
from catalog.dashboard_forms import CategoryForm, MoveForm
from catalog.dashboard_views import plural
from catalog.models import Category
from shops.dashboard_access import dashboard_view
from shops.tenancy import get_for_shop_or_404

PAGE_SIZE = 50


def _list_url(request) -> str:
    # The page the person was on (a hidden field of each row's forms), so a move stays in view.
    page = request.POST.get("page", "")
    url = reverse("dashboard:category_list")
    return f"{url}?page={page}" if page.isdigit() and page != "1" else url


def _render_list(request, *, create_form=None, rename_forms=None, page_number=None):
    categories = selectors.category_admin_list(shop=request.shop)
    page = Paginator(categories, PAGE_SIZE).get_page(page_number or request.GET.get("page"))
    rename_forms = rename_forms or {}
    rows = [
        (
            category,
            rename_forms.get(category.pk)
            or CategoryForm(
                prefix=f"category-{category.pk}",
                initial=CategoryForm.initial_for(category),
                shop=request.shop,
            ),
        )
        for category in page
    ]
    return render(
        request,
        "catalog/dashboard/category_list.html",
        {
            "page": page,
            "rows": rows,
            "create_form": create_form or CategoryForm(prefix="new", shop=request.shop),
        },
    )


@dashboard_view("catalog.view", post="catalog.edit")
def category_list(request):
    """The list; a POST creates a category (it goes last)."""
    if request.method != "POST":
        return _render_list(request)
    form = CategoryForm(request.POST, prefix="new", shop=request.shop)
    if form.is_valid():
        try:
            category = services.category_create(
                shop=request.shop,
                name=form.cleaned_data["name"],
                translations=form.cleaned_data["translations"],
            )
        except ValidationError as exc:
            form.add_error("name", exc.message_dict.get("name", exc.messages))
        else:
            messages.success(request, f"Category “{category.name}” was created.")
            return redirect("dashboard:category_list")
    return _render_list(request, create_form=form)


def _category(request, category_id: int) -> Category:
    return get_for_shop_or_404(Category.objects, shop=request.shop, pk=category_id)


@dashboard_view("catalog.view", post="catalog.edit")
def category_update(request, category_id: int):
    """Renames a category, in the shop's language and its others (the inline form on its
    row)."""
    category = _category(request, category_id)
    if request.method != "POST":
        return redirect("dashboard:category_list")
    form = CategoryForm(request.POST, prefix=f"category-{category.pk}", shop=request.shop)
    if form.is_valid():
        try:
            services.category_update(
                category=category,
                name=form.cleaned_data["name"],
                translations=form.cleaned_data["translations"],
            )
        except ValidationError as exc:
            form.add_error("name", exc.message_dict.get("name", exc.messages))
        else:
            messages.success(request, f"The category is now called “{category.name}”.")
            return redirect(_list_url(request))
    return _render_list(
        request, rename_forms={category.pk: form}, page_number=request.POST.get("page")
    )


@dashboard_view("catalog.view", post="catalog.edit")
def category_delete(request, category_id: int):
    category = _category(request, category_id)
    if request.method == "POST":
        count = category.products.count()
        services.category_delete(category=category, actor=request.user)
        messages.success(
            request,
            f"Category “{category.name}” was deleted; "
            f"{plural(count, 'product is', 'products are')} now uncategorised.",
        )
    return redirect(_list_url(request))


@dashboard_view("catalog.view", post="catalog.edit")
def category_move(request, category_id: int):
    category = _category(request, category_id)
    form = MoveForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        services.category_move(category=category, direction=form.cleaned_data["direction"])
    return redirect(_list_url(request))
