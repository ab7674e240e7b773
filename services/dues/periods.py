"""Months (YYYY-MM) as dues counts them. Pure functions."""
from __future__ import annotations

import calendar
import re
from datetime import date

from services.common.errors import InvalidInput

PERIOD = r"[1-9]\d{3}-(0[1-9]|1[0-2])"


def parse(value, field: str = "period") -> str:
    if value is None or not re.fullmatch(PERIOD, str(value)):
        raise InvalidInput.field(field, "expected a month YYYY-MM")
    return str(value)


def parse_year(value, field: str = "year") -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise InvalidInput.field(field, "expected a year between 2000 and 2100") from None
    if isinstance(value, bool) or not 2000 <= year <= 2100:
        raise InvalidInput.field(field, "expected a year between 2000 and 2100")
    return year


def of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def start(period: str) -> date:
    return date(int(period[:4]), int(period[5:]), 1)


def end(period: str) -> date:
    year, month = int(period[:4]), int(period[5:])
    return date(year, month, calendar.monthrange(year, month)[1])


def shift(period: str, months: int) -> str:
    index = int(period[:4]) * 12 + int(period[5:]) - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def of_year(year: int) -> list[str]:
    return [f"{year:04d}-{month:02d}" for month in range(1, 13)]


def previous(day: date) -> str:
    """The month before the one `day` is in."""
    return shift(of(day), -1)
