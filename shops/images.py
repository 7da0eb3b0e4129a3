"""Uploaded images, cleaned with Pillow before anything keeps them: the size and pixel limits,
a real image of an accepted format, EXIF orientation applied, then re-encoded. Used by the
catalog (product photos) and by shops (logos)."""

import io
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


@dataclass(frozen=True)
class CleanImage:
    content: ContentFile
    width: int
    height: int


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def clean_upload(upload, *, field: str = "image") -> CleanImage:
    """A re-encoded copy of an uploaded image, or ValidationError naming `field`.

    Re-encoding from pixels drops EXIF (GPS position, camera serial…) and any payload hidden
    after the image data; orientation from EXIF is applied first so the picture stays upright.
    """
    limit = settings.SOUK_MAX_IMAGE_BYTES
    if upload.size > limit:
        raise ValidationError(
            {field: f"The image is {_megabytes(upload.size)}; the limit is {_megabytes(limit)}."}
        )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as original:
            if original.format not in ACCEPTED_FORMATS:
                raise ValidationError(
                    {field: f"{original.format} images are not accepted; send JPEG, PNG or WebP."}
                )
            if original.width * original.height > settings.SOUK_MAX_IMAGE_PIXELS:
                raise ValidationError({field: "The image has too many pixels."})
            upright = ImageOps.exif_transpose(original)
            has_alpha = upright.mode in ("RGBA", "LA", "P") and "transparency" in upright.info
            has_alpha = has_alpha or upright.mode in ("RGBA", "LA")
            buffer = io.BytesIO()
            if has_alpha:
                upright.convert("RGBA").save(buffer, format="PNG", optimize=True)
                extension = "png"
            else:
                upright.convert("RGB").save(buffer, format="JPEG", quality=88, optimize=True)
                extension = "jpg"
            width, height = upright.size
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError({field: "The file is not a valid image."}) from None

    name = f"{Path(getattr(upload, 'name', '') or 'image').stem[:60] or 'image'}.{extension}"
    return CleanImage(ContentFile(buffer.getvalue(), name=name), width, height)
