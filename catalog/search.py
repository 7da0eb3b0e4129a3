"""Catalog search: PostgreSQL full-text search (GIN-indexed, prefix matching), with a plain
substring fallback on SQLite. Both read the same accent-folded `Product.search_document`, so
"robe rouge 38", "Robe Rouge" and "rob roug" find the same dress everywhere."""

import re
import unicodedata

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connection
from django.db.models import F, Func, QuerySet

MAX_TERMS = 8
_WORD = re.compile(r"\w+", re.UNICODE)


def fold(text: str) -> str:
    """Lower-case without accents: 'Écharpe Été' → 'echarpe ete'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def search_terms(query: str) -> list[str]:
    return _WORD.findall(fold(query))[:MAX_TERMS]


def build_search_document(*, title, description, tags, category_name, variants) -> str:
    parts = [title, category_name or "", " ".join(tags or []), description or ""]
    for variant in variants:
        parts.append(variant.name)
        parts.append(variant.sku)
        parts.extend(str(value) for value in (variant.options or {}).values())
    return fold(" ".join(p for p in parts if p))


class SimpleDocumentVector(Func):
    """to_tsvector('simple', search_document): the same expression the GIN index is built on
    (migration catalog 0003), so PostgreSQL uses the index."""

    template = "to_tsvector('simple'::regconfig, %(expressions)s)"
    output_field = SearchVectorField()


def search_products(queryset: QuerySet, query: str) -> QuerySet:
    terms = search_terms(query)
    if not terms:
        return queryset.none()
    if connection.vendor == "postgresql":
        tsquery = SearchQuery(
            " & ".join(f"{term}:*" for term in terms), search_type="raw", config="simple"
        )
        # alias, not annotate: the vector is only filtered on, never sent back.
        return queryset.alias(_search_vector=SimpleDocumentVector(F("search_document"))).filter(
            _search_vector=tsquery
        )
    for term in terms:
        queryset = queryset.filter(search_document__contains=term)
    return queryset
