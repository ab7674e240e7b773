"""The pairing and needs API's requests. Rules that need the database (who may
be a mentor, which target fits which kind) are checked in pairings.py and needs.py."""
from __future__ import annotations

import uuid
from datetime import date

from pydantic import Field, model_validator

from services.common.contracts.api.answers import Answer

from services.common.contracts.pairing import PairingTargetKind
from services.common.validation import IsoDate
from services.common.contracts.api.members import Strict


class PairingCreate(Strict):
    mentor_id: uuid.UUID
    target_kind: PairingTargetKind
    # A person for staff_non_party and student_member; a class's name for class.
    target_person_id: uuid.UUID | None = None
    target_class: str | None = Field(default=None, min_length=1, max_length=200)
    started_on: IsoDate | None = Field(default=None, description="the tenant's today when left out")


class PairingEnd(Strict):
    ended_on: IsoDate | None = None
    reason: str = Field(min_length=1, max_length=200)


class PairingChange(Strict):
    """End the pairing and start a new one of the same kind with another target."""

    target_person_id: uuid.UUID | None = None
    target_class: str | None = Field(default=None, min_length=1, max_length=200)
    changed_on: IsoDate | None = None
    reason: str = Field(default="target changed", min_length=1, max_length=200)


class PairingSettingsIn(Strict):
    contact_every_days: int | None = Field(default=None, ge=1, le=366)
    need_overdue_days: int | None = Field(default=None, ge=1, le=366)

    @model_validator(mode="after")
    def _something(self):
        if self.contact_every_days is None and self.need_overdue_days is None:
            raise ValueError("give contact_every_days, need_overdue_days or both")
        return self


class ScanRequest(Strict):
    on: IsoDate | None = Field(default=None, description="the day to scan as; each tenant's today when left out")


class NeedCreate(Strict):
    title: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    # An officer records a need someone raised; a member raises their own.
    raised_by: uuid.UUID | None = None
    pairing_id: uuid.UUID | None = None
    activity_id: uuid.UUID | None = Field(default=None, description="the contact it was raised in")
    raised_on: IsoDate | None = None


class NeedAssign(Strict):
    assignee_id: uuid.UUID
    note: str | None = Field(default=None, max_length=2000)


class NeedResolve(Strict):
    resolution: str = Field(min_length=1, max_length=4000)


class NeedConfirm(Strict):
    note: str | None = Field(default=None, max_length=2000)


class NeedReopen(Strict):
    reason: str = Field(min_length=1, max_length=2000)


# ---- answers ----


class PairingContact(Answer):
    """A contact logged (as a pairing_contact activity) for a pairing."""

    activity_id: uuid.UUID
    occurred_on: date


class Pairing(Answer):
    """A pairing (手拉手、一帮一) and where its follow-up stands."""

    id: uuid.UUID
    mentor_id: uuid.UUID
    mentor_name: str
    org_unit_id: uuid.UUID
    target_kind: PairingTargetKind
    target_person_id: uuid.UUID | None
    target_class: str | None
    target_label: str
    started_on: date
    ended_on: date | None
    end_reason: str | None
    active: bool
    last_contact_on: date | None
    next_due_on: date
    days_overdue: int | None = Field(default=None, description="on an active pairing read today")
    contacts: list[PairingContact] | None = Field(default=None, description="newest first, on a single pairing's answer")


class NeedStep(Answer):
    """One change of a need's state."""

    from_status: str | None
    to_status: str
    by_person_id: uuid.UUID | None
    note: str | None
    at: str


class Need(Answer):
    """A need (诉求) and its state."""

    id: uuid.UUID
    org_unit_id: uuid.UUID
    title: str
    description: str | None
    status: str
    raised_by: uuid.UUID
    raised_by_name: str | None
    raised_on: date
    pairing_id: uuid.UUID | None
    activity_id: uuid.UUID | None
    assignee_id: uuid.UUID | None
    assignee_name: str | None
    resolution: str | None
    closed_on: date | None
    escalated_on: date | None
    days_to_close: int | None = Field(default=None, description="once closed")
    days_open: int | None = Field(default=None, description="while open")
    history: list[NeedStep] | None = Field(default=None, description="oldest first, on a single need's answer")


class PairingSettings(Answer):
    """A branch's follow-up rhythm."""

    org_unit_id: uuid.UUID
    contact_every_days: int
    need_overdue_days: int


class BranchPairings(Answer):
    """A branch's pairings as of a day, and how many are overdue."""

    org_unit_id: uuid.UUID
    on: date
    items: list[Pairing]
    overdue: int


class BranchNeeds(Answer):
    """A branch's needs as of a day, open and closed."""

    org_unit_id: uuid.UUID
    on: date
    open: list[Need]
    closed: list[Need]
    average_days_to_close: float | None


class ScanResult(Answer):
    """What a scan found overdue."""

    tenants: int
    pairing_contact_overdue: int
    need_overdue: int
    on: date | None
