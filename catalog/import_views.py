"""Dashboard pages of the catalog's CSV import (upload → preview → confirm → progress →
report) and the CSV export of the product list, in the same format."""

import csv
import os

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from catalog import csv_format, imports
from catalog.import_selectors import catalog_import_detail_queryset, catalog_import_list
from catalog.models import CatalogImport, ImportStatus
from catalog.selectors import ProductFilters, product_admin_list
from shops.dashboard_access import dashboard_view
from shops.languages import offered_languages
from shops.tenancy import get_for_shop_or_404

IMPORTS_PER_PAGE = 25
ERRORS_SHOWN = 1000  # on the page; the CSV report has them all


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=(
            f"UTF-8 (Excel: “CSV UTF-8”), separated by commas or semicolons; at most "
            f"{csv_format.MAX_FILE_BYTES // 1024 // 1024} MB and {csv_format.MAX_ROWS:,} rows."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > csv_format.MAX_FILE_BYTES:
            # Checked before reading: a huge upload is never loaded into memory.
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; an import takes at most "
                f"{csv_format.MAX_FILE_BYTES // 1024 // 1024} MB. Split it into several files."
            )
        try:
            self.csv_file = csv_format.read_upload(upload.read())
        except csv_format.FileError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return upload


@dashboard_view("catalog.edit", post="catalog.edit")
def import_start(request: HttpRequest) -> HttpResponse:
    posted = request.method == "POST"
    form = ImportUploadForm(request.POST, request.FILES) if posted else ImportUploadForm()
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        catalog_import = imports.catalog_import_create(
            shop=request.shop,
            user=request.user,
            file_name=os.path.basename(upload.name or "import.csv"),
            csv_file=form.csv_file,
        )
        messages.success(request, "File read. Check what it will change, then confirm.")
        return redirect("dashboard:import_detail", import_id=catalog_import.pk)
    page = Paginator(catalog_import_list(shop=request.shop), IMPORTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "catalog/imports/start.html",
        {
            "form": form,
            "page": page,
            "columns": csv_format.columns_for(
                request.shop.language, offered_languages(request.shop)
            ),
        },
    )


def _get_import(request: HttpRequest, import_id: int) -> CatalogImport:
    return get_for_shop_or_404(catalog_import_detail_queryset(), shop=request.shop, pk=import_id)


def _context(catalog_import: CatalogImport) -> dict:
    return {
        "imp": catalog_import,
        "errors_shown": catalog_import.errors[:ERRORS_SHOWN],
        "errors_hidden": max(0, len(catalog_import.errors) - ERRORS_SHOWN),
        "running": catalog_import.status == ImportStatus.RUNNING,
        "importable": catalog_import.created_count
        + catalog_import.updated_count
        + catalog_import.unchanged_count,
    }


@dashboard_view("catalog.edit")
def import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    catalog_import = _get_import(request, import_id)
    return render(request, "catalog/imports/detail.html", _context(catalog_import))


@dashboard_view("catalog.edit", post="catalog.edit")
def import_run(request: HttpRequest, import_id: int) -> HttpResponse:
    catalog_import = _get_import(request, import_id)
    if request.method == "POST":
        if imports.catalog_import_start(catalog_import=catalog_import):
            messages.success(request, f"Import of {catalog_import.file_name} confirmed.")
        else:
            messages.info(request, "This import has already been started.")
    return redirect("dashboard:import_detail", import_id=catalog_import.pk)


@dashboard_view("catalog.edit")
def import_progress(request: HttpRequest, import_id: int) -> HttpResponse:
    """The progress panel alone, polled by htmx while the import runs (its final version has
    no trigger, so polling stops)."""
    catalog_import = _get_import(request, import_id)
    return render(request, "catalog/imports/_progress.html", _context(catalog_import))


class _Echo:
    """csv.writer writes into this and gets the line back, for streaming."""

    def write(self, value: str) -> str:
        return value


@dashboard_view("catalog.edit")
def import_errors(request: HttpRequest, import_id: int) -> HttpResponse:
    catalog_import = _get_import(request, import_id)
    writer = csv.writer(_Echo())
    lines = [writer.writerow(["row", "column", "message"])]
    for error in catalog_import.errors:
        cells = [str(error.get("row") or ""), error.get("column", ""), error.get("message", "")]
        lines.append(writer.writerow([csv_format.escape(cell) for cell in cells]))
    response = HttpResponse("\ufeff" + "".join(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="import-{catalog_import.pk}-errors.csv"'
    )
    return response


@dashboard_view("catalog.view")
def product_export(request: HttpRequest) -> StreamingHttpResponse:
    """The product list as filtered on its page, in the import's format, streamed."""
    shop = request.shop
    products = product_admin_list(shop=shop, filters=ProductFilters.from_query(request.GET))
    writer = csv.writer(_Echo(), delimiter=csv_format.export_delimiter(shop.language))

    def lines():
        # The BOM tells Excel the file is UTF-8 (accents intact).
        offered = offered_languages(shop)
        yield "\ufeff" + writer.writerow(csv_format.columns_for(shop.language, offered))
        for product in products.iterator(chunk_size=500):
            for cells in csv_format.product_rows(
                product, currency=shop.currency, language=shop.language, offered=offered
            ):
                yield writer.writerow(cells)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    name = f"{shop.slug}-products-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
