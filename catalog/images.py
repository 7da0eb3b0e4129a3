"""Image handling with Pillow: validate uploads as real images, strip metadata, cut thumbnails."""

import io
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
# Thumbnail shapes chat channels display (see shared/channel-limits.md).
CARD_SIZE = (1146, 600)  # 1.91:1
SQUARE_SIZE = (800, 800)


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


def render_thumbnail(source, size: tuple[int, int], *, name: str) -> ContentFile:
    """`source` scaled to fit `size` whole, centred on white, as JPEG. Padding rather than
    cropping: a tall dress in a 1.91:1 card keeps its neckline and hem."""
    source.seek(0)
    with Image.open(source) as image:
        image.load()
        if image.mode in ("RGBA", "LA", "P"):
            # Channels show JPEG best; put transparent areas on white, as a shop page would.
            background = Image.new("RGB", image.size, "white")
            rgba = image.convert("RGBA")
            background.paste(rgba, mask=rgba.getchannel("A"))
            image = background
        fitted = ImageOps.pad(
            image.convert("RGB"), size, method=Image.Resampling.LANCZOS, color="white"
        )
        buffer = io.BytesIO()
        fitted.save(buffer, format="JPEG", quality=85, optimize=True, progressive=True)
    return ContentFile(buffer.getvalue(), name=name)
