"""Query filters for every list: ids as bounded whole numbers, never a lookup in another
table.

django-filter's default for a foreign key checks the id against *all* rows of the related
model: an id of another shop would answer 200 (empty) where a missing one answers 400, telling a
caller which ids exist elsewhere. Here an id is only a number; the shop-scoped queryset does the
rest. The bounds keep an absurd value (`?category=1e66`) a 400 instead of a database error.
"""

from datetime import UTC

import django_filters
from django import forms
from django.db import models
from django_filters.fields import IsoDateTimeField
from django_filters.filterset import FILTER_FOR_DBFIELD_DEFAULTS
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field

MAX_ID = 2**63 - 1


class IdFormField(forms.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


@extend_schema_field({"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """Objects referring to this id (`?product=12`)."""

    field_class = IdFormField


class UtcDateTimeFormField(IsoDateTimeField):
    """An ISO 8601 instant, handed to the database in UTC: PostgreSQL refuses offsets beyond
    ±15:59 that ISO 8601 allows (`+22:18`), and an instant a year-1 date cannot move to UTC is
    out of range rather than a crash."""

    default_error_messages = {"out_of_range": "This instant is out of range."}

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError(
                self.error_messages["out_of_range"], code="out_of_range"
            ) from None


class DateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcDateTimeFormField


class ShopFilterSet(django_filters.FilterSet):
    FILTER_DEFAULTS = {
        **FILTER_FOR_DBFIELD_DEFAULTS,
        models.ForeignKey: {"filter_class": IdFilter},
        models.OneToOneField: {"filter_class": IdFilter},
        models.DateTimeField: {"filter_class": DateTimeFilter},
    }


class ShopFilterBackend(DjangoFilterBackend):
    """DjangoFilterBackend building `filterset_fields` on ShopFilterSet."""

    filterset_base = ShopFilterSet
