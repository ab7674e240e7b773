"""Validated inputs of the dues service. Amounts are integer fen; a float is refused."""
from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints, model_validator

from services.dues import rates
from services.dues.periods import PERIOD

Period = Annotated[str, StringConstraints(pattern=f"^{PERIOD}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RateTableCreate(Strict):
    effective_from: date
    table: rates.RateTable


class BaseCreate(Strict):
    year: int = Field(ge=2000, le=2100)
    # The month the base applies from (default: January of `year`); a change within the year is
    # a new base from a later month.
    effective_from: Period | None = None
    category: rates.Category
    monthly_income_fen: StrictInt | None = Field(default=None, ge=0, le=rates.MAX_MONTHLY_INCOME_FEN)
    reason: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _income_where_priced_on_it(self):
        if self.category in rates.INCOME_CATEGORIES and self.monthly_income_fen is None:
            raise ValueError(f"monthly_income_fen is required for {self.category} members")
        if self.category in rates.FLAT_CATEGORIES and self.monthly_income_fen is not None:
            raise ValueError(f"{self.category} members pay a flat amount: leave monthly_income_fen out")
        if self.effective_from is not None and int(self.effective_from[:4]) != self.year:
            raise ValueError("effective_from must be a month of `year`")
        return self


class ReliefCreate(Strict):
    kind: rates.Relief
    from_period: Period
    to_period: Period
    reduced_to_fen: StrictInt | None = Field(default=None, ge=0, le=rates.MAX_MONTHLY_INCOME_FEN)
    reason: str = Field(min_length=1, max_length=200)
    approved_on: date

    @model_validator(mode="after")
    def _consistent(self):
        if self.to_period < self.from_period:
            raise ValueError("to_period must not be before from_period")
        if (self.kind == "reduced") != (self.reduced_to_fen is not None):
            raise ValueError("reduced_to_fen is given for a reduction, and only then")
        return self


class AssessRequest(Strict):
    org_unit_id: uuid.UUID
    period: Period


PaymentMethod = Literal["cash", "bank", "wechat", "other"]


class PaymentCreate(Strict):
    member_id: uuid.UUID
    period: Period
    amount_fen: StrictInt = Field(gt=0, le=rates.MAX_MONTHLY_INCOME_FEN)
    paid_on: date
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
