import io

from django.conf import settings
from rest_framework import parsers

from shops.rest.errors import PayloadTooLarge


def _declared_length(request) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) or None
    except ValueError:
        return None


class LimitedJSONParser(parsers.JSONParser):
    """JSON bodies up to DATA_UPLOAD_MAX_MEMORY_SIZE; larger ones are a 413, not parsed.

    DRF reads the raw stream, bypassing Django's own limit, so the cap is enforced here.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = parser_context["request"]
        declared = _declared_length(request)
        if declared is not None and declared > limit:
            raise PayloadTooLarge(f"Request body is {declared} bytes; the limit is {limit}.")
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise PayloadTooLarge(f"Request body is over the limit of {limit} bytes.")
        return super().parse(io.BytesIO(body), media_type, parser_context)


class LimitedMultiPartParser(parsers.MultiPartParser):
    """File uploads: refused before reading when the body cannot hold an acceptable image."""

    def parse(self, stream, media_type=None, parser_context=None):
        declared = _declared_length(parser_context["request"])
        limit = settings.SOUK_MAX_IMAGE_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if declared is not None and declared > limit:
            raise PayloadTooLarge(
                f"Upload is {declared} bytes; images may be at most "
                f"{settings.SOUK_MAX_IMAGE_BYTES} bytes."
            )
        return super().parse(stream, media_type, parser_context)
