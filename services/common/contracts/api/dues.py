"""The dues API's requests and the rate table's shape. Amounts are integer fen; a float is refused."""
from __future__ import annotations

import uuid
from services.common.validation import IsoDate
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationInfo, field_validator

from services.common.contracts.api.answers import Answer
from services.common.contracts import Period

Category = Literal["employed", "retired", "student", "unemployed", "subsistence"]
CATEGORIES: tuple[str, ...] = Category.__args__
# Categories priced on an income; the others pay a flat amount.
INCOME_CATEGORIES = ("employed", "retired")
FLAT_CATEGORIES = ("student", "unemployed", "subsistence")
BASIS = 10_000  # basis points in a whole
# Above this a monthly income is a typing error (a yearly figure, a misplaced point), not a salary.
MAX_MONTHLY_INCOME_FEN = 100_000_000  # 1,000,000 yuan

Relief = Literal["exempt", "reduced", "deferred"]


class Band(BaseModel):
    """Incomes up to `up_to_fen` (inclusive; None: no upper bound) pay `rate_bp` on the whole amount."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    up_to_fen: int | None = Field(default=None, ge=1, le=MAX_MONTHLY_INCOME_FEN)
    rate_bp: int = Field(ge=0, le=BASIS)


class RateTable(BaseModel):
    """One version of the rates: bands per income category and the flat monthly amount."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    employed: tuple[Band, ...] = Field(min_length=1, max_length=20)
    retired: tuple[Band, ...] = Field(min_length=1, max_length=20)
    flat_fen: int = Field(ge=0, le=100_000)

    @field_validator(*INCOME_CATEGORIES)
    @classmethod
    def _bands_rise_and_cover_every_income(cls, bands):
        bounds = [b.up_to_fen for b in bands]
        if bounds[-1] is not None:
            raise ValueError("the last band must have no upper bound (up_to_fen null)")
        if any(b is None for b in bounds[:-1]):
            raise ValueError("only the last band may have no upper bound")
        if bounds[:-1] != sorted(set(bounds[:-1])):
            raise ValueError("upper bounds must rise strictly")
        return bands


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RateTableCreate(Strict):
    effective_from: IsoDate
    table: RateTable


class BaseCreate(Strict):
    year: int = Field(ge=2000, le=2100)
    # The month the base applies from (default: January of `year`); a change within the year is
    # a new base from a later month.
    effective_from: Period | None = None
    category: Category
    # Checked against the fields declared before it (so each error names its own field).
    monthly_income_fen: StrictInt | None = Field(default=None, ge=0, le=MAX_MONTHLY_INCOME_FEN,
                                                 validate_default=True)
    reason: str | None = Field(default=None, max_length=200)

    @field_validator("effective_from")
    @classmethod
    def _in_the_year(cls, value, info: ValidationInfo):
        if value is not None and int(value[:4]) != info.data.get("year"):
            raise ValueError("must be a month of `year`")
        return value

    @field_validator("monthly_income_fen")
    @classmethod
    def _income_where_priced_on_it(cls, value, info: ValidationInfo):
        category = info.data.get("category")
        if category in INCOME_CATEGORIES and value is None:
            raise ValueError(f"required for {category} members")
        if category in FLAT_CATEGORIES and value is not None:
            raise ValueError(f"{category} members pay a flat amount: leave it out")
        return value


class ReliefCreate(Strict):
    kind: Relief
    from_period: Period
    to_period: Period
    reduced_to_fen: StrictInt | None = Field(default=None, ge=0, le=MAX_MONTHLY_INCOME_FEN,
                                             validate_default=True)
    reason: str = Field(min_length=1, max_length=200)
    approved_on: IsoDate

    @field_validator("to_period")
    @classmethod
    def _not_before_the_start(cls, value, info: ValidationInfo):
        if info.data.get("from_period") and value < info.data["from_period"]:
            raise ValueError("must not be before from_period")
        return value

    @field_validator("reduced_to_fen")
    @classmethod
    def _for_a_reduction_only(cls, value, info: ValidationInfo):
        if (info.data.get("kind") == "reduced") != (value is not None):
            raise ValueError("given for a reduction (kind reduced), and only then")
        return value


class AssessRequest(Strict):
    org_unit_id: uuid.UUID
    period: Period


PaymentMethod = Literal["cash", "bank", "wechat", "other"]


class PaymentCreate(Strict):
    member_id: uuid.UUID
    period: Period
    amount_fen: StrictInt = Field(gt=0, le=MAX_MONTHLY_INCOME_FEN)
    paid_on: IsoDate
    method: PaymentMethod = "cash"
    note: str | None = Field(default=None, max_length=200)


class PaymentCorrection(Strict):
    # What the entry should have been, in fen: 0 reverses it.
    amount_fen: StrictInt = Field(ge=0, le=MAX_MONTHLY_INCOME_FEN)
    reason: str = Field(min_length=1, max_length=200)


class FileImport(Strict):
    org_unit_id: uuid.UUID
    content_base64: str = Field(min_length=1, max_length=20_000_000)
    mode: Literal["all_or_nothing", "valid_rows"] = "all_or_nothing"


class PayrollImport(FileImport):
    format: Literal["xlsx", "csv"] = "xlsx"


class StatementImport(FileImport):
    source: Literal["bank", "wechat"]


class ArrearsCheck(Strict):
    org_unit_id: uuid.UUID
    period: Period


# ---- answers ----


class DuesBase(Answer):
    """A member's dues base for a year, from a month on."""

    id: uuid.UUID
    member_id: uuid.UUID
    year: int
    effective_from: str
    category: Category
    monthly_income_fen: int | None
    source: str
    reason: str | None
    recorded_at: str | None
    monthly_dues_fen: int | None = Field(default=None, description="what the base owes a month, when just recorded")
    rate_bp: int | None = Field(default=None, description="the rate applied, in basis points, when just recorded")
