"""Checks on the spreadsheets the system exports."""
from __future__ import annotations

# Names a hostile client may give: each would run as a formula if written as one.
FORMULA_NAMES = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+2", "-2+3", "@SUM(A1)"]


def assert_formula_names_are_text(rows: list[tuple]) -> None:
    """Every FORMULA_NAMES value is in `rows` (openpyxl cells) as quoted text; no cell is a formula."""
    found = {cell.value: cell for row in rows[1:] for cell in row if cell.value in FORMULA_NAMES}
    assert set(found) == set(FORMULA_NAMES)
    for value, cell in found.items():
        assert (cell.data_type, cell.quotePrefix) == ("s", True), value
    assert all(cell.data_type != "f" for row in rows for cell in row)
