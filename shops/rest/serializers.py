from collections.abc import Mapping

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class StrictSerializerMixin:
    """Rejects fields the serializer does not know, so a typo is an error, not silently dropped."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({key: ["Unknown field."] for key in unknown})
        return super().to_internal_value(data)


class StrictModelSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    pass


class StrictSerializer(StrictSerializerMixin, serializers.Serializer):
    pass


class MinorUnitsField(serializers.IntegerField):
    """A whole amount in the currency's minor units: 1999 means 19.99. No floats, no strings."""

    default_error_messages = {
        "minor_units": (
            "Must be a whole number in minor units, e.g. 1999 for 19.99 (got {value!r})."
        ),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 10**12)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("minor_units", value=data)
        return super().to_internal_value(data)


# The largest value of a PostgreSQL `integer` column (positions, stock): above it the database
# refuses the write, so the serializer refuses it first, as a 400 naming the field.
MAX_INTEGER_COLUMN = 2**31 - 1


# A display order. Far above any real list, and far enough below MAX_INTEGER_COLUMN that the
# services' "goes last" (the highest position + 1) always fits the column.
MAX_POSITION = 1_000_000


class StrictIntegerField(serializers.IntegerField):
    """A JSON whole number (not "3", not 3.0, not true), at most MAX_INTEGER_COLUMN unless the
    field says otherwise."""

    default_error_messages = {"strict_int": "Must be a whole number (got {value!r})."}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_value", MAX_INTEGER_COLUMN)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("strict_int", value=data)
        return super().to_internal_value(data)


class PositionField(StrictIntegerField):
    """Where an object stands in its list: 0 first; omitted, the object goes last."""

    # What a response may hold: an object appended after one at MAX_POSITION is past it.
    stored_max_value = MAX_INTEGER_COLUMN

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_POSITION)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


@extend_schema_field(OpenApiTypes.INT)
class ShopScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference to another object of the caller's shop. An id from another shop reads exactly
    like an id that does not exist, so nothing leaks across tenants."""

    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self):
        shop = self.context.get("shop")
        if shop is None:
            return self.model.objects.none()
        return self.model.objects.for_shop(shop)
