"""Dues rates (党费标准) as data, and the price of one member's month.

Pure domain code: no database, no framework. Money is integer fen everywhere; a rate is in
basis points (1 bp = 0.01 %), so 0.5 % is 50 and the arithmetic never leaves the integers.

The default is the national rule of 2008 (中共中央组织部《关于中国共产党党费收缴、使用和管理的规定》):
the band a member's monthly income falls in sets the rate for the WHOLE amount (not marginally):

    employed (在职), on income after tax and social insurance:
        up to 3,000 yuan 0.5 %; over 3,000 up to 5,000 1 %; over 5,000 up to 10,000 1.5 %; over 10,000 2 %
    retired (离退休), on the pension: up to 5,000 yuan 0.5 %; over 5,000 1 %
    students, the unemployed, those on subsistence support: 0.2 yuan (20 fen) a month

Rounding: income × rate is rounded to the nearest fen, halves up (四舍五入到分), once per month:
dues_fen = (income_fen × bp + 5,000) // 10,000. A band's upper bound belongs to it: 3,000.00
yuan pays 0.5 % (15.00), 3,000.01 pays 1 % (30.0001 -> 30.00).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from services.common.contracts.api.dues import (  # the shapes a request carries, priced here
    BASIS, FLAT_CATEGORIES, INCOME_CATEGORIES, MAX_MONTHLY_INCOME_FEN, Band, RateTable,
)

NATIONAL_2008_FROM = date(2008, 4, 1)


NATIONAL_2008 = RateTable(
    employed=(Band(up_to_fen=300_000, rate_bp=50), Band(up_to_fen=500_000, rate_bp=100),
              Band(up_to_fen=1_000_000, rate_bp=150), Band(rate_bp=200)),
    retired=(Band(up_to_fen=500_000, rate_bp=50), Band(rate_bp=100)),
    flat_fen=20,
)


def band_for(bands: tuple[Band, ...], income_fen: int) -> Band:
    """The band an income falls in: the first whose upper bound it does not exceed."""
    for band in bands:
        if band.up_to_fen is None or income_fen <= band.up_to_fen:
            return band
    raise AssertionError("a validated rate table always ends with an open band")


def percent_of(income_fen: int, rate_bp: int) -> int:
    """income × rate to the nearest fen, halves up; integers only."""
    return (income_fen * rate_bp + BASIS // 2) // BASIS


@dataclass(frozen=True)
class Price:
    """What a member owes for a month, and why."""

    amount_fen: int
    rate_bp: int | None  # None for the flat amount
    reason: str


def monthly_dues(table: RateTable, category: str, income_fen: int | None) -> Price:
    """The standard monthly dues before any relief the branch approved."""
    if category in FLAT_CATEGORIES:
        return Price(table.flat_fen, None, f"{category}: flat {yuan(table.flat_fen)} yuan")
    if category not in INCOME_CATEGORIES:
        raise ValueError(f"unknown category {category!r}")
    if income_fen is None or income_fen < 0:
        raise ValueError("an income category needs a monthly income of 0 or more")
    band = band_for(getattr(table, category), income_fen)
    return Price(percent_of(income_fen, band.rate_bp), band.rate_bp,
                 f"{category}: {yuan(income_fen)} yuan x {band.rate_bp / 100:g} %")


def apply_relief(price: Price, relief: str | None, reduced_to_fen: int | None = None) -> Price:
    """A branch committee's approved relief: exempt (免交) owes nothing; reduced (减交) owes the
    approved amount (never more than the standard); deferred (缓交) still owes the standard, and
    only excuses the months from the arrears flag."""
    if relief == "exempt":
        return Price(0, price.rate_bp, f"{price.reason}; exempt by the branch")
    if relief == "reduced":
        amount = min(price.amount_fen, reduced_to_fen or 0)
        return Price(amount, price.rate_bp, f"{price.reason}; reduced by the branch to {yuan(amount)} yuan")
    return price


# --- money as text ------------------------------------------------------------------------------

def yuan(fen: int) -> str:
    """Fen as a yuan amount with two decimals: 3000001 -> '30000.01', -5 -> '-0.05'."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def parse_yuan(text) -> int:
    """A yuan amount as written by a person or a spreadsheet ('3,000.01', '3000', 3000.5) in fen.
    Raises ValueError with the reason for anything else (more than two decimals, not a number).
    A spreadsheet float is read through its shortest text form, so 3000.01 stays 300001 fen."""
    if isinstance(text, bool):
        raise ValueError("not an amount")
    if isinstance(text, (int, float)):
        text = repr(text)
    cleaned = str(text).strip().replace(",", "").replace("，", "").replace("¥", "").replace("￥", "")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{str(text)!r} is not an amount in yuan") from None
    if not amount.is_finite():
        raise ValueError(f"{str(text)!r} is not an amount in yuan")
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"{str(text)!r} has more than two decimals (fen)")
    return int(fen)


def checked_fen(raw, minimum_fen: int, below: str) -> tuple[int | None, str | None]:
    """A yuan amount from a file in fen, or why it is refused: not an amount, below
    `minimum_fen` (`below` says why), or beyond any plausible monthly figure."""
    try:
        fen = parse_yuan(raw)
    except ValueError as exc:
        return None, str(exc)
    if fen < minimum_fen:
        return None, below
    if fen > MAX_MONTHLY_INCOME_FEN:
        return None, (f"more than {yuan(MAX_MONTHLY_INCOME_FEN)} yuan a month: a yearly figure or a misplaced "
                      "decimal point?")
    return fen, None
