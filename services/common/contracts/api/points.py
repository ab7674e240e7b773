"""The points API's requests: a rule set's layer (what a tenant or branch stores), a month close."""
from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.common.contracts.api.answers import Answer

from services.common.validation import IsoDate

PERIOD = r"[1-9]\d{3}-(0[1-9]|1[0-2])"


class RuleOverride(BaseModel):
    """One rule's changed fields in a stored layer; absent fields inherit."""

    model_config = ConfigDict(extra="forbid")

    points_per_unit: int | None = Field(default=None, ge=-100, le=100)
    variant_points: dict[str, int] | None = None
    monthly_cap: int | None = Field(default=None, ge=0, le=1000)
    daily_cap: int | None = Field(default=None, ge=0, le=1000)
    yearly_cap: int | None = Field(default=None, ge=0, le=10000)
    requires_approval: bool | None = None
    dimension: Literal["ability", "service", "results"] | None = None


class Grades(BaseModel):
    model_config = ConfigDict(extra="forbid")

    excellent: int = Field(ge=0, le=1000)
    qualified: int = Field(ge=0, le=1000)
    basically_qualified: int = Field(ge=0, le=1000)

    @model_validator(mode="after")
    def _ordered(self):
        if not self.excellent > self.qualified > self.basically_qualified:
            raise ValueError("thresholds must fall: excellent > qualified > basically_qualified")
        return self


class Layer(BaseModel):
    """What a tenant or branch stores: overrides on top of the layer beneath."""

    model_config = ConfigDict(extra="forbid")

    rules: dict[str, RuleOverride] = Field(default_factory=dict)
    yearly_base: int | None = Field(default=None, ge=0, le=1000)
    duty_missing_penalty: int | None = Field(default=None, ge=-100, le=0)
    absence_penalty: int | None = Field(default=None, ge=-100, le=0)
    grades: Grades | None = None


class RuleSetCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    org_unit_id: str | None = Field(default=None, max_length=36)
    effective_from: IsoDate
    layer: Layer


class MonthCloseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    org_unit_id: str = Field(max_length=36)
    period: str = Field(pattern=f"^{PERIOD}$")


# ---- answers ----


class PeriodPoints(Answer):
    points: int
    entries: int


class Balance(Answer):
    """A member's points: in total, per month, per year, and per dimension of the month asked."""

    member_id: uuid.UUID
    total: int
    periods: dict[str, PeriodPoints]
    years: dict[str, int]
    dimensions: dict[str, int]


class LedgerEntry(Answer):
    """One entry of the append-only points ledger."""

    id: uuid.UUID
    period: str
    org_unit_id: uuid.UUID | None
    kind: str | None
    delta: int
    rule: str | None
    rule_version: int | None
    rule_set_id: uuid.UUID | None
    dimension: str | None
    occurred_on: date | None
    activity_id: uuid.UUID | None
    source_event_id: uuid.UUID | None
    reason: str | None
    at: str
