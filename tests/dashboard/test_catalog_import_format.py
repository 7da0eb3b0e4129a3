"""Reading a catalog CSV: encodings, delimiters, limits, and what each cell may hold."""

import pytest

from catalog import csv_format
from catalog.csv_format import FileError, read_row, read_upload

HEADER = "product_ref,title,sku,variant_name,option1_name,option1_value,price,stock,active"


def rows_of(text: str, currency: str = "EUR"):
    csv_file = read_upload(text.encode())
    return [read_row(row, currency=currency) for row in csv_file.rows]


def test_utf8_with_bom_semicolons_and_crlf_as_french_excel_writes_them():
    data = (
        "\ufeffsku;title;price;stock\r\nROBE-38;Robe été;24,90;5\r\nROBE-40;Robe été;1 234,50;0\r\n"
    ).encode()
    csv_file = read_upload(data)
    assert csv_file.delimiter == ";"
    assert csv_file.columns == ("sku", "title", "price", "stock")
    rows = [read_row(row, currency="EUR") for row in csv_file.rows]
    assert [r.number for r in rows] == [2, 3]
    assert rows[0].sku == "ROBE-38"
    assert rows[0].product == {"title": "Robe été"}
    assert rows[0].variant == {"price": 2490, "stock": 5}
    assert rows[1].variant["price"] == 123450
    assert all(not r.errors for r in rows)


def test_commas_and_a_dot_price_without_bom():
    (row,) = rows_of("sku,price\nA-1,24.90\n")
    assert row.variant == {"price": 2490}


def test_windows_1252_from_plain_excel_csv_is_read():
    csv_file = read_upload("sku;title\nA;Écharpe\n".encode("cp1252"))
    assert csv_file.encoding == "windows-1252"
    assert csv_file.rows[0].cells["title"] == "Écharpe"


def test_header_names_are_forgiving_about_case_and_spaces():
    csv_file = read_upload(b"SKU,Variant Name,Track-Stock\nA,Small,no\n")
    assert csv_file.columns == ("sku", "variant_name", "track_stock")
    assert read_row(csv_file.rows[0], currency="EUR").variant == {
        "name": "Small",
        "track_stock": False,
    }


def test_unknown_column_is_named():
    with pytest.raises(FileError, match="Unknown column colour"):
        read_upload(b"sku,colour\nA,red\n")


def test_missing_sku_column():
    with pytest.raises(FileError, match="needs a sku column"):
        read_upload(b"title,price\nRobe,10\n")


def test_repeated_column():
    with pytest.raises(FileError, match="price appears more than once"):
        read_upload(b"sku,price,price\nA,1,2\n")


def test_empty_file_and_header_only():
    with pytest.raises(FileError, match="empty"):
        read_upload(b"")
    with pytest.raises(FileError, match="no rows"):
        read_upload(b"sku,price\n\n\n")


def test_too_many_rows(monkeypatch):
    monkeypatch.setattr(csv_format, "MAX_ROWS", 3)
    read_upload(b"sku\nA\nB\nC\n")
    with pytest.raises(FileError, match="more than 3 rows"):
        read_upload(b"sku\nA\nB\nC\nD\n")


def test_too_large():
    data = b"sku\n" + b"A\n" * (2_700_000)
    with pytest.raises(FileError, match=r"The file is 5.1 MB; an import takes at most 5 MB"):
        read_upload(data)


def test_binary_file_is_refused():
    with pytest.raises(FileError, match="binary"):
        read_upload(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


def test_bad_price_names_the_cell():
    (row,) = rows_of("sku,price\nA,douze\n")
    assert row.errors == [("price", "Enter an amount, such as 24,90. You wrote “douze”.")]
    assert "price" not in row.variant


def test_negative_price_and_bad_stock_and_yes_no():
    (row,) = rows_of("sku,price,stock,active\nA,-3,2.5,maybe\n")
    columns = [column for column, _ in row.errors]
    assert columns == ["active", "price", "stock"]


def test_missing_sku_on_a_variant_row():
    (row,) = rows_of(f"{HEADER}\nr1,Robe,,Rouge 38,size,38,10,1,yes\n")
    assert ("sku", "Every variant needs a SKU.") in row.errors


def test_product_row_without_variant_needs_no_sku():
    (row,) = rows_of(f"{HEADER}\n12,Robe,,,,,,,yes\n")
    assert row.errors == []
    assert not row.has_variant
    assert row.product == {"title": "Robe", "active": True}


def test_options_need_a_name_and_a_value():
    (row,) = rows_of("sku,option1_name,option1_value,option2_name,option2_value\nA,size,,,red\n")
    assert [column for column, _ in row.errors] == ["option1_value", "option2_name"]


def test_more_cells_than_columns():
    (row,) = rows_of("sku,price\nA,10,surprise\n")
    assert row.errors == [("", "This row has more cells than the header has columns.")]


def test_short_rows_are_padded_as_excel_trims_them():
    (row,) = rows_of("sku,title,price\nA,Robe\n")
    assert row.errors == []
    assert row.variant == {}


def test_blank_lines_keep_spreadsheet_row_numbers():
    rows = rows_of("sku,price\nA,1\n\nB,2\n")
    assert [r.number for r in rows] == [2, 4]


def test_quoted_multiline_description_is_one_row():
    rows = rows_of('sku,description,price\nA,"Line one\nline two",1\nB,,2\n')
    assert rows[0].product["description"] == "Line one\nline two"
    assert [r.number for r in rows] == [2, 3]


def test_tags_split_on_commas_inside_a_cell():
    (row,) = rows_of('sku,tags\nA,"lin, été ,,robe"\n')
    assert row.product["tags"] == ["lin", "été", "robe"]


def test_formula_cells_are_escaped_and_read_back():
    for value in ('=HYPERLINK("http://evil")', "+1", "-20% robe", "@SUM(A1)", "\tx"):
        escaped = csv_format.escape(value)
        assert escaped == "'" + value
        assert csv_format.unescape(escaped) == value
    assert csv_format.escape("Robe") == "Robe"
    assert csv_format.unescape("'quoted'") == "'quoted'"  # a real apostrophe stays


def test_yen_prices_have_no_decimals():
    (row,) = rows_of("sku,price\nA,1500\n", currency="JPY")
    assert row.variant == {"price": 1500}
