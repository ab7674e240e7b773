"""The roster: tenants, the org tree, people and their statuses, roles, activists, pioneer posts,
commitments, API tokens; and the tables every service keeps (outbox, processed events, handled requests)."""
from __future__ import annotations

from sqlalchemy import (
    ARRAY, CheckConstraint, Column, Date, DateTime, ForeignKey, Index, Integer, String, Table,
    UniqueConstraint, func, text,
)
from sqlalchemy.dialects.postgresql import UUID

from services.common.tables import handled_requests_table, outbox_table, processed_events_table
from services.members.models.base import metadata

ORG_UNIT_KINDS = ("committee", "general_branch", "branch", "group")
POLITICAL_STATUSES = ("non_party", "applicant", "activist", "candidate", "probationary", "full")
CATEGORIES = ("staff", "student")
GENDERS = ("male", "female")
BRANCH_ROLES = ("secretary", "organising_officer", "publicity_officer", "discipline_officer", "group_leader")

tenants = Table(
    "tenants", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("timezone", String(64), nullable=False, server_default="Asia/Shanghai"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

org_units = Table(
    "org_units", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), ForeignKey("tenants.id"), nullable=False),
    Column("parent_id", UUID(as_uuid=True), ForeignKey("org_units.id")),
    Column("kind", String(32), nullable=False),
    Column("name", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("closed_at", DateTime(timezone=True)),
    CheckConstraint(f"kind IN {ORG_UNIT_KINDS}", name="org_unit_kind"),
    Index("ix_org_units_tenant", "tenant_id"),
)

people = Table(
    "people", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), ForeignKey("tenants.id"), nullable=False),
    Column("org_unit_id", UUID(as_uuid=True), ForeignKey("org_units.id"), nullable=False),
    Column("external_no", String(64)),
    Column("name", String(100), nullable=False),
    Column("category", String(16), nullable=False),
    Column("political_status", String(16), nullable=False),
    Column("email", String(254)),
    Column("phone", String(32)),
    Column("joined_party_on", Date),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("left_at", DateTime(timezone=True)),
    Column("gender", String(8)),
    Column("ethnicity", String(32)),
    Column("birth_date", Date),
    Column("department", String(100)),
    Column("job_title", String(100)),
    Column("wecom_user_id", String(64)),
    Column("dingtalk_user_id", String(64)),
    Column("joined_work_on", Date),
    Column("applied_on", Date),
    Column("full_member_on", Date),
    Column("introducers", ARRAY(String(100)), nullable=False, server_default="{}"),
    Column("status_since", Date),
    Column("left_reason", String(200)),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(f"gender IS NULL OR gender IN {GENDERS}", name="person_gender"),
    CheckConstraint(f"category IN {CATEGORIES}", name="person_category"),
    CheckConstraint(f"political_status IN {POLITICAL_STATUSES}", name="person_political_status"),
    # The stable key a roster re-import matches on: staff or student number, per college.
    UniqueConstraint("tenant_id", "external_no", name="uq_people_tenant_external_no"),
    Index("ix_people_tenant_org_unit", "tenant_id", "org_unit_id"),
)

api_tokens = Table(
    "api_tokens", metadata,
    # Only a SHA-256 of the token is stored: a database dump does not hand out credentials.
    Column("token_hash", String(64), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), ForeignKey("tenants.id"), nullable=False),
    Column("person_id", UUID(as_uuid=True), ForeignKey("people.id")),
    Column("roles", ARRAY(String(32)), nullable=False),
    Column("label", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("revoked_at", DateTime(timezone=True)),
    # The id names a token in lists and revocations without handing out its hash.
    Column("id", UUID(as_uuid=True), nullable=False, unique=True, server_default=func.gen_random_uuid()),
    Column("expires_at", DateTime(timezone=True), nullable=False,
           server_default=text("now() + interval '90 days'")),
)

# Every status change, dated; the current status on `people` is the latest row here.
status_history = Table(
    "status_history", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), ForeignKey("tenants.id"), nullable=False),
    Column("person_id", UUID(as_uuid=True), ForeignKey("people.id"), nullable=False),
    Column("from_status", String(16)),
    Column("to_status", String(16), nullable=False),
    Column("effective_on", Date, nullable=False),
    Column("note", String(500)),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_status_history_person", "tenant_id", "person_id"),
)

