"""The members API's requests (the roster, org units, roles, tokens, pioneer posts, commitments)."""
from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from services.common.contracts.api.answers import Answer

from services.common.contracts.members import BranchRole, PersonCategory, PoliticalStatus
from services.common.validation import PAGE_LIMIT_MAX, PAGE_OFFSET_MAX, IsoDate, TimeZoneName


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TenantCreate(Strict):
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", description="short stable name, e.g. wind-energy")
    name: str = Field(min_length=1, max_length=200)
    timezone: TimeZoneName = Field(default="Asia/Shanghai", max_length=64)


class TenantUpdate(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    timezone: TimeZoneName | None = Field(default=None, min_length=1, max_length=64)

    @model_validator(mode="after")
    def _something(self):
        if self.name is None and self.timezone is None:
            raise ValueError("nothing to update: give name or timezone")
        return self


class OrgUnitCreate(Strict):
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["committee", "general_branch", "branch", "group"]
    parent_id: uuid.UUID | None = None


EXTERNAL_ID = r"^[A-Za-z0-9_.@-]{1,64}$"
EARLIEST = date(1900, 1, 1)

# (earlier date, later date, may both fall on one day, the error), checked in this order.
DATE_ORDER = (
    ("birth_date", "joined_party_on", False, "joined_party_on: must be after birth_date"),
    ("birth_date", "joined_work_on", False, "joined_work_on: must be after birth_date"),
    ("joined_party_on", "full_member_on", False, "full_member_on: must be after joined_party_on"),
    ("applied_on", "joined_party_on", True, "applied_on: must not be after joined_party_on"),
)


class PersonFields(Strict):
    """Optional roster fields shared by create, update and import."""

    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 -]{5,32}$")
    gender: Literal["male", "female"] | None = None
    ethnicity: str | None = Field(default=None, min_length=1, max_length=32)
    birth_date: IsoDate | None = None
    department: str | None = Field(default=None, min_length=1, max_length=100, description="department or class")
    job_title: str | None = Field(default=None, min_length=1, max_length=100)
    wecom_user_id: str | None = Field(default=None, pattern=EXTERNAL_ID)
    dingtalk_user_id: str | None = Field(default=None, pattern=EXTERNAL_ID)
    joined_work_on: IsoDate | None = None
    applied_on: IsoDate | None = Field(default=None, description="date of the written application to join")
    joined_party_on: IsoDate | None = Field(default=None, description="admitted as probationary member")
    full_member_on: IsoDate | None = None
    introducers: list[str] | None = Field(default=None, max_length=2)

    @field_validator("introducers")
    @classmethod
    def _names(cls, value):
        if value is None:
            return value
        cleaned = [v.strip() for v in value]
        if any(not v or len(v) > 100 for v in cleaned):
            raise ValueError("each introducer is a name of 1 to 100 characters")
        return cleaned

    @field_validator("birth_date", "joined_work_on", "applied_on", "joined_party_on", "full_member_on")
    @classmethod
    def _plausible(cls, value):
        if value is not None and not EARLIEST <= value <= date.today():
            raise ValueError(f"must lie between {EARLIEST.isoformat()} and today")
        return value

    @model_validator(mode="after")
    def _ordered(self):
        for earlier, later, same_day, message in DATE_ORDER:
            first, then = getattr(self, earlier), getattr(self, later)
            if first and then and (first > then if same_day else first >= then):
                raise ValueError(message)
        return self


class MemberCreate(PersonFields):
    name: str = Field(min_length=1, max_length=100)
    org_unit_id: uuid.UUID
    category: PersonCategory
    political_status: PoliticalStatus
    external_no: str | None = Field(default=None, min_length=1, max_length=64)


