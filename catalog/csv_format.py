"""The catalog's CSV format, shared by the import and the export so that a file exported,
edited in a spreadsheet and imported back changes exactly what was edited.

One row per variant; the product's columns repeat on each of its rows. Rows with the same
`product_ref` are one product (the export writes the product's id there); without a
`product_ref`, a row belongs to the product of its SKU, or to the new product of that title.

Blank cells: a blank `title`, `active`, `variant_name`, `price`, `stock` or `track_stock` keeps
the current value (a default for something new); a blank `description`, `category`, `tags` or
option clears it. Columns left out of the file are not touched: a file with only `sku` and
`stock` updates stock and nothing else.

`title_en`, `description_en`, `title_fr`… are the product's text in the shop's other languages
(catalog/translations.py), `variant_name_en`… the variant's name ("Red · 38"); a blank one
removes that translation. The shop's own language has no such columns: its text is `title`,
`description` and `variant_name`.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings

from catalog.models import Product, Variant
from catalog.serializers import MAX_OPTIONS, MAX_TAGS
from shops.money import AmountError, amount_input_value, parse_amount

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
MAX_STOCK = 10**9  # as the API's stock field

PRODUCT_COLUMNS = ("product_ref", "title", "description", "category", "active", "tags")
OPTION_COLUMNS = tuple(
    f"option{n}_{part}" for n in range(1, MAX_OPTIONS + 1) for part in ("name", "value")
)
VARIANT_COLUMNS = ("sku", "variant_name", *OPTION_COLUMNS, "price", "stock", "track_stock")
TRANSLATED_FIELDS = ("title", "description")


def column_language(language: str) -> str:
    """A language code as column names write it: "zh-hans" → "zh_hans" (headers are read
    with hyphens as underscores)."""
    return language.replace("-", "_")


# Every language Souk speaks: a file can carry any of them; an export writes the shop's.
TRANSLATION_COLUMNS = tuple(
    f"{name}_{column_language(language)}"
    for language, _label in settings.LANGUAGES
    for name in TRANSLATED_FIELDS
)
VARIANT_TRANSLATED_FIELDS = ("variant_name",)
VARIANT_TRANSLATION_COLUMNS = tuple(
    f"{name}_{column_language(language)}"
    for language, _label in settings.LANGUAGES
    for name in VARIANT_TRANSLATED_FIELDS
)
COLUMNS = (*PRODUCT_COLUMNS, *VARIANT_COLUMNS, *TRANSLATION_COLUMNS, *VARIANT_TRANSLATION_COLUMNS)
REQUIRED_COLUMNS = ("sku",)

# What a spreadsheet would run as a formula: such cells are written with a leading apostrophe
# (OWASP "CSV injection"), which the import removes again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

TRUE_WORDS = {"yes", "y", "true", "1", "oui", "o", "vrai"}
FALSE_WORDS = {"no", "n", "false", "0", "non", "faux"}

# Lengths the models and the API accept.
MAX_LENGTHS = {
    "title": 200,
    "description": 5000,
    "category": 120,
    "sku": 64,
    "variant_name": 120,
    "tag": 40,
    "option_name": 30,
    "option_value": 60,
}


def columns_for(language: str, offered: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """The columns of a shop writing in `language`: no translation columns for its own, and
    given the languages it `offered` (Shop.languages), none for the others either."""
    translated = {*TRANSLATION_COLUMNS, *VARIANT_TRANSLATION_COLUMNS}
    return tuple(
        column
        for column in COLUMNS
        if column not in translated
        or (
            translation_of(column)[1] != language
            and (offered is None or translation_of(column)[1] in offered)
        )
    )


def translation_of(column: str) -> tuple[str, str]:
    """("title", "en") for "title_en", ("title", "zh-hans") for "title_zh_hans"."""
    for language, _label in settings.LANGUAGES:
        suffix = f"_{column_language(language)}"
        if column.endswith(suffix):
            return column.removesuffix(suffix), language
    name, language = column.rsplit("_", 1)
    return name, language


def translations_with(current: dict, values: dict) -> dict:
    """`current` translations with the translation columns in `values` applied (blank removes)."""
    merged = {language: dict(texts) for language, texts in (current or {}).items()}
    for column, text in values.items():
        name, language = translation_of(column)
        texts = merged.setdefault(language, {})
        if text:
            texts[name] = text
        else:
            texts.pop(name, None)
    return {language: texts for language, texts in merged.items() if texts}


def variant_translations_with(current: dict, values: dict) -> dict:
    """As translations_with, for the variant_name_<language> columns (the variant's `name`)."""
    renamed = {f"name_{translation_of(column)[1]}": text for column, text in values.items()}
    return translations_with(current, renamed)


def variant_translated_cell(variant: Variant, column: str) -> str:
    language = translation_of(column)[1]
    return ((variant.translations or {}).get(language) or {}).get("name", "")


def translated_cell(product: Product, column: str) -> str:
    name, language = translation_of(column)
    return ((product.translations or {}).get(language) or {}).get(name, "")


class FileError(ValueError):
    """The file as a whole cannot be read; the message tells the person what to do."""


@dataclass
class CsvRow:
    number: int  # as a spreadsheet numbers it: the header is row 1
    cells: dict[str, str]  # by column name
    extra_cells: int = 0  # non-blank cells beyond the header's columns


@dataclass
class CsvFile:
    columns: tuple[str, ...]
    rows: list[CsvRow]
    delimiter: str
    encoding: str
    text: str  # the decoded file, as stored for the import to read again


# --- Reading a file -----------------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str]:
    """UTF-8, with or without the BOM Excel writes; else Windows-1252, which Excel's plain "CSV"
    uses in France. Returns (text, encoding)."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError as exc:
        raise FileError(
            "The file is not text we can read. Save it as “CSV UTF-8” from your spreadsheet."
        ) from exc


def _sniff_delimiter(first_line: str) -> str:
    """`;` (Excel in French and most of Europe), `,` or tab: whichever splits the header most."""
    counts = {d: first_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _normalise_header(name: str) -> str:
    return name.strip().strip("\ufeff").lower().replace(" ", "_").replace("-", "_")


def read_upload(data: bytes) -> CsvFile:
    if len(data) > MAX_FILE_BYTES:
        raise FileError(
            f"The file is {len(data) / 1024 / 1024:.1f} MB; an import takes at most "
            f"{MAX_FILE_BYTES // 1024 // 1024} MB. Split it into several files."
        )
    text, encoding = decode(data)
    return parse_text(text, encoding=encoding)


def parse_text(text: str, *, encoding: str = "utf-8") -> CsvFile:
    if "\x00" in text:
        raise FileError("The file contains binary data. Upload a CSV file (text).")
    text = text.removeprefix("\ufeff")
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise FileError("The file is empty. Its first row must name the columns, such as sku.")
    delimiter = _sniff_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
        columns = _check_header(header)
        rows = []
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue  # blank lines spreadsheets leave at the end
            if len(rows) >= MAX_ROWS:
                raise FileError(
                    f"The file has more than {MAX_ROWS:,} rows; an import takes at most "
                    f"{MAX_ROWS:,}. Split it into several files."
                )
            # Excel drops trailing empty cells: a short row is padded with blanks.
            values = {
                column: unescape(cells[i]) if i < len(cells) else ""
                for i, column in enumerate(columns)
            }
            extra = sum(1 for cell in cells[len(columns) :] if cell.strip())
            rows.append(CsvRow(number, values, extra))
    except csv.Error as exc:
        raise FileError(f"The file is not valid CSV (row {reader.line_num}): {exc}.") from exc
    if not rows:
        raise FileError("The file has no rows below its header.")
    return CsvFile(columns=columns, rows=rows, delimiter=delimiter, encoding=encoding, text=text)


def _check_header(header: list[str]) -> tuple[str, ...]:
    columns = tuple(_normalise_header(name) for name in header)
    unknown = [name for name in columns if name and name not in COLUMNS]
    if unknown:
        raise FileError(
            f"Unknown column{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}. "
            f"The columns are: {', '.join(COLUMNS)}."
        )
    if "" in columns:
        raise FileError(f"Column {columns.index('') + 1} has no name in the first row.")
    repeated = sorted({name for name in columns if columns.count(name) > 1})
    if repeated:
        raise FileError(f"The column {', '.join(repeated)} appears more than once.")
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise FileError(f"The file needs a {', '.join(missing)} column (the variant's SKU).")
    return columns


def unescape(cell: str) -> str:
    """Removes the apostrophe the export put before a formula-like cell."""
    if cell.startswith("'") and cell[1:2] and cell[1] in FORMULA_STARTS:
        return cell[1:]
    return cell


def escape(cell: str) -> str:
    """A cell a spreadsheet will show as text, never run as a formula."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


# --- One row's values ---------------------------------------------------------------------------


@dataclass
class RowValues:
    """What one row says, typed. Only the cells that were given are in `product`/`variant`."""

    number: int
    product_ref: str = ""
    sku: str = ""
    product: dict = field(default_factory=dict)  # title, description, category, active, tags
    variant: dict = field(default_factory=dict)  # name, options, price, stock, track_stock
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column, message)

    @property
    def has_variant(self) -> bool:
        """False for a row of a product without variants (the export writes one per such
        product): no SKU and every variant cell blank."""
        return bool(self.sku) or any(value != {} for value in self.variant.values())


