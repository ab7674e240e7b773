"""Events published by the members service (the roster)."""
from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import Field

from services.common.contracts.base import Event

PoliticalStatus = Literal["non_party", "applicant", "activist", "candidate", "probationary", "full"]
PersonCategory = Literal["staff", "student"]
BranchRole = Literal["secretary", "organising_officer", "publicity_officer", "discipline_officer", "group_leader"]


class MemberJoined(Event):
    source = "members"
    event_type = "member_joined"

    member_id: uuid.UUID
    org_unit_id: uuid.UUID
    name: str = Field(min_length=1, max_length=100)
    category: PersonCategory
    political_status: PoliticalStatus
    external_no: str | None = Field(default=None, max_length=64)


class MemberUpdated(Event):
    """Roster fields of a person changed (by an edit or a re-import). `fields` names them."""

    source = "members"
    event_type = "member_updated"

    member_id: uuid.UUID
    org_unit_id: uuid.UUID
    fields: list[str] = Field(min_length=1)


class MemberStatusChanged(Event):
    source = "members"
    event_type = "member_status_changed"

    member_id: uuid.UUID
    org_unit_id: uuid.UUID
    from_status: PoliticalStatus
    to_status: PoliticalStatus
    effective_on: date


class MemberTransferred(Event):
    source = "members"
    event_type = "member_transferred"

    member_id: uuid.UUID
    from_org_unit_id: uuid.UUID
    to_org_unit_id: uuid.UUID
    effective_on: date


class MemberLeft(Event):
    source = "members"
    event_type = "member_left"

    member_id: uuid.UUID
    org_unit_id: uuid.UUID
    left_on: date
    reason: str = Field(max_length=200)


class RoleAssigned(Event):
    source = "members"
    event_type = "role_assigned"

    member_id: uuid.UUID
    org_unit_id: uuid.UUID
    role: BranchRole
    started_on: date


class ActivistAssigned(Event):
    """`follower_id` (a Party member) now follows the learning of `activist_id`."""

    source = "members"
    event_type = "activist_assigned"

    activist_id: uuid.UUID
    follower_id: uuid.UUID
    org_unit_id: uuid.UUID
    assigned_on: date