class MemberUpdate(PersonFields):
    """Status and org unit change only through their own dated operations."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    category: PersonCategory | None = None
    external_no: str | None = Field(default=None, min_length=1, max_length=64)

    @model_validator(mode="after")
    def _something(self):
        if not self.model_fields_set:
            raise ValueError("nothing to update: give at least one field")
        return self


class StatusChange(Strict):
    to_status: PoliticalStatus
    effective_on: IsoDate
    note: str | None = Field(default=None, max_length=500)


class TransferCreate(Strict):
    to_org_unit_id: uuid.UUID
    effective_on: IsoDate
    note: str | None = Field(default=None, max_length=500)


class LeaveCreate(Strict):
    left_on: IsoDate
    reason: str = Field(min_length=1, max_length=200)


class RoleAssign(Strict):
    role: BranchRole
    org_unit_id: uuid.UUID
    started_on: IsoDate


class ActivistAssign(Strict):
    follower_id: uuid.UUID
    assigned_on: IsoDate


class OrgUnitRename(Strict):
    name: str = Field(min_length=1, max_length=200)


class OrgUnitMove(Strict):
    parent_id: uuid.UUID | None


class MemberQuery(Strict):
    org_unit_id: uuid.UUID | None = None
    political_status: PoliticalStatus | None = None
    category: PersonCategory | None = None
    include_left: bool = False
    limit: int = Field(default=50, ge=1, le=PAGE_LIMIT_MAX)
    offset: int = Field(default=0, ge=0, le=PAGE_OFFSET_MAX)


class RosterImport(Strict):
    branch_id: uuid.UUID
    format: Literal["csv", "xlsx"]
    content_base64: str = Field(min_length=1, max_length=40_000_000)
    mode: Literal["all_or_nothing", "valid_rows"] = "all_or_nothing"
    dry_run: bool = False


class TokenCreate(Strict):
    label: str = Field(default="api", min_length=1, max_length=100)
    roles: list[Literal["tenant_admin", "secretary", "organising_officer", "publicity_officer",
                        "discipline_officer", "group_leader", "member"]] = Field(default_factory=lambda: ["member"],
                                                                                   min_length=1)
    # Tokens end: 90 days unless asked otherwise (services.members.accounts.rules).
    expires_in_days: int | None = Field(default=None, ge=1, le=365)


class PioneerPostCreate(Strict):
    title: str = Field(min_length=1, max_length=200)
    org_unit_id: uuid.UUID | None = Field(default=None, description="defaults to the member's own unit")
    started_on: IsoDate
    ended_on: IsoDate | None = None

    @field_validator("ended_on")
    @classmethod
    def _period(cls, value, info):
        # A field validator (not a model one) so the error names ended_on, not the whole body.
        started = info.data.get("started_on")
        if value is not None and started is not None and value < started:
            raise ValueError("must not precede started_on")
        return value


class PioneerPostEnd(Strict):
    ended_on: IsoDate


class CommitmentCreate(Strict):
    year: int = Field(ge=2000, le=2100)
    items: list[str] = Field(min_length=1, max_length=20)

    @field_validator("items")
    @classmethod
    def _texts(cls, value):
        cleaned = [v.strip() for v in value]
        if any(not v or len(v) > 500 for v in cleaned):
            raise ValueError("each item is a text of 1 to 500 characters")
        return cleaned


class CommitmentReview(Strict):
    result: Literal["fulfilled", "partly", "not_fulfilled"]
    reviewed_on: IsoDate
    comment: str | None = Field(default=None, max_length=1000)


class AuditQuery(Strict):
    """Filters of the audit log; `since` and `until` are days of the college's own calendar, both
    included."""

    person_id: uuid.UUID | None = None
    target_id: uuid.UUID | None = None
    since: IsoDate | None = None
    until: IsoDate | None = None
    limit: int = Field(default=50, ge=1, le=PAGE_LIMIT_MAX)
    offset: int = Field(default=0, ge=0, le=PAGE_OFFSET_MAX)

    @model_validator(mode="after")
    def _ordered(self):
        if self.since and self.until and self.until < self.since:
            raise ValueError("until: must not precede since")
        return self
# ---- answers ----


class Tenant(Answer):
    """A college."""

    id: uuid.UUID
    code: str
    name: str
    timezone: str


class TenantCreated(Answer):
    """The new college and its first admin token (shown once)."""

    tenant: Tenant
    admin_token: str


class OrgUnit(Answer):
    """An org unit: a committee, general branch, branch or group."""

    id: uuid.UUID
    kind: Literal["committee", "general_branch", "branch", "group"]
    name: str
    parent_id: uuid.UUID | None
    closed_at: str | None


class Member(Answer):
    """A person of the roster."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    org_unit_id: uuid.UUID
    external_no: str | None
    name: str
    category: PersonCategory
    political_status: PoliticalStatus
    email: str | None
    phone: str | None
    gender: Literal["male", "female"] | None
    ethnicity: str | None
    birth_date: date | None
    department: str | None
    job_title: str | None
    wecom_user_id: str | None
    dingtalk_user_id: str | None
    joined_work_on: date | None
    applied_on: date | None
    joined_party_on: date | None
    full_member_on: date | None
    introducers: list[str]
    status_since: date | None
    left_at: str | None
    left_reason: str | None
    timezone: str | None = Field(default=None, description="the college's time zone, on a single member's answer")


class MemberPage(Answer):
    """A page of the roster."""

    items: list[Member]
    total: int
    limit: int
    offset: int


class RoleAssignment(Answer):
    """An appointment to a branch role."""

    id: uuid.UUID
    member_id: uuid.UUID
    org_unit_id: uuid.UUID
    role: BranchRole
    started_on: date


class IssuedToken(Answer):
    """A new API token (shown once) and the roles it carries."""

    token: str
    member_id: uuid.UUID | None
    roles: list[str]


class PioneerPost(Answer):
    """A pioneer post (党员先锋岗)."""

    id: uuid.UUID
    member_id: uuid.UUID
    org_unit_id: uuid.UUID
    title: str
    started_on: date
    ended_on: date | None
    name: str | None = Field(default=None, description="the holder's name, on an org unit's list")


class CommitmentReviewed(Answer):
    result: Literal["fulfilled", "partly", "not_fulfilled"]
    reviewed_on: date
    comment: str | None
    reviewer_id: uuid.UUID | None


class Commitment(Answer):
    """A member's yearly commitment (承诺) and its review."""

    id: uuid.UUID
    member_id: uuid.UUID
    year: int
    items: list[str]
    review: CommitmentReviewed | None


class RosterFile(Answer):
    """A branch's roster as a spreadsheet, base64-encoded."""

    filename: str
    format: Literal["xlsx"]
    content_base64: str


class StatusRecord(Answer):
    """One step of a member's political status history."""

    from_status: PoliticalStatus | None
    to_status: PoliticalStatus
    effective_on: date
    note: str | None
    recorded_at: str


class Transfer(Answer):
    """A member's move from one org unit to another."""

    from_org_unit_id: uuid.UUID
    to_org_unit_id: uuid.UUID
    effective_on: date
    note: str | None


class UnitRole(Answer):
    """Who holds which role in an org unit."""

    member_id: uuid.UUID
    name: str
    role: BranchRole
    started_on: date


class ActivistLink(Answer):
    """An activist (入党积极分子) followed by a member."""

    id: uuid.UUID
    activist_id: uuid.UUID
    follower_id: uuid.UUID
    assigned_on: date


class Follower(Answer):
    """One of the members following an activist."""

    follower_id: uuid.UUID
    name: str
    assigned_on: date
