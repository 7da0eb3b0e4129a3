from django.conf import settings
from django.http import QueryDict
from rest_framework import exceptions, parsers

from shops import untrusted
from shops.rest.errors import PayloadTooLarge


def _declared_length(request) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) or None
    except ValueError:
        return None


class LimitedJSONParser(parsers.JSONParser):
    """JSON bodies up to DATA_UPLOAD_MAX_MEMORY_SIZE, parsed by `shops.untrusted.loads`.

    DRF reads the raw stream, bypassing Django's own limit, so the size cap is enforced here
    (413). Anything `untrusted.loads` refuses (nesting that would exhaust the stack, NaN and
    Infinity, invalid UTF-8, lone surrogates, NULs that PostgreSQL cannot store) is a 400 naming
    the problem, before any view sees the body.
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
        try:
            return untrusted.loads(body)
        except untrusted.UntrustedInput as exc:
            raise exceptions.ParseError(str(exc)) from None


def _checked_fields(data: QueryDict) -> QueryDict:
    """Form fields reach the same columns as JSON strings, so they obey the same rules."""
    for key, values in data.lists():
        untrusted.clean_text(key, field="A field name")
        for value in values:
            untrusted.clean_text(value, field=key)
    return data


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
        parsed = super().parse(stream, media_type, parser_context)
        try:
            _checked_fields(parsed.data)
        except untrusted.UntrustedInput as exc:
            raise exceptions.ParseError(str(exc)) from None
        return parsed


class CheckedFormParser(parsers.FormParser):
    """URL-encoded forms, with the field checks of the multipart parser."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return _checked_fields(super().parse(stream, media_type, parser_context))
        except untrusted.UntrustedInput as exc:
            raise exceptions.ParseError(str(exc)) from None
