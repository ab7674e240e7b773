"""Events published by the activities service."""
from __future__ import annotations

import uuid
from decimal import Decimal

from pydantic import Field

from services.common.contracts.base import Event
from services.common.contracts.period import Period
from services.common.validation import IsoDate


class _ActivityFacts(Event):
    """What a consumer needs to (re)value an activity without calling back."""

    activity_id: uuid.UUID
    member_id: uuid.UUID
    org_unit_id: uuid.UUID
    kind: str = Field(min_length=1, max_length=64)
    occurred_on: IsoDate
    period: Period
    quantity: Decimal = Field(default=Decimal(1), ge=0, le=1000)
    # The valued sub-type where a rule prices it (an achievement's level, a meeting's type).
    variant: str | None = Field(default=None, max_length=64)


class ActivityLogged(_ActivityFacts):
    """A member's activity was recorded. `period` is the month in the tenant's zone."""

    source = "activities"
    event_type = "activity_logged"
    # Published as activity_logged.<kind>: a consumer that cares about a few kinds (members about
    # pairing contacts, notify about the four duties) is not handed every activity.
    routed_by = "kind"

    status: str = Field(pattern=r"^(submitted|approved)$")


class ActivityApproved(_ActivityFacts):
    source = "activities"
    event_type = "activity_approved"


class ActivityRejected(_ActivityFacts):
    """A submitted or already approved activity was rejected; points it earned are reversed."""

    source = "activities"
    event_type = "activity_rejected"

    reason: str = Field(min_length=1, max_length=500)


class ActivityCorrected(_ActivityFacts):
    """An activity's quantity was corrected; `quantity` is the new value."""

    source = "activities"
    event_type = "activity_corrected"

    previous_quantity: Decimal = Field(ge=0, le=1000)
    reason: str = Field(min_length=1, max_length=500)


class ActivityDayScheduled(Event):
    """A branch's activity day for a month was set (or moved: same `day_id`, new `held_on`)."""

    source = "activities"
    event_type = "activity_day_scheduled"

    day_id: uuid.UUID
    org_unit_id: uuid.UUID
    period: Period
    held_on: IsoDate


class ActivityKindAdded(Event):
    """A tenant added its own activity kind, with the points rule it starts with."""

    source = "activities"
    event_type = "activity_kind_added"

    key: str = Field(pattern=r"^[a-z][a-z0-9_]{2,63}$")
    title_zh: str = Field(min_length=1, max_length=100)
    unit: str = Field(pattern=r"^(occurrence|hour)$")
    points_per_unit: int = Field(ge=-100, le=100)
    monthly_cap: int | None = Field(default=None, ge=0, le=1000)
    requires_approval: bool = False
    dimension: str = Field(pattern=r"^(ability|service|results)$")
