"""Validated inputs of the activities service."""
from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class ActivityCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    member_id: uuid.UUID
    kind: str = Field(min_length=1, max_length=64)
    occurred_on: date
    quantity: Decimal = Field(default=Decimal(1), gt=0, le=1000, decimal_places=2)
    details: dict = Field(default_factory=dict)
    evidence: list[str] = Field(default_factory=list, max_length=20)
    note: str | None = Field(default=None, max_length=2000)
