"""Catalog search in the words shoppers type: stemmed ("robes" finds "Robe"), accent- and
case-blind ("chere" finds "chère"), tolerant of one typo ("ceintrue" finds "Ceinture"), and
ranked so a product whose title matches comes before one whose description does.

PostgreSQL does it in the database: full text with the shop's language configuration (french
or english) over a GIN-indexed weighted vector (title A, everything else B), plus pg_trgm word
similarity for typos (migration catalog 0006). SQLite (development, the default test run) has
neither, so it does the same in Python with the same Snowball stemmers, over the same
accent-folded `Product.search_document`. The sentence file in tests/conversations runs on both.
Chinese, which has no spaces between words, is matched by substring on both.

`search_document`'s first line is the product's title (folded); the rest is the category, tags,
description and variants. Both backends read the title from that first line.
"""

import operator
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache, reduce

import snowballstemmer
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)

MAX_TERMS = 8
# Shorter words are too often one letter away from another real word ("rob", "red").
TYPO_MIN_LENGTH = 4
_WORD = re.compile(r"\w+", re.UNICODE)

# PostgreSQL text search configuration and Snowball stemmer per shop language. Only these
# names are ever interpolated into SQL.
CONFIGS = {"fr": "french", "en": "english"}
DEFAULT_LANGUAGE = "en"

# Words that carry no meaning for a catalog, in both languages (folded): a French shopper
# writes English words and back. PostgreSQL's own stop lists are close; removing them before
# either backend sees the query keeps both alike.
_STOPWORDS_TEXT = """
a au aux avec ce ces cet cette d de des du en et il je j l la le les leur ma mes mon ne
nous on ou par pas pour qu que qui sa se ses son sur ta te tes ton tu un une vos votre vous
y c est s n m t moi toi
an and are at be by for from i in is it me my of on or the to with you your this that
some any
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def fold(text: str) -> str:
    """Lower-case without accents: 'Écharpe Été' → 'echarpe ete'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


# Words written in one piece, in two or hyphenated, all read as the one piece.
_COMPOUNDS = re.compile(r"\b(?:t|tee)[\s-]?(shirt|shirts)\b")


def join_compounds(folded: str) -> str:
    """'t-shirt', 't shirt', 'tee shirt' → 'tshirt' (in folded text)."""
    return _COMPOUNDS.sub(lambda m: "t" + m.group(1), folded)


def search_terms(query: str) -> list[str]:
    """The meaningful words of a query, folded, at most MAX_TERMS."""
    words = _WORD.findall(join_compounds(fold(query)))
    return [w for w in words if w not in STOPWORDS][:MAX_TERMS]


def build_search_document(
    *, title, description, tags, category_name, variants, other_titles=()
) -> str:
    """`other_titles`: the title in the shop's other languages, ranked as a title too."""
    parts = [category_name or "", " ".join(tags or []), description or ""]
    for variant in variants:
        parts.append(variant.name)
        # "red 38" finds "Rouge · 38" through its English name.
        parts.extend(texts.get("name", "") for texts in (variant.translations or {}).values())
        parts.append(variant.sku)
        parts.extend(str(value) for value in (variant.options or {}).values())
    # The title alone on the first line: the ranking weighs it above the rest.
    first_line = " ".join(join_compounds(fold(" ".join([title, *other_titles]))).split())
    return first_line + "\n" + join_compounds(fold(" ".join(p for p in parts if p)))


def language_of(language: str | None) -> str:
    return language if language in CONFIGS else DEFAULT_LANGUAGE


@cache
def _stemmer(language: str):
    return snowballstemmer.stemmer(CONFIGS[language])


@lru_cache(maxsize=50_000)
def stem(word: str, language: str) -> str:
    return _stemmer(language_of(language)).stemWord(word)


