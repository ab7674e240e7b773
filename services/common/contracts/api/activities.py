"""The activities API's requests: activity logs, decisions, kinds, activity days."""
from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from services.common.contracts.api.answers import Answer
from services.common.validation import IsoDate, IsoMoment, IsoWallTime, TimeZoneName


def _evidence_references(value: list[str]) -> list[str]:
    for item in value:
        if not item or len(item) > 500:
            raise ValueError("each evidence reference is a file reference or URL of 1 to 500 characters")
    return value


def _each_member_once(member_ids) -> None:
    if len(set(member_ids)) != len(member_ids):
        raise ValueError("lists a member more than once")

PERIOD = r"^[1-9]\d{3}-(0[1-9]|1[0-2])$"


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ActivityCreate(_Input):
    member_id: uuid.UUID
    kind: str = Field(min_length=1, max_length=64)
    # The day, or the moment a phone saw (with its offset): the day is then derived in the
    # tenant's time zone (`dated_in`), never cut from the timestamp.
    occurred_on: IsoDate | None = None
    occurred_at: IsoMoment | None = None
    quantity: Decimal = Field(default=Decimal(1), gt=0, le=1000, decimal_places=2)
    details: dict = Field(default_factory=dict)
    evidence: list[str] = Field(default_factory=list, max_length=20)
    note: str | None = Field(default=None, max_length=2000)

    @field_validator("evidence")
    @classmethod
    def _evidence(cls, value: list[str]) -> list[str]:
        return _evidence_references(value)


    @model_validator(mode="after")
    def _one_time(self):
        if (self.occurred_on is None) == (self.occurred_at is None):
            raise ValueError("occurred_on: give occurred_on (YYYY-MM-DD) or occurred_at (a timestamp with offset), one of them")
        return self

    def dated_in(self, timezone: str) -> "ActivityCreate":
        """This entry with `occurred_on` set: the day `occurred_at` falls on in `timezone`."""
        if self.occurred_on is not None:
            return self
        return self.model_copy(update={"occurred_on": self.occurred_at.astimezone(ZoneInfo(timezone)).date()})


class BulkActivityCreate(_Input):
    """A secretary logging one occurrence (a meeting) for everyone on its attendance list."""

    member_ids: list[uuid.UUID] = Field(min_length=1, max_length=500)
    kind: str = Field(min_length=1, max_length=64)
    occurred_on: IsoDate
    quantity: Decimal = Field(default=Decimal(1), gt=0, le=1000, decimal_places=2)
    details: dict = Field(default_factory=dict)
    evidence: list[str] = Field(default_factory=list, max_length=20)
    note: str | None = Field(default=None, max_length=2000)

    @field_validator("member_ids")
    @classmethod
    def _unique(cls, value: list[uuid.UUID]) -> list[uuid.UUID]:
        _each_member_once(value)
        return value

    def for_member(self, member_id: uuid.UUID) -> ActivityCreate:
        body = self.model_dump(exclude={"member_ids"})
        return ActivityCreate(member_id=member_id, **body)


class Rejection(_Input):
    reason: str = Field(min_length=1, max_length=500)


class Correction(_Input):
    quantity: Decimal = Field(gt=0, le=1000, decimal_places=2)
    reason: str = Field(min_length=1, max_length=500)


class ScheduleDays(_Input):
    org_unit_id: uuid.UUID
    year: int = Field(ge=2000, le=2100)
    # None: the tenant's own time zone, as the members service announced it.
    timezone: TimeZoneName | None = Field(default=None, min_length=1, max_length=64)


class MoveDay(_Input):
    held_on: IsoDate
    reason: str = Field(min_length=1, max_length=500)


class Attendance(_Input):
    member_id: uuid.UUID
    status: Literal["attended", "leave"]
    leave_reason: str | None = Field(default=None, max_length=500)


class KindCreate(_Input):
    """A tenant's own kind and the points rule it starts with (changed later through rule sets)."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]{2,63}$")
    title_zh: str = Field(min_length=1, max_length=100)
    unit: Literal["occurrence", "hour"] = "occurrence"
    max_quantity: Decimal = Field(default=Decimal(1), gt=0, le=1000)
    needs_approval: bool = False
    points_per_unit: int = Field(ge=-100, le=100)
    monthly_cap: int | None = Field(default=None, ge=0, le=1000)
    dimension: Literal["ability", "service", "results"]


class MeetingCreate(_Input):
    """A meeting planned for a unit: everybody of the unit and the units below it, or the people
    named of them; guests (any member of the college) attend and earn nothing."""

    org_unit_id: uuid.UUID
    kind: Literal["branch_general_meeting", "committee_meeting", "group_meeting", "party_lecture",
                  "org_life_meeting", "forum"]
    title: str = Field(min_length=1, max_length=200)
    # With an offset, or local time in the tenant's zone when given without one.
    starts_at: IsoWallTime
    place: str | None = Field(default=None, max_length=200)
    agenda: str | None = Field(default=None, max_length=4000)
    invitee_ids: list[uuid.UUID] | None = Field(default=None, min_length=1, max_length=1000)
    guest_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)

    @field_validator("invitee_ids", "guest_ids")
    @classmethod
    def _unique(cls, value):
        _each_member_once(value or [])
        return value


class CheckIn(_Input):
    code: str = Field(min_length=1, max_length=16)


class AttendanceRecord(_Input):
    member_id: uuid.UUID
    status: Literal["checked_in", "excused", "absent"]
    leave_reason: str | None = Field(default=None, max_length=500)


class AttendanceList(_Input):
    """The secretary's record of the whole list at once (or of the people named)."""

    records: list[AttendanceRecord] = Field(min_length=1, max_length=1000)

    @field_validator("records")
    @classmethod
    def _unique(cls, value: list[AttendanceRecord]):
        _each_member_once([r.member_id for r in value])
        return value


class LeaveRequest(_Input):
    reason: str = Field(min_length=1, max_length=500)


class LeaveDecision(_Input):
    member_id: uuid.UUID
    decision: Literal["approve", "refuse"]
    reason: str | None = Field(default=None, max_length=500)


class Minutes(_Input):
    minutes: str = Field(min_length=1, max_length=20000)
    # References of evidence files (uploads come later): each a file reference or URL.
    evidence: list[str] = Field(default_factory=list, max_length=50)

    @field_validator("evidence")
    @classmethod
    def _evidence(cls, value: list[str]) -> list[str]:
        return _evidence_references(value)


class NormsUpdate(_Input):
    """How often a branch holds each kind (三会一课): monthly, quarterly, yearly or none."""

    norms: dict[Literal["branch_general_meeting", "committee_meeting", "group_meeting", "party_lecture",
                        "org_life_meeting", "forum"],
                Literal["monthly", "quarterly", "yearly", "none"]] = Field(min_length=1)
# ---- answers ----


class Activity(Answer):
    """A logged activity and its state."""

    id: uuid.UUID
    member_id: uuid.UUID
    org_unit_id: uuid.UUID
    kind: str
    occurred_on: str
    period: str
    quantity: str = Field(description="a decimal number as text, e.g. \"1.5\"")
    details: dict
    evidence: list[str]
    status: str
    note: str | None
    decision_reason: str | None
    activity_day_id: uuid.UUID | None
    meeting_id: uuid.UUID | None = Field(description="the meeting it was earned at, if any")
