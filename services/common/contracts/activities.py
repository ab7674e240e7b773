"""Events published by the activities service."""
from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from pydantic import Field

from services.common.contracts.base import Event


class ActivityLogged(Event):
    """A member's activity was recorded. `period` is the month (YYYY-MM) in the tenant's zone."""

    source = "activities"
    event_type = "activity_logged"

    activity_id: uuid.UUID
    member_id: uuid.UUID
    org_unit_id: uuid.UUID
    kind: str = Field(min_length=1, max_length=64)
    occurred_on: date
    period: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    quantity: Decimal = Field(default=Decimal(1), ge=0, le=1000)
    status: str = Field(pattern=r"^(submitted|approved)$")
