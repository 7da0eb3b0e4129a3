import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog.models import ProductImage
from tests.conftest import PRODUCT_BODY, image_bytes

pytestmark = pytest.mark.django_db

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def photo_with_exif(orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "SecretCam"  # Make
    exif[GPS_IFD] = {1: "N", 2: (48.0, 51.0, 24.0)}
    return image_bytes(size=(600, 300), exif=exif.tobytes())


def upload(api, content: bytes, name="photo.jpg", **fields):
    product_id = api.post("/api/v1/products/", PRODUCT_BODY, format="json").json()["id"]
    data = {"product": product_id, "image": SimpleUploadedFile(name, content), **fields}
    return api.post("/api/v1/images/", data, format="multipart")


def test_upload_strips_exif_applies_orientation_and_cuts_thumbnails(
    api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(api, photo_with_exif(orientation=6), alt="Robe rouge")

    assert response.status_code == 201, response.json()
    image = ProductImage.objects.get(pk=response.json()["id"])
    with Image.open(image.image.path) as stored:
        assert dict(stored.getexif()) == {}
        assert stored.size == (300, 600)  # rotated upright, as the camera meant it
    with Image.open(image.card.path) as card, Image.open(image.square.path) as square:
        assert card.width / card.height == pytest.approx(1.91, abs=0.01)
        assert square.width == square.height
        assert dict(card.getexif()) == {}

    detail = api.get(f"/api/v1/images/{image.pk}/").json()
    assert detail["thumbnails"]["card"].startswith("http://127.0.0.1:8000/media/")
    assert detail["alt"] == "Robe rouge"
    product = api.get(f"/api/v1/products/{image.product_id}/").json()
    assert [i["id"] for i in product["images"]] == [image.pk]


def test_thumbnails_are_null_until_the_task_has_run(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = upload(api, image_bytes())

    assert response.json()["thumbnails"] == {"card": None, "square": None}
    assert len(callbacks) == 1


def test_png_with_transparency_stays_png_and_thumbnail_is_on_white(
    api, django_capture_on_commit_callbacks
):
    content = image_bytes(fmt="PNG", mode="RGBA", color=(0, 0, 0, 0), size=(400, 400))
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(api, content, name="logo.png")

    image = ProductImage.objects.get(pk=response.json()["id"])
    assert image.image.name.endswith(".png")
    with Image.open(image.square.path) as square:
        assert square.convert("RGB").getpixel((10, 10)) == (255, 255, 255)


def test_bytes_hidden_after_the_image_are_dropped(api):
    payload = b"<script>alert(1)</script>"
    response = upload(api, image_bytes() + payload)

    assert response.status_code == 201
    image = ProductImage.objects.get(pk=response.json()["id"])
    assert payload not in image.image.read()


def test_truncated_image_is_rejected(api):
    response = upload(api, image_bytes()[:200])
    assert response.status_code == 400
    assert response.json()["fields"]["image"] == ["The file is not a valid image."]


def test_image_with_too_many_pixels_is_rejected(api, settings):
    settings.SOUK_MAX_IMAGE_PIXELS = 100 * 100
    response = upload(api, image_bytes(size=(200, 200)))
    assert response.status_code == 400
    assert "too many pixels" in response.json()["fields"]["image"][0]


def test_bmp_is_refused_with_the_accepted_formats(api):
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, format="BMP")
    response = upload(api, buffer.getvalue(), name="x.bmp")
    assert response.status_code == 400
    assert "JPEG, PNG or WebP" in response.json()["fields"]["image"][0]


def test_update_alt_and_delete_removes_files(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(api, image_bytes())
    image = ProductImage.objects.get(pk=response.json()["id"])
    paths = [image.image.path, image.card.path, image.square.path]

    patched = api.patch(f"/api/v1/images/{image.pk}/", {"alt": "Vue de dos"}, format="json")
    assert patched.json()["alt"] == "Vue de dos"

    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"/api/v1/images/{image.pk}/").status_code == 204
    assert not any(os.path.exists(p) for p in paths)
