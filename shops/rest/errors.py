"""One error format for the whole API.

    {"error": "validation_error",
     "message": "variants.0.price: Ensure this value is greater than or equal to 0.",
     "fields": {"variants.0.price": ["Ensure this value is greater than or equal to 0."]}}

`fields` (validation errors only) names every offending field by its path in the request body.
"""

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "Request body too large."
    default_code = "payload_too_large"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


def flatten_errors(detail, path: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail → {"variants.0.price": ["…"]}."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            if key == "non_field_errors" and path:
                flat.update(flatten_errors(value, path))
            else:
                flat.update(flatten_errors(value, f"{path}.{key}" if path else str(key)))
        return flat
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return {path or "non_field_errors": [str(item) for item in detail]}
        flat = {}
        for index, item in enumerate(detail):
            if item:
                flat.update(flatten_errors(item, f"{path}.{index}" if path else str(index)))
        return flat
    return {path or "non_field_errors": [str(detail)]}


def _error_code(exc: exceptions.APIException) -> str:
    if isinstance(exc, exceptions.ValidationError):
        return "validation_error"
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        # Services validate too; their errors name fields the same way.
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # unexpected: Django logs it and handler500 answers in JSON

    body: dict = {"error": _error_code(exc)}
    if isinstance(exc, exceptions.ValidationError):
        fields = flatten_errors(exc.detail)
        first_path, first_messages = next(iter(fields.items()))
        prefix = "" if first_path == "non_field_errors" else f"{first_path}: "
        body["message"] = prefix + first_messages[0]
        body["fields"] = fields
    else:
        body["message"] = str(exc.detail)
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        body["retry_after"] = int(exc.wait)
    response.data = body
    return response


def server_error(request, *args, **kwargs):
    """handler500: JSON for API clients, never a stack trace."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": "server_error", "message": "Internal error; it has been logged."},
            status=500,
        )
    from django.views.defaults import server_error as html_server_error

    return html_server_error(request, *args, **kwargs)


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Any /api/ path no endpoint matches: a JSON 404, like every other API error. Exempt from
    CSRF (the API authenticates with a Bearer key, never a cookie), or a POST or DELETE to a
    malformed id would get the CSRF middleware's HTML 403 instead."""
    return JsonResponse(
        {"error": "not_found", "message": f"No API endpoint at {request.path}."}, status=404
    )
