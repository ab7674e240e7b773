"""A value PostgreSQL cannot store is bad input (400), not a fault (500)."""
import pytest
from sqlalchemy import text

from services.common.db import _data_errors_as_invalid_input
from services.common.errors import InvalidInput


@pytest.mark.parametrize("statement, value, reason", [
    ("SELECT CAST(:v AS bigint)", "9" * 30, "out of range"),
    ("SELECT CAST(:v AS date)", "2026-02-30", "out of range"),
    ("INSERT INTO short_text VALUES (:v)", "x" * 10_000, "value too long"),
])
def test_a_data_error_becomes_invalid_input_naming_the_reason(db_engine, statement, value, reason):
    with pytest.raises(InvalidInput) as caught:
        with _data_errors_as_invalid_input(), db_engine.begin() as conn:
            conn.execute(text("CREATE TEMP TABLE short_text (s varchar(3))"))
            conn.execute(text(statement), {"v": value})
    assert caught.value.details[0]["field"] == "body" and reason in caught.value.message
    assert len(caught.value.message) < 400  # PostgreSQL's reason, not the value
