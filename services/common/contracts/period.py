"""A month as every service and event names it: "YYYY-MM", in the tenant's time zone.

`Period` is a `str` (so it is stored, compared, bound to SQL and published as the text itself)
that can only hold a valid month, with the calendar arithmetic the services need.
"""
from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from pydantic_core import core_schema

# For inputs validated by a pattern before they become a Period (query strings, pydantic fields).
PERIOD_PATTERN = r"^[1-9]\d{3}-(0[1-9]|1[0-2])$"
_PERIOD = re.compile(PERIOD_PATTERN)


class Period(str):
    """A month "YYYY-MM". `Period("2026-13")` raises ValueError; use `parse` for untrusted input."""

    def __new__(cls, text: str) -> "Period":
        if not isinstance(text, str) or not _PERIOD.match(text):
            raise ValueError(f"expected a month YYYY-MM, got {text!r}")
        return super().__new__(cls, text)

    @classmethod
    def parse(cls, value) -> "Period":
        """The period `value` names; ValueError saying what was expected for anything else."""
        if isinstance(value, Period):
            return value
        if not isinstance(value, str):
            raise ValueError(f"expected a month YYYY-MM, got {value!r}")
        return cls(value)

    @classmethod
    def of(cls, day: date) -> "Period":
        """The month `day` falls in (a local date: compute it in the tenant's zone first)."""
        return cls(f"{day.year:04d}-{day.month:02d}")

    @property
    def year(self) -> int:
        return int(self[:4])

    @property
    def month(self) -> int:
        return int(self[5:])

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def previous(self) -> "Period":
        return Period.of(self.first_day - timedelta(days=1))

    def __repr__(self) -> str:
        return f"Period({str(self)!r})"

    @classmethod
    def __get_pydantic_core_schema__(cls, source, handler) -> core_schema.CoreSchema:
        # Validated from a string, serialised back to the same string: the wire format is unchanged.
        return core_schema.no_info_after_validator_function(
            cls._validated, core_schema.str_schema(),
            serialization=core_schema.plain_serializer_function_ser_schema(str, when_used="json"),
        )

    @classmethod
    def _validated(cls, value: str) -> "Period":
        return cls(value)
