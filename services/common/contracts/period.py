"""A month as every service and event names it: "YYYY-MM", in the tenant's time zone.

`Period` is a `str` (so it is stored, compared, bound to SQL and published as the text itself)
that can only hold a valid month, with the calendar arithmetic the services need.
"""
from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from pydantic_core import core_schema

from services.common.errors import InvalidInput

# For inputs validated by a pattern before they become a Period (query strings, pydantic fields).
PERIOD_PATTERN = r"^[1-9]\d{3}-(0[1-9]|1[0-2])$"
_PERIOD = re.compile(PERIOD_PATTERN)


class Period(str):
    """A month "YYYY-MM". `Period("2026-13")` raises ValueError; use `parse` for untrusted input."""

    def __new__(cls, text: str) -> "Period":
        if not isinstance(text, str) or not _PERIOD.fullmatch(text):  # "$" alone admits a final "\n"
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

    @classmethod
    def argument(cls, value, field: str = "period") -> "Period":
        """The period a request names, or InvalidInput naming `field` (a 400, not a ValueError)."""
        try:
            return cls.parse(value)
        except ValueError:
            raise InvalidInput.field(field, "expected a month YYYY-MM") from None

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

    def shifted(self, months: int) -> "Period":
        """The month `months` later (earlier when negative)."""
        index = self.year * 12 + self.month - 1 + months
        return Period(f"{index // 12:04d}-{index % 12 + 1:02d}")

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


_YEAR = re.compile(r"^[1-9]\d{3}$")  # no year 0: date() has none (found by fuzzing)


def month_or_year(value, field: str = "period") -> str:
    """A span a report or a leaderboard covers: a month (a Period) or a whole year "YYYY"."""
    if isinstance(value, str) and _YEAR.match(value):
        return value
    try:
        return Period.parse(value)
    except ValueError:
        raise InvalidInput.field(field, "expected a month YYYY-MM or a year YYYY") from None