def _boolean(text: str) -> bool:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError("Write yes or no.")


def _too_long(column: str, value: str, limit_key: str | None = None) -> str | None:
    limit = MAX_LENGTHS[limit_key or column]
    if len(value) > limit:
        return f"At most {limit} characters (this one has {len(value)})."
    return None


def read_row(csv_row: CsvRow, *, currency: str, language: str = "") -> RowValues:
    row = RowValues(number=csv_row.number)
    cells = csv_row.cells
    if csv_row.extra_cells:
        row.errors.append(("", "This row has more cells than the header has columns."))
    present = set(cells)

    def given(column: str) -> str | None:
        """The stripped cell, or None when the column is absent or the cell blank."""
        value = cells.get(column, "").strip()
        return value or None

    row.product_ref = given("product_ref") or ""
    row.sku = given("sku") or ""
    if error := _too_long("sku", row.sku):
        row.errors.append(("sku", error))

    if (title := given("title")) is not None:
        if error := _too_long("title", title):
            row.errors.append(("title", error))
        row.product["title"] = title
    if "description" in present:
        description = cells["description"].replace("\r\n", "\n").strip()
        if error := _too_long("description", description):
            row.errors.append(("description", error))
        row.product["description"] = description
    if "category" in present:
        category = cells["category"].strip()
        if error := _too_long("category", category):
            row.errors.append(("category", error))
        row.product["category"] = category
    if (active := given("active")) is not None:
        try:
            row.product["active"] = _boolean(active)
        except ValueError as exc:
            row.errors.append(("active", f"{exc} You wrote “{active}”."))
    if "tags" in present:
        tags = [tag.strip() for tag in cells["tags"].split(",") if tag.strip()]
        if len(tags) > MAX_TAGS:
            row.errors.append(("tags", f"At most {MAX_TAGS} tags (this row has {len(tags)})."))
        elif long := [tag for tag in tags if len(tag) > MAX_LENGTHS["tag"]]:
            row.errors.append(("tags", f"Tag “{long[0][:50]}” is over 40 characters."))
        row.product["tags"] = list(dict.fromkeys(tags))

    for column in (*TRANSLATION_COLUMNS, *VARIANT_TRANSLATION_COLUMNS):
        if column not in present:
            continue
        text = cells[column].replace("\r\n", "\n").strip()
        name, text_language = translation_of(column)
        if text and text_language == language:
            row.errors.append(
                (column, f"The shop writes in “{language}”: put this text in the {name} column.")
            )
            continue
        if error := _too_long(column, text, name):
            row.errors.append((column, error))
        if column in VARIANT_TRANSLATION_COLUMNS:
            if text or row.sku:  # an export's row of a product without variants has it blank
                row.variant[column] = text
        else:
            row.product[column] = text

    if (name := given("variant_name")) is not None:
        if error := _too_long("variant_name", name):
            row.errors.append(("variant_name", error))
        row.variant["name"] = name
    if present & set(OPTION_COLUMNS):
        row.variant["options"] = _read_options(cells, row)
    if (price := given("price")) is not None:
        try:
            row.variant["price"] = parse_amount(price, currency)
        except AmountError as exc:
            row.errors.append(("price", f"{exc} You wrote “{price}”."))
    if (stock := given("stock")) is not None:
        if not stock.isdigit():
            row.errors.append(
                ("stock", f"Write a whole number of units, 0 or more. You wrote “{stock}”.")
            )
        elif int(stock) > MAX_STOCK:
            row.errors.append(("stock", f"At most {MAX_STOCK:,} units."))
        else:
            row.variant["stock"] = int(stock)
    if (track := given("track_stock")) is not None:
        try:
            row.variant["track_stock"] = _boolean(track)
        except ValueError as exc:
            row.errors.append(("track_stock", f"{exc} You wrote “{track}”."))

    if not row.sku and row.has_variant:
        row.errors.append(("sku", "Every variant needs a SKU."))
    return row