def within_one_edit(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance ≤ 1: one letter added, dropped, changed or two swapped."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]]
            and a[diffs[1]] == b[diffs[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


# --- PostgreSQL ----------------------------------------------------------------------------------


class WeightedDocumentVector(Func):
    """The expression migration catalog 0006 indexes (one GIN index per configuration): the
    first line (title) weighted A, the whole document B. Keep both identical, or the planner
    stops using the index."""

    output_field = SearchVectorField()

    def __init__(self, config: str):
        # The config is one of CONFIGS' values, never shopper text.
        self.template = (
            f"(setweight(to_tsvector('{config}'::regconfig, "
            "split_part(%(expressions)s, E'\\n', 1)), 'A') || "
            f"setweight(to_tsvector('{config}'::regconfig, %(expressions)s), 'B'))"
        )
        super().__init__(F("search_document"))


def weighted_vector_sql(config: str, column: str = "search_document") -> str:
    """The same expression as WeightedDocumentVector, as the migration writes it."""
    return (
        f"(setweight(to_tsvector('{config}'::regconfig, split_part({column}, E'\\n', 1)), 'A') "
        f"|| setweight(to_tsvector('{config}'::regconfig, {column}), 'B'))"
    )


class WordSimilar(Func):
    """`term <% document`: pg_trgm's word similarity at or above its threshold (0.6), served
    by the trigram GIN index."""

    arg_joiner = " <%% "
    template = "(%(expressions)s)"
    output_field = BooleanField()


class FirstLine(Func):
    template = "split_part(%(expressions)s, E'\\n', 1)"


def _postgresql_search(
    queryset: QuerySet, terms: list[str], language: str, *, every_word: bool
) -> QuerySet:
    config = CONFIGS[language]
    queryset = queryset.alias(_search_vector=WeightedDocumentVector(config))
    any_term = None
    term_matches = []
    for term in terms:
        term_query = SearchQuery(f"{term}:*", search_type="raw", config=config)
        any_term = term_query if any_term is None else any_term | term_query
        matches = Q(_search_vector=term_query)
        if len(term) >= TYPO_MIN_LENGTH:
            matches |= Q(WordSimilar(Value(term), F("search_document")))
        term_matches.append(matches)
    if every_word:
        for matches in term_matches:
            queryset = queryset.filter(matches)
    else:
        queryset = queryset.filter(reduce(operator.or_, term_matches))
    # Title words are weighted A (1.0) and the rest B (0.4), so a title match ranks first;
    # a typo in the title still beats a typo in the description through word similarity.
    rank = SearchRank(F("_search_vector"), any_term)
    for term in terms:
        title_typo = WordSimilar(Value(term), FirstLine(F("search_document")))
        rank = rank + Case(When(title_typo, then=Value(0.5)), default=Value(0.0))
    return queryset.alias(search_rank=rank).order_by("-search_rank", "created_at", "id")


# --- SQLite and anything else ----------------------------------------------------------------


@dataclass(frozen=True)
class _Document:
    title_words: frozenset[str]
    words: frozenset[str]
    title_stems: frozenset[str]
    stems: frozenset[str]


@lru_cache(maxsize=20_000)
def _document(text: str, language: str) -> _Document:
    title, _, _rest = text.partition("\n")
    title_words = frozenset(_WORD.findall(title))
    words = frozenset(_WORD.findall(text))
    return _Document(
        title_words=title_words,
        words=words,
        title_stems=frozenset(stem(w, language) for w in title_words),
        stems=frozenset(stem(w, language) for w in words),
    )


def _term_score(term: str, document: _Document, language: str) -> int:
    """3 for a title match, 1 for a match elsewhere, 0 for none; a typo counts one less."""
    term_stem = stem(term, language)

    def exact(stems) -> bool:
        return any(s.startswith(term_stem) or s.startswith(term) for s in stems)

    def near(words, stems) -> bool:
        # The stems too: "escarpain" is one letter from "escarpin", two from "escarpins".
        return len(term) >= TYPO_MIN_LENGTH and any(
            len(w) >= TYPO_MIN_LENGTH and within_one_edit(t, w)
            for t, candidates in ((term, words), (term_stem, stems))
            for w in candidates
        )

    if exact(document.title_stems):
        return 3
    if near(document.title_words, document.title_stems):
        return 2
    if exact(document.stems) or near(document.words, document.stems):
        return 1
    return 0


def _document_score(text: str | None, terms: str, language: str, every_word: int) -> int:
    """The rank of one document for space-separated `terms`; 0 when it does not match."""
    document = _document(text or "", language)
    term_scores = [_term_score(term, document, language) for term in terms.split()]
    matched = all if every_word else any
    return sum(term_scores) if matched(term_scores) else 0


class DocumentScore(Func):
    """_document_score, run by SQLite itself (registered on the connection), so the fallback
    is one query like PostgreSQL's, however many products the shop has."""

    function = "souk_search_score"
    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra_context):
        # Registered when the SQL is compiled, on the connection that runs it: a queryset
        # built before a reconnection, or in another thread, still finds the function.
        connection.ensure_connection()
        connection.connection.create_function(self.function, 4, _document_score, deterministic=True)
        return self.as_sql(compiler, connection, **extra_context)


def _python_search(
    queryset: QuerySet, terms: list[str], language: str, *, every_word: bool
) -> QuerySet:
    score = DocumentScore(
        F("search_document"), Value(" ".join(terms)), Value(language), Value(int(every_word))
    )
    return (
        queryset.alias(search_rank=score)
        .filter(search_rank__gt=0)
        .order_by("-search_rank", "created_at", "id")
    )


# --- Chinese -------------------------------------------------------------------------------------

# Chinese is written without spaces and neither backend stems it (PostgreSQL has no Chinese
# text search configuration): a term with Han characters matches anywhere in the folded
# document, "连衣裙" in "真丝连衣裙". LIKE '%…%', served by the trigram GIN index on PostgreSQL.
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _substring_search(queryset: QuerySet, terms: list[str], *, every_word: bool) -> QuerySet:
    matches = [Q(search_document__contains=term) for term in terms]
    combine = operator.and_ if every_word else operator.or_
    return queryset.filter(reduce(combine, matches)).order_by("created_at", "id")


def search_products(
    queryset: QuerySet, query: str, *, language: str | None = None, every_word: bool = True
) -> QuerySet:
    """Products whose text matches every meaningful word of `query` (or, with
    every_word=False, at least one), stemmed or one typo away, best first. A query of stop
    words only matches nothing."""
    terms = search_terms(query)
    if not terms:
        return queryset.none()
    if any(_HAN.search(term) for term in terms):
        return _substring_search(queryset, terms, every_word=every_word)
    language = language_of(language)
    if connection.vendor == "postgresql":
        return _postgresql_search(queryset, terms, language, every_word=every_word)
    return _python_search(queryset, terms, language, every_word=every_word)


# --- Attributes ----------------------------------------------------------------------------------

# Colour → the folded words shoppers and brands write for it, in both languages. A product has
# the colour when one of the words is in its text or its variants' options.
COLOURS: dict[str, tuple[str, ...]] = {
    "red": ("red", "rouge", "rouges", "bordeaux"),
    "blue": ("blue", "bleu", "bleue", "bleus", "bleues", "navy", "marine"),
    "black": ("black", "noir", "noire", "noirs", "noires"),
    "white": ("white", "blanc", "blanche", "blancs", "blanches", "ecru"),
    "green": ("green", "vert", "verte", "verts", "vertes", "kaki", "khaki"),
    "yellow": ("yellow", "jaune", "jaunes", "moutarde", "mustard"),
    "pink": ("pink", "rose", "roses"),
    "grey": ("grey", "gray", "gris", "grise", "grises"),
    "brown": ("brown", "marron", "camel", "chocolat", "chocolate"),
    "beige": ("beige", "beiges", "sable", "sand"),
    "purple": ("purple", "violet", "violette", "violets", "violettes"),
    "orange": ("orange", "oranges"),
    "gold": ("gold", "golden", "dore", "doree", "dores", "dorees"),
    "silver": ("silver", "argent", "argente", "argentee"),
}
_COLOUR_OF_WORD = {word: colour for colour, words in COLOURS.items() for word in words}


def colour_of(word: str) -> str | None:
    """'Rouges' → 'red'; None when the word names no colour."""
    return _COLOUR_OF_WORD.get(fold(word))


# The option names brands give sizes and colours in variants' `options`.
SIZE_OPTION_KEYS = ("size", "taille", "pointure", "Size", "Taille", "Pointure")
COLOUR_OPTION_KEYS = ("colour", "color", "couleur", "Colour", "Color", "Couleur")


def word_pattern(words: tuple[str, ...]) -> str:
    """A regular expression matching any of `words` as a whole word in search_document, in
    the dialect of the database (PostgreSQL's \\m \\M, Python's \\b on SQLite)."""
    alternatives = "|".join(re.escape(w) for w in words)
    if connection.vendor == "postgresql":
        return rf"\m({alternatives})\M"
    return rf"\b({alternatives})\b"
