"""Events published by the members service (the roster)."""
from __future__ import annotations

import uuid
from typing import Literal

from pydantic import Field

from services.common.contracts.base import Event
from services.common.validation import IsoDate

PoliticalStatus = Literal["non_party", "applicant", "activist", "candidate", "probationary", "full"]
PersonCategory = Literal["staff", "student"]
BranchRole = Literal["secretary", "organising_officer", "publicity_officer", "discipline_officer", "group_leader"]
OrgUnitKind = Literal["committee", "general_branch", "branch", "group"]


class TenantConfigured(Event):
    """A tenant was created or its settings changed. Consumers keep its time zone, so that
    periods and due dates are computed in the college's own day, not the server's."""

    source = "members"
    event_type = "tenant_configured"

    name: str = Field(min_length=1, max_length=200)
    timezone: str = Field(min_length=1, max_length=64)


class OrgUnitChanged(Event):
    """An org unit was created, renamed, moved or closed; the payload is its whole current
    state, so a consumer upserts it and never needs the history to rebuild the tree."""

    source = "members"
    event_type = "org_unit_changed"

    org_unit_id: uuid.UUID
    parent_id: uuid.UUID | None = None
    kind: OrgUnitKind
    name: str = Field(min_length=1, max_length=200)
    closed: bool = False
    change: Literal["created", "renamed", "moved", "closed"]


class MemberJoined(Event):
    source = "members"
    event_type = "member_joined"

    member_id: uuid.UUID
    org_unit_id: uuid.UUID
    name: str = Field(min_length=1, max_length=100)
    category: PersonCategory
    political_status: PoliticalStatus
    external_no: str | None = Field(default=None, max_length=64)
    # Where notices reach the person; optional because many roster rows have none yet.
    email: str | None = Field(default=None, max_length=254)


class MemberUpdated(Event):
    """Roster fields of a person changed (by an edit or a re-import). `fields` names them.

    `name` is the new name when "name" is among them: the other services show it beside a
    member's points and duties. Absent in events of an earlier release, which named the fields
    only; a consumer then keeps what it has."""

    source = "members"
    event_type = "member_updated"

    member_id: uuid.UUID
    org_unit_id: uuid.UUID
    fields: list[str] = Field(min_length=1)
    name: str | None = Field(default=None, min_length=1, max_length=100)


class MemberStatusChanged(Event):
    source = "members"
    event_type = "member_status_changed"

    member_id: uuid.UUID
    org_unit_id: uuid.UUID
    from_status: PoliticalStatus
    to_status: PoliticalStatus
    effective_on: IsoDate


class MemberTransferred(Event):
    source = "members"
    event_type = "member_transferred"

    member_id: uuid.UUID
    from_org_unit_id: uuid.UUID
    to_org_unit_id: uuid.UUID
    effective_on: IsoDate


class MemberLeft(Event):
    source = "members"
    event_type = "member_left"

    member_id: uuid.UUID
    org_unit_id: uuid.UUID
    left_on: IsoDate
    reason: str = Field(max_length=200)


class RoleAssigned(Event):
    source = "members"
    event_type = "role_assigned"

    member_id: uuid.UUID
    org_unit_id: uuid.UUID
    role: BranchRole
    started_on: IsoDate


class ActivistAssigned(Event):
    """`follower_id` (a Party member) now follows the learning of `activist_id`."""

    source = "members"
    event_type = "activist_assigned"

    activist_id: uuid.UUID
    follower_id: uuid.UUID
    org_unit_id: uuid.UUID
    assigned_on: IsoDate


CommitmentResult = Literal["fulfilled", "partly", "not_fulfilled"]


class PioneerPostAssigned(Event):
    """A member holds a pioneer post (党员先锋岗) in an org unit from `started_on`."""

    source = "members"
    event_type = "pioneer_post_assigned"

    post_id: uuid.UUID
    member_id: uuid.UUID
    org_unit_id: uuid.UUID
    title: str = Field(min_length=1, max_length=200)
    started_on: IsoDate
    ended_on: IsoDate | None = None


class CommitmentReviewed(Event):
    """A member's yearly commitment (承诺) was reviewed at year end; points may reward the result."""

    source = "members"
    event_type = "commitment_reviewed"

    commitment_id: uuid.UUID
    member_id: uuid.UUID
    org_unit_id: uuid.UUID
    year: int
    result: CommitmentResult
    reviewed_on: IsoDate
    reviewer_id: uuid.UUID | None = None


class CredentialsRevoked(Event):
    """Credentials issued before `issued_before` must be renewed: of the sessions or tokens in
    `sids`, or when `sids` is empty of everything of `member_id`. Renewal is refused when the
    session or token itself ended (sign-out, revoke, the person left); after a change of roles
    it hands out the new ones. Consumed by every gateway process (a broadcast, not a work queue),
    each into its own memory; nothing durable depends on it, so no consumer queue is declared."""

    source = "members"
    event_type = "credentials_revoked"

    member_id: uuid.UUID | None = None
    sids: list[str] = Field(default_factory=list, max_length=10_000)
    issued_before: float
    reason: Literal["signed_out", "revoked", "left", "roles_changed", "password_changed"]
