"""Checks of the points service's query arguments: each bad value answers with the field and the reason.
(The request bodies are in services.common.contracts.api.points.)"""
from __future__ import annotations

from datetime import date

from services.common.contracts.period import month_or_year
from services.common.errors import InvalidInput
from services.common.validation import parse_date
from services.points import rules

BOARD_DIMENSIONS = rules.DIMENSIONS + ("total",)



def year(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 2000 <= value <= 2100:
        raise InvalidInput.field("year", "expected a year between 2000 and 2100")
    return value


def day(value, field: str) -> date | None:
    """A date YYYY-MM-DD (strictly: not 20261031, not 0), or None when not given."""
    return parse_date(value, field) if value else None


def board(period_value, dimension) -> tuple[str, str]:
    """A leaderboard's period (a month or a year) and dimension (one of the three, or the total)."""
    checked = month_or_year(period_value)
    if dimension not in BOARD_DIMENSIONS:
        raise InvalidInput.field("dimension", f"one of {', '.join(BOARD_DIMENSIONS)}")
    return checked, dimension


def board_limit(value) -> int:
    if not isinstance(value, int) or not 1 <= value <= 500:
        raise InvalidInput.field("limit", "expected 1 to 500")
    return value
