"""Spreadsheets in and out: rows mapped by their headers, and reports whose text never runs.

A payroll or statement file is read into (row number as a person sees it, {field: text}) by
its header row, so columns may come in any order and unknown columns are ignored. A report cell
with text that starts with = + - or @ is written as text (quote-prefixed), so a name or note a
user typed can never become a formula when the file is opened.
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

from openpyxl.cell import WriteOnlyCell

from services.common.errors import InvalidInput
from services.common.exports import xlsx_cell



def cell_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    text = value if isinstance(value, str) else repr(value) if isinstance(value, float) else str(value)
    text = text.strip()
    return text or None


def row_texts(raw: dict, required) -> tuple[dict, list[tuple[str, str]]]:
    """Each cell of a row as text, and a (field, "required") problem for each empty required field."""
    text = {k: cell_text(v) for k, v in raw.items()}
    return text, [(field, "required") for field in required if not text.get(field)]


def read_table(content: bytes, fmt: str) -> tuple[list[str], list[tuple[int, list]]]:
    """(headers, [(row number, raw cells)]) of the first sheet or the CSV; blank rows skipped.
    XLSX numbers stay numbers (the amount parser reads them exactly); CSV is UTF-8 or GB18030."""
    if fmt == "csv":
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise InvalidInput.field("content_base64", "the CSV is neither UTF-8 nor GB18030 text")
        rows = list(csv.reader(io.StringIO(text)))
    else:
        from openpyxl import load_workbook
        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:
            raise InvalidInput.field("content_base64", f"not a readable XLSX workbook ({type(exc).__name__})") from None
        rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
        book.close()
    if not rows:
        raise InvalidInput.field("content_base64", "the file is empty")
    headers = [cell_text(h) or "" for h in rows[0]]
    body = [(i + 2, r) for i, r in enumerate(rows[1:]) if any(cell_text(c) for c in r)]
    return headers, body


def map_headers(headers: list[str], header_to_field: dict[str, str], required: dict[str, str]) -> dict[int, str]:
    """Column index -> field. `required` maps each required field to the header a file should
    use; a file lacking one, or giving one field twice, is refused as a whole."""
    mapping, seen = {}, {}
    for index, header in enumerate(headers):
        field = header_to_field.get(header.replace(" ", ""))
        if field is None:
            continue
        if field in seen:
            raise InvalidInput.field("content_base64", f"columns {seen[field]!r} and {header!r} both give {field}")
        seen[field] = header
        mapping[index] = field
    missing = [header for field, header in required.items() if field not in seen]
    if missing:
        raise InvalidInput.field("content_base64", f"missing required columns: {', '.join(missing)}")
    return mapping


def rows_by_field(content: bytes, fmt: str, header_to_field: dict, required: dict) -> tuple[dict, list]:
    """({field: header as in the file}, [(row number, {field: raw cell})])."""
    headers, body = read_table(content, fmt)
    mapping = map_headers(headers, header_to_field, required)
    header_of = {field: headers[index] for index, field in mapping.items()}
    return header_of, [(number, {field: cells[index] if index < len(cells) else None
                                 for index, field in mapping.items()}) for number, cells in body]


def write_xlsx(sheets: list[tuple[str, list[str], list[list]]]) -> bytes:
    """A workbook with one sheet per (title, header, rows). Decimal amounts keep their exact
    digits in the file and show two decimals."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title[:31])
        for values in [header, *rows]:
            sheet.append([_money(sheet, value) if isinstance(value, Decimal) else xlsx_cell(sheet, value)
                          for value in values])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _money(sheet, value: Decimal):
    """An amount in yuan, shown with two decimals (text cells go through services.common.exports)."""
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = "0.00"
    return cell
