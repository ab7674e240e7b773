"""Spreadsheet cells: text typed by a client never becomes a live formula."""
import io

import pytest
from openpyxl import Workbook, load_workbook

from services.common.exports import csv_cell, xlsx_row

HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+2", "-2+3", "@SUM(A1)", "\tTAB"]


def _written(write_only: bool, values: list):
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet("x") if write_only else book.active
    sheet.append(xlsx_row(sheet, values))
    buffer = io.BytesIO()
    book.save(buffer)
    return list(load_workbook(io.BytesIO(buffer.getvalue())).worksheets[0].iter_rows())[0]


@pytest.mark.parametrize("write_only", [True, False])
def test_formula_like_text_is_written_as_quoted_text(write_only):
    cells = _written(write_only, HOSTILE)
    for cell, original in zip(cells, HOSTILE):
        assert cell.data_type == "s", original
        assert cell.value == original and cell.quotePrefix is True


@pytest.mark.parametrize("write_only", [True, False])
def test_other_values_keep_their_type_and_text_is_text(write_only):
    name, number, empty, control = _written(write_only, ["王芳", 42, None, "a\x01b"])
    assert (name.data_type, name.value, name.quotePrefix) == ("s", "王芳", False)
    assert (number.data_type, number.value) == ("n", 42)
    assert empty.value is None
    assert control.value == "a\ufffdb"  # XML cannot carry it; the workbook still saves


def test_csv_cells_that_begin_like_a_formula_get_an_apostrophe():
    assert [csv_cell(v) for v in [*HOSTILE, "\rCR"]] == ["'" + v for v in [*HOSTILE, "\rCR"]]
    assert [csv_cell(v) for v in ("王芳", "a=b", 3, None)] == ["王芳", "a=b", 3, None]
