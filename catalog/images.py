"""Product thumbnails with Pillow: the shapes chat channels show. (Uploads are cleaned by
shops.images before they are stored.)"""

import io

from django.core.files.base import ContentFile
from PIL import Image, ImageOps

# Thumbnail shapes chat channels display (see shared/channel-limits.md).
CARD_SIZE = (1146, 600)  # 1.91:1
SQUARE_SIZE = (800, 800)


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
