"""Events published by the members service about pairings (手拉手、一帮一) and needs (诉求).

Each event carries what its consumers show or decide on, so notify never calls back: names
and labels for the templates, and the branch secretaries' person ids for escalations (members
owns role assignments; notify does not know who holds which role).
"""
from __future__ import annotations

import uuid
from typing import Literal

from pydantic import Field

from services.common.contracts.base import Event
from services.common.validation import IsoDate

PairingTargetKind = Literal["staff_non_party", "class", "student_member"]
NeedStatus = Literal["open", "assigned", "resolved", "confirmed"]


class PairingFormed(Event):
    source = "members"
    event_type = "pairing_formed"

    pairing_id: uuid.UUID
    mentor_id: uuid.UUID
    org_unit_id: uuid.UUID
    target_kind: PairingTargetKind
    # The paired person, or None for a class (then `target_label` is the class's name).
    target_person_id: uuid.UUID | None = None
    target_label: str = Field(min_length=1, max_length=200)
    started_on: IsoDate
    next_due_on: IsoDate


class PairingEnded(Event):
    """A pairing ended, by itself or because its target changed (a new pairing_formed follows)."""

    source = "members"
    event_type = "pairing_ended"

    pairing_id: uuid.UUID
    mentor_id: uuid.UUID
    org_unit_id: uuid.UUID
    target_kind: PairingTargetKind
    ended_on: IsoDate
    reason: str = Field(min_length=1, max_length=200)


class PairingContactOverdue(Event):
    """A pairing's contact is overdue on `on` (the tenant's day). `level` is "mentor" when first
    overdue, "secretary" once a second period has passed without contact (the escalation)."""

    source = "members"
    event_type = "pairing_contact_overdue"

    pairing_id: uuid.UUID
    mentor_id: uuid.UUID
    mentor_name: str = Field(min_length=1, max_length=100)
    org_unit_id: uuid.UUID
    target_kind: PairingTargetKind
    target_label: str = Field(min_length=1, max_length=200)
    due_on: IsoDate
    on: IsoDate
    days_overdue: int = Field(ge=1)
    level: Literal["mentor", "secretary"]
    secretary_ids: list[uuid.UUID] = Field(default_factory=list)


class _NeedFacts(Event):
    need_id: uuid.UUID
    org_unit_id: uuid.UUID
    title: str = Field(min_length=1, max_length=200)
    raised_by: uuid.UUID
    raised_by_name: str = Field(min_length=1, max_length=100)
    raised_on: IsoDate


class NeedRaised(_NeedFacts):
    source = "members"
    event_type = "need_raised"

    pairing_id: uuid.UUID | None = None


class NeedAssigned(_NeedFacts):
    source = "members"
    event_type = "need_assigned"

    assignee_id: uuid.UUID


class NeedResolved(_NeedFacts):
    """The assignee resolved the need; the person who raised it is asked to confirm."""

    source = "members"
    event_type = "need_resolved"


class NeedConfirmed(_NeedFacts):
    """The person who raised the need confirmed it resolved: the need is closed."""

    source = "members"
    event_type = "need_confirmed"

    closed_on: IsoDate
    days_to_close: int = Field(ge=0)


class NeedOverdue(_NeedFacts):
    """A need stayed open or assigned past the branch's limit; sent once per need."""

    source = "members"
    event_type = "need_overdue"

    status: Literal["open", "assigned"]
    days_overdue: int = Field(ge=1)
    secretary_ids: list[uuid.UUID] = Field(default_factory=list)
