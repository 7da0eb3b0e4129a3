"""A product's images on its dashboard page: upload several, describe, reorder, delete."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse

from catalog import services
from catalog.dashboard_forms import ImageAltForm, ImageUploadForm, MoveForm
from catalog.dashboard_views import plural, product_for_page, render_product_page
from catalog.models import ProductImage
from shops.dashboard_access import dashboard_view
from shops.tenancy import get_for_shop_or_404


def _images_section(product) -> str:
    return reverse("dashboard:product_edit", kwargs={"product_id": product.pk}) + "#images"


def _image_of(request, product, image_id: int) -> ProductImage:
    return get_for_shop_or_404(
        ProductImage.objects.filter(product=product), shop=request.shop, pk=image_id
    )


@dashboard_view("catalog.view", post="catalog.edit")
def image_upload(request, product_id: int):
    product = product_for_page(request, product_id)
    if request.method != "POST":
        return redirect(_images_section(product))
    form = ImageUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            added = services.images_add(product=product, uploads=form.cleaned_data["images"])
        except ValidationError as exc:
            form.add_error("images", exc.message_dict.get("images", exc.messages))
        else:
            messages.success(
                request,
                f"{plural(len(added), 'image', 'images')} added; "
                "thumbnails for the chat channels are being made.",
            )
            return redirect(_images_section(product))
    return render_product_page(request, product, upload_form=form)


@dashboard_view("catalog.view", post="catalog.edit")
def image_update(request, product_id: int, image_id: int):
    product = product_for_page(request, product_id)
    image = _image_of(request, product, image_id)
    if request.method != "POST":
        return redirect(_images_section(product))
    form = ImageAltForm(request.POST, prefix=f"image-{image.pk}")
    if not form.is_valid():
        return render_product_page(request, product, alt_forms={image.pk: form})
    services.image_update(image=image, alt=form.cleaned_data["alt"])
    messages.success(request, "The image description was saved.")
    return redirect(_images_section(product))


@dashboard_view("catalog.view", post="catalog.edit")
def image_move(request, product_id: int, image_id: int):
    product = product_for_page(request, product_id)
    image = _image_of(request, product, image_id)
    form = MoveForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        services.image_move(image=image, direction=form.cleaned_data["direction"])
    return redirect(_images_section(product))


@dashboard_view("catalog.view", post="catalog.edit")
def image_delete(request, product_id: int, image_id: int):
    product = product_for_page(request, product_id)
    image = _image_of(request, product, image_id)
    if request.method == "POST":
        services.image_delete(image=image, actor=request.user)
        messages.success(request, "The image was deleted.")
    return redirect(_images_section(product))
