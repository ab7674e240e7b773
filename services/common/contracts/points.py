"""Events published by the points service."""
from __future__ import annotations

import uuid

from pydantic import Field

from services.common.contracts.base import Event
from services.common.contracts.duties import Duty
from services.common.contracts.period import Period


class PointsAwarded(Event):
    """A ledger entry was appended. `delta` may be 0 when a cap absorbed the activity."""

    source = "points"
    event_type = "points_awarded"

    entry_id: uuid.UUID
    member_id: uuid.UUID
    org_unit_id: uuid.UUID
    activity_id: uuid.UUID | None = None
    kind: str = Field(min_length=1, max_length=64)
    delta: int
    period: Period
    period_total: int
    reason: str = Field(max_length=200)
    # The duties a month close's `four_duties` deduction is for, so a consumer names them without
    # reading `reason`; None on other entries and in events of an earlier release.
    missed_duties: list[Duty] | None = None


class MonthClosed(Event):
    """A branch's month was closed: deductions appended, the month's summary fixed."""

    source = "points"
    event_type = "month_closed"

    org_unit_id: uuid.UUID
    period: Period
    members: int = Field(ge=0)
    deductions: int = Field(le=0)
    missing_duties: int = Field(ge=0)
    unexcused_absences: int = Field(ge=0)
