"""A product's images on its page: upload several, thumbnails, alt text, order, delete."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.models import ProductImage
from catalog.services import image_add
from tests.conftest import image_bytes
from tests.dashboard.catalog_helpers import make_product

pytestmark = pytest.mark.django_db


def jpeg(name="robe.jpg", **kw) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes(**kw), content_type="image/jpeg")


def images_url(product) -> str:
    return f"/dashboard/products/{product.pk}/images/"


def image_url(image, action="") -> str:
    return f"/dashboard/products/{image.product_id}/images/{image.pk}/{action}"


def test_upload_several_images_at_once(shop, manager_client, django_capture_on_commit_callbacks):
    product = make_product(shop)
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            images_url(product), {"images": [jpeg("face.jpg"), jpeg("dos.png", fmt="PNG")]}
        )
    assert response.status_code == 302
    assert response["Location"] == f"/dashboard/products/{product.pk}/#images"
    images = list(product.images.order_by("position"))
    assert [i.position for i in images] == [0, 1]
    assert all(i.square for i in images)  # the thumbnail task ran after the commit

    page = manager_client.get(f"/dashboard/products/{product.pk}/").content.decode()
    assert "2 images added" in page
    assert images[0].square.url in page
    assert 'data-preview="#image-preview"' in page and "multiple" in page


def test_an_image_without_its_thumbnail_says_processing(shop, manager_client):
    product = make_product(shop)
    image = image_add(product=product, upload=jpeg())  # its task waits for a commit
    assert not ProductImage.objects.get(pk=image.pk).square
    page = manager_client.get(f"/dashboard/products/{product.pk}/").content.decode()
    assert "Processing…" in page


def test_a_bad_file_is_a_form_error_and_nothing_is_stored(shop, manager_client):
    product = make_product(shop)
    response = manager_client.post(
        images_url(product),
        {"images": [jpeg("good.jpg"), SimpleUploadedFile("bad.jpg", b"GIF89a nonsense")]},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "bad.jpg: The file is not a valid image." in page
    assert 'class="field has-error"' in page
    assert not ProductImage.objects.exists()


def test_an_upload_without_a_file_says_so(shop, manager_client):
    product = make_product(shop)
    response = manager_client.post(images_url(product), {})
    assert "This field is required." in response.content.decode()


def test_too_large_an_image_is_refused_beside_the_field(shop, manager_client, settings):
    settings.SOUK_MAX_IMAGE_BYTES = 1000
    product = make_product(shop)
    response = manager_client.post(images_url(product), {"images": [jpeg()]})
    assert "the limit is" in response.content.decode()
    assert not ProductImage.objects.exists()


def test_alt_text_is_saved(shop, manager_client):
    product = make_product(shop)
    image = image_add(product=product, upload=jpeg())
    response = manager_client.post(image_url(image), {f"image-{image.pk}-alt": "Robe rouge, face"})
    assert response.status_code == 302
    image.refresh_from_db()
    assert image.alt == "Robe rouge, face"


def test_too_long_alt_text_is_shown_beside_it(shop, manager_client):
    product = make_product(shop)
    image = image_add(product=product, upload=jpeg())
    response = manager_client.post(image_url(image), {f"image-{image.pk}-alt": "x" * 201})
    assert response.status_code == 200
    assert "at most 200 characters" in response.content.decode()
    image.refresh_from_db()
    assert image.alt == ""


def test_reorder_with_arrows(shop, manager_client):
    product = make_product(shop)
    first, second, third = (image_add(product=product, upload=jpeg()) for _ in range(3))

    manager_client.post(image_url(third, "move/"), {"direction": "up"})
    assert list(product.images.order_by("position").values_list("pk", flat=True)) == [
        first.pk,
        third.pk,
        second.pk,
    ]
    manager_client.post(image_url(first, "move/"), {"direction": "down"})
    manager_client.post(image_url(first, "move/"), {"direction": "down"})  # already last
    assert list(product.images.order_by("position").values_list("pk", flat=True)) == [
        third.pk,
        second.pk,
        first.pk,
    ]


def test_delete_an_image(shop, manager_client, caplog):
    product = make_product(shop)
    keep, gone = (
        image_add(product=product, upload=jpeg()),
        image_add(product=product, upload=jpeg()),
    )
    page = manager_client.get(f"/dashboard/products/{product.pk}/").content.decode()
    assert "Delete image 2 of “Robe portefeuille”?" in page

    manager_client.post(image_url(gone, "delete/"))

    assert list(product.images.values_list("pk", flat=True)) == [keep.pk]
    assert f"product image deleted shop={shop.pk} product={product.pk} image={gone.pk}" in (
        caplog.text
    )


def test_agents_see_images_but_cannot_change_them(shop, agent_client):
    product = make_product(shop)
    image = image_add(product=product, upload=jpeg())
    page = agent_client.get(f"/dashboard/products/{product.pk}/").content.decode()
    assert "Save description" not in page and "Upload" not in page
    assert agent_client.post(images_url(product), {"images": [jpeg()]}).status_code == 403
    assert agent_client.post(image_url(image), {f"image-{image.pk}-alt": "x"}).status_code == 403
    assert agent_client.post(image_url(image, "move/"), {"direction": "up"}).status_code == 403
    assert agent_client.post(image_url(image, "delete/")).status_code == 403
    assert ProductImage.objects.count() == 1


def test_another_shops_images_and_products_are_not_found(shop, other_shop, manager_client):
    mine = make_product(shop, skus=("M",))
    theirs = make_product(other_shop, skus=("T",))
    their_image = image_add(product=theirs, upload=jpeg())
    # Their image under my product, and my product's URL with their product's image.
    mismatched = f"/dashboard/products/{mine.pk}/images/{their_image.pk}/"
    for url, data in [
        (images_url(theirs), {"images": [jpeg()]}),
        (image_url(their_image), {f"image-{their_image.pk}-alt": "x"}),
        (image_url(their_image, "move/"), {"direction": "up"}),
        (image_url(their_image, "delete/"), {}),
        (mismatched, {}),
        (f"{mismatched}delete/", {}),
    ]:
        assert manager_client.post(url, data).status_code == 404, url
        assert manager_client.get(url).status_code == 404, url
    assert ProductImage.objects.filter(pk=their_image.pk).exists()
    assert not mine.images.exists()