def _read_options(cells: dict[str, str], row: RowValues) -> dict[str, str]:
    options: dict[str, str] = {}
    for n in range(1, MAX_OPTIONS + 1):
        name = cells.get(f"option{n}_name", "").strip()
        value = cells.get(f"option{n}_value", "").strip()
        if not name and not value:
            continue
        if not name:
            row.errors.append((f"option{n}_name", f"Option {n} has a value but no name."))
        elif not value:
            row.errors.append((f"option{n}_value", f"Option “{name[:30]}” has no value."))
        elif len(name) > MAX_LENGTHS["option_name"]:
            row.errors.append((f"option{n}_name", "Option names are at most 30 characters."))
        elif len(value) > MAX_LENGTHS["option_value"]:
            row.errors.append((f"option{n}_value", "Option values are at most 60 characters."))
        elif name in options:
            row.errors.append((f"option{n}_name", f"Option “{name}” is given twice."))
        else:
            options[name] = value
    return options


# --- Writing (the export) -----------------------------------------------------------------------


def export_delimiter(language: str) -> str:
    """`;` for French shops: Excel in French splits on it (and "24,90" reads as a price)."""
    return ";" if language == "fr" else ","


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


def product_rows(
    product: Product, *, currency: str, language: str, offered: tuple[str, ...] | None = None
) -> Iterator[list[str]]:
    """The product's rows in columns_for(language, offered) order, one per variant (one if it
    has none), escaped.
    Expects `category` and `variants` loaded (catalog.selectors.product_list does)."""
    head = [
        str(product.pk),
        product.title,
        product.description,
        product.category.name if product.category_id else "",
        yes_no(product.active),
        ", ".join(product.tags or []),
    ]
    translated = [
        translated_cell(product, column)
        for column in columns_for(language, offered)
        if column in TRANSLATION_COLUMNS
    ]
    variant_columns = [
        c for c in columns_for(language, offered) if c in VARIANT_TRANSLATION_COLUMNS
    ]
    variants = list(product.variants.all())
    if not variants:
        blank = [""] * len(VARIANT_COLUMNS)
        cells = head + blank + translated + [""] * len(variant_columns)
        yield [escape(cell) for cell in cells]
        return
    for variant in variants:
        options = list((variant.options or {}).items())[:MAX_OPTIONS]
        option_cells: list[str] = []
        for n in range(MAX_OPTIONS):
            name, value = options[n] if n < len(options) else ("", "")
            option_cells += [str(name), str(value)]
        cells = [
            *head,
            variant.sku,
            variant.name,
            *option_cells,
            amount_input_value(variant.price, currency, language),
            str(variant.stock),
            yes_no(variant.track_stock),
            *translated,
            *(variant_translated_cell(variant, column) for column in variant_columns),
        ]
        yield [escape(cell) for cell in cells]