transfers = Table(
    "transfers", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), ForeignKey("tenants.id"), nullable=False),
    Column("person_id", UUID(as_uuid=True), ForeignKey("people.id"), nullable=False),
    Column("from_org_unit_id", UUID(as_uuid=True), ForeignKey("org_units.id"), nullable=False),
    Column("to_org_unit_id", UUID(as_uuid=True), ForeignKey("org_units.id"), nullable=False),
    Column("effective_on", Date, nullable=False),
    Column("note", String(500)),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_transfers_person", "tenant_id", "person_id"),
)

role_assignments = Table(
    "role_assignments", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), ForeignKey("tenants.id"), nullable=False),
    Column("person_id", UUID(as_uuid=True), ForeignKey("people.id"), nullable=False),
    Column("org_unit_id", UUID(as_uuid=True), ForeignKey("org_units.id"), nullable=False),
    Column("role", String(32), nullable=False),
    Column("started_on", Date, nullable=False),
    Column("ended_on", Date),
    CheckConstraint(f"role IN {BRANCH_ROLES}", name="role_assignment_role"),
    Index("ix_role_assignments_unit", "tenant_id", "org_unit_id"),
)

# Which Party member(s) follow an activist's learning (the activist_followup duty).
activist_followers = Table(
    "activist_followers", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), ForeignKey("tenants.id"), nullable=False),
    Column("activist_id", UUID(as_uuid=True), ForeignKey("people.id"), nullable=False),
    Column("follower_id", UUID(as_uuid=True), ForeignKey("people.id"), nullable=False),
    Column("assigned_on", Date, nullable=False),
    Column("ended_on", Date),
    Index("ix_activist_followers_activist", "tenant_id", "activist_id"),
    Index("ix_activist_followers_follower", "tenant_id", "follower_id"),
)

COMMITMENT_RESULTS = ("fulfilled", "partly", "not_fulfilled")

# A pioneer post (党员先锋岗) a member holds in an org unit for a period; open-ended while ended_on is null.
pioneer_posts = Table(
    "pioneer_posts", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), ForeignKey("tenants.id"), nullable=False),
    Column("person_id", UUID(as_uuid=True), ForeignKey("people.id"), nullable=False),
    Column("org_unit_id", UUID(as_uuid=True), ForeignKey("org_units.id"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("started_on", Date, nullable=False),
    Column("ended_on", Date),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="pioneer_post_period"),
    Index("ix_pioneer_posts_person", "tenant_id", "person_id"),
    Index("ix_pioneer_posts_unit", "tenant_id", "org_unit_id"),
)

# A member's yearly commitment (承诺) and its year-end review; the review columns stay null until then.
commitments = Table(
    "commitments", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), ForeignKey("tenants.id"), nullable=False),
    Column("person_id", UUID(as_uuid=True), ForeignKey("people.id"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("items", ARRAY(String(500)), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("reviewer_id", UUID(as_uuid=True), ForeignKey("people.id")),
    Column("result", String(16)),
    Column("comment", String(1000)),
    Column("reviewed_on", Date),
    CheckConstraint(f"result IS NULL OR result IN {COMMITMENT_RESULTS}", name="commitment_result"),
    CheckConstraint("(result IS NULL) = (reviewed_on IS NULL)", name="commitment_review_complete"),
    # One commitment per member and year, even under concurrent requests.
    UniqueConstraint("tenant_id", "person_id", "year", name="uq_commitments_person_year"),
)

outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)
handled_requests = handled_requests_table(metadata)

__all__ = [
    "ORG_UNIT_KINDS",
    "POLITICAL_STATUSES",
    "CATEGORIES",
    "GENDERS",
    "BRANCH_ROLES",
    "tenants",
    "org_units",
    "people",
    "api_tokens",
    "status_history",
    "transfers",
    "role_assignments",
    "activist_followers",
    "COMMITMENT_RESULTS",
    "pioneer_posts",
    "commitments",
    "outbox",
    "processed_events",
    "handled_requests",
]
