"""Validated inputs of the dues service. Amounts are integer fen; a float is refused."""
from __future__ import annotations

import uuid
from services.common.validation import IsoDate
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationInfo, field_validator

from services.common.contracts import Period
from services.common.errors import InvalidInput
from services.dues import rates


def parse_year(value, field: str = "year") -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise InvalidInput.field(field, "expected a year between 2000 and 2100") from None
    if isinstance(value, bool) or not 2000 <= year <= 2100:
        raise InvalidInput.field(field, "expected a year between 2000 and 2100")
    return year


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RateTableCreate(Strict):
    effective_from: IsoDate
    table: rates.RateTable


class BaseCreate(Strict):
    year: int = Field(ge=2000, le=2100)
    # The month the base applies from (default: January of `year`); a change within the year is
    # a new base from a later month.
    effective_from: Period | None = None
    category: rates.Category
    # Checked against the fields declared before it (so each error names its own field).
    monthly_income_fen: StrictInt | None = Field(default=None, ge=0, le=rates.MAX_MONTHLY_INCOME_FEN,
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
        if category in rates.INCOME_CATEGORIES and value is None:
            raise ValueError(f"required for {category} members")
        if category in rates.FLAT_CATEGORIES and value is not None:
            raise ValueError(f"{category} members pay a flat amount: leave it out")
        return value


class ReliefCreate(Strict):
    kind: rates.Relief
    from_period: Period
    to_period: Period
    reduced_to_fen: StrictInt | None = Field(default=None, ge=0, le=rates.MAX_MONTHLY_INCOME_FEN,
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
    amount_fen: StrictInt = Field(gt=0, le=rates.MAX_MONTHLY_INCOME_FEN)
    paid_on: IsoDate
    method: PaymentMethod = "cash"
    note: str | None = Field(default=None, max_length=200)


class PaymentCorrection(Strict):
    # What the entry should have been, in fen: 0 reverses it.
    amount_fen: StrictInt = Field(ge=0, le=rates.MAX_MONTHLY_INCOME_FEN)
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
