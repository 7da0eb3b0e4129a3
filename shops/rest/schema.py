"""The OpenAPI document, as served: drf-spectacular taught how Souk authenticates, which errors
each operation can answer, and which fields may come back empty.

Error responses are added here, once, from what every operation shares (its method, whether it
has a body, a path id, query filters), instead of decorating each view: a new endpoint is
documented truthfully without anyone remembering to.
"""

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, force_instance
from rest_framework import serializers

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error of the API has this shape (docs/api.md, Errors).",
    "properties": {
        "error": {
            "type": "string",
            "description": "A stable code: validation_error, parse_error, not_authenticated, "
            "authentication_failed, permission_denied, not_found, method_not_allowed, conflict, "
            "payload_too_large, unsupported_media_type, throttled.",
        },
        "message": {"type": "string", "description": "What is wrong, in a sentence."},
        "fields": {
            "type": "object",
            "description": "Validation errors only: each offending field's path in the body "
            "(`variants.0.price`) or query parameter, with its messages.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
        "retry_after": {
            "type": "integer",
            "description": "429 only: seconds to wait, as in the Retry-After header.",
        },
    },
    "required": ["error", "message"],
}

ERROR_DESCRIPTIONS = {
    "400": "The body or a query parameter is invalid, or the change breaks a rule of the shop; "
    "`fields` names each offending field.",
    "401": "No API key, or an unknown or revoked one.",
    "403": "The API key is read-only.",
    "404": "No such object in the key's shop (another shop's objects read as absent), or an "
    "invalid `cursor`.",
    "409": "The object's state forbids this change; nothing changed.",
    "413": "The body is over the size limit.",
    "415": "The body is not in a media type this operation accepts.",
    "429": "Over the key's rate limit; retry after `Retry-After` seconds.",
}


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "shops.rest.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A shop API key: `Authorization: Bearer souk_…`.",
        }


class SoukAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, plus the error responses each operation can give."""

    def get_filter_backends(self):
        # Filters and ordering apply to a viewset's `list` only (ShopScopedMixin.filter_queryset):
        # a nested list such as /conversations/{id}/messages/ does not take them.
        action = getattr(self.view, "action", None)
        if action is not None and action != "list":
            return []
        return super().get_filter_backends()

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response" or not self._is_api_operation():
            return responses
        for code in self._error_codes():
            responses.setdefault(code, self._error_response(code))
        return responses

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if schema and "format" in schema and _stored_blank_allowed(field):
            # A read-only field drops the model's blank=True, so spectacular declares a format
            # an empty stored value ("" for no tracking URL) does not have.
            outer = {"readOnly", "writeOnly", "nullable", "description", "title"}
            inner = {key: schema.pop(key) for key in list(schema) if key not in outer}
            schema["oneOf"] = [inner, {"type": "string", "maxLength": 0}]
        return schema

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "response":
            for name, field in force_instance(serializer).fields.items():
                stored_max = getattr(field, "stored_max_value", None)
                if stored_max is not None and name in schema.get("properties", {}):
                    # The field's maximum is what a client may send, not what may be stored.
                    schema["properties"][name]["maximum"] = stored_max
        return schema

    def _is_api_operation(self) -> bool:
        return self.path.startswith("/api/v1/")

    def _error_codes(self) -> list[str]:
        has_body = self._get_request_body() is not None
        has_query = any(parameter.get("in") == "query" for parameter in self._get_parameters())
        is_list = getattr(self.view, "action", None) == "list"
        codes = []
        # A list validates its filters (and refuses NUL in any query value); a write may also
        # be refused by the service's own rules (the web chat channel cannot be disconnected).
        if has_body or is_list or self.method in WRITE_METHODS:
            codes.append("400")
        codes.append("401")
        if self.method in WRITE_METHODS:
            codes.append("403")
        if "{id}" in self.path or (has_query and self._get_paginator() is not None):
            codes.append("404")
        if getattr(self.view, "action", None) in getattr(self.view, "conflicting_actions", ()):
            codes.append("409")
        if has_body:
            codes += ["413", "415"]
        codes.append("429")
        return codes

    def _error_response(self, code: str) -> dict:
        component = ResolvedComponent(
            name="Error", type=ResolvedComponent.SCHEMA, schema=ERROR_SCHEMA, object="Error"
        )
        self.registry.register_on_missing(component)
        response = {
            "description": ERROR_DESCRIPTIONS[code],
            "content": {"application/json": {"schema": component.ref}},
        }
        if code == "401":
            response["headers"] = {
                "WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}
            }
        if code == "429":
            response["headers"] = {
                "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds."}
            }
        return response


def _stored_blank_allowed(field) -> bool:
    if not isinstance(field, serializers.CharField) or not field.read_only:
        return False
    parent = getattr(field, "parent", None)
    model = getattr(getattr(parent, "Meta", None), "model", None)
    if model is None or not field.source or "." in field.source:
        return False
    try:
        return model._meta.get_field(field.source).blank
    except FieldDoesNotExist:  # a property or a method: nothing to learn
        return False
