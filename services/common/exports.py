"""Cells of every spreadsheet the system writes (XLSX and CSV): text stays text.

A name such as `=HYPERLINK(...)`, `+1+2`, `-2` or `@SUM(A1)` typed by a client must never run
as a formula in the secretary's spreadsheet program (CSV/formula injection). In XLSX every
string is written as a cell of text type, and one that begins like a formula also carries the
quote prefix (what Excel itself sets when a person types a leading apostrophe), so it stays
text when edited or saved again as CSV. CSV has no cell types: such a value is written with a
leading apostrophe, as OWASP recommends.
"""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def starts_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


def xlsx_cell(sheet, value):
    """One cell for `sheet.append`: strings explicitly of text type, other values as they are."""
    if not isinstance(value, str):
        return value
    # XML cannot carry most control characters: openpyxl would refuse the whole workbook.
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))
    cell.data_type = "s"
    if starts_like_formula(value):
        cell.quotePrefix = True
    return cell


def xlsx_row(sheet, values) -> list:
    """A row for `sheet.append`, every string made a text cell (`xlsx_cell`)."""
    return [xlsx_cell(sheet, value) for value in values]


def csv_cell(value):
    """A value for csv.writer: text that begins like a formula gets a leading apostrophe."""
    if isinstance(value, str) and starts_like_formula(value):
        return "'" + value
    return value


def xlsx_workbook(title: str, header: list[str], rows) -> bytes:
    """A one-sheet workbook: a header row, then `rows`, every cell through `xlsx_row`."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(xlsx_row(sheet, header))
    for row in rows:
        sheet.append(xlsx_row(sheet, row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
