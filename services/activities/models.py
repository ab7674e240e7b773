"""The activities service's tables (schema `activities`)."""
from __future__ import annotations

from sqlalchemy import (
    Boolean, Column, PrimaryKeyConstraint, Date, DateTime, Index, Integer, MetaData, Numeric, String, Table, Text, UniqueConstraint, func, text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from services.common import roster as common_roster
from services.common.tables import handled_requests_table, outbox_table, processed_events_table

metadata = MetaData()

activities = Table(
    "activities", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("member_id", UUID(as_uuid=True), nullable=False),
    Column("org_unit_id", UUID(as_uuid=True), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("occurred_on", Date, nullable=False),
    # The month in the tenant's time zone, fixed when the activity is logged.
    Column("period", String(7), nullable=False),
    Column("quantity", Numeric(8, 2), nullable=False),
    Column("details", JSONB, nullable=False),
    Column("evidence", JSONB, nullable=False, server_default="[]"),
    Column("status", String(16), nullable=False),
    Column("logged_by", UUID(as_uuid=True)),
    Column("note", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # Set for activity-day attendance or leave: one record per member per day.
    Column("activity_day_id", UUID(as_uuid=True)),
    Column("decided_by", UUID(as_uuid=True)),
    Column("decided_at", DateTime(timezone=True)),
    Column("decision_reason", String(500)),
    # Set for attendance of a meeting other than an activity day, by its close or logged by hand
    # naming it: one record per member per meeting, so a person is counted once.
    Column("meeting_id", UUID(as_uuid=True)),
    Index("ix_activities_tenant_member_period", "tenant_id", "member_id", "period"),
    Index("ix_activities_tenant_unit_period", "tenant_id", "org_unit_id", "period"),
    UniqueConstraint("activity_day_id", "member_id", name="uq_activities_day_member"),
    UniqueConstraint("meeting_id", "member_id", name="uq_activities_meeting_member"),
)

# Meetings (会议), activity days (党员活动日) among them: an activity day is the meeting of kind
# `activity_day`, its id the day's id, one per branch and month (the partial unique index).
meetings = Table(
    "meetings", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("org_unit_id", UUID(as_uuid=True), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("title", String(200), nullable=False),
    Column("period", String(7), nullable=False),
    # A local date in `timezone` (an activity day's date: the 4th Thursday unless moved) and the
    # start as an instant; the check-in window is around `starts_at`.
    Column("held_on", Date, nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("place", String(200)),
    Column("agenda", Text),
    Column("check_in_code", String(8), nullable=False),
    Column("status", String(16), nullable=False),
    Column("moved_reason", String(500)),
    # Every move of its date, oldest first: {from, to, reason, by, at}.
    Column("moves", JSONB, nullable=False, server_default="[]"),
    Column("minutes", Text),
    Column("evidence", JSONB, nullable=False, server_default="[]"),
    Column("created_by", UUID(as_uuid=True)),
    Column("closed_by", UUID(as_uuid=True)),
    Column("closed_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_meetings_tenant_unit_period", "tenant_id", "org_unit_id", "period"),
    Index("uq_meetings_activity_day", "tenant_id", "org_unit_id", "period", unique=True,
          postgresql_where=text("kind = 'activity_day'")),
)

# Each (tenant, branch, year) whose activity days were scheduled without anybody asking: claimed
# in the transaction that schedules them, so each year is scheduled once across replicas.
activity_day_years = Table(
    "activity_day_years", metadata,
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("org_unit_id", UUID(as_uuid=True), nullable=False),
    Column("year", Integer, nullable=False),
    Column("scheduled_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("tenant_id", "org_unit_id", "year", name="pk_activity_day_years"),
)

# A branch's own 三会一课 frequencies, over the defaults in meeting_rules.DEFAULT_NORMS.
meeting_norms = Table(
    "meeting_norms", metadata,
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("org_unit_id", UUID(as_uuid=True), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("frequency", String(16), nullable=False),
    Column("updated_by", UUID(as_uuid=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("tenant_id", "org_unit_id", "kind", name="pk_meeting_norms"),
)

# Who a meeting expects, and what became of each: invited, checked in, on leave (asked, then
# approved or refused), absent. Guests attend and earn nothing.
meeting_attendees = Table(
    "meeting_attendees", metadata,
    Column("meeting_id", UUID(as_uuid=True), nullable=False),
    Column("member_id", UUID(as_uuid=True), nullable=False),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("org_unit_id", UUID(as_uuid=True), nullable=False),
    Column("guest", Boolean, nullable=False),
    Column("status", String(16), nullable=False),
    Column("checked_in_at", DateTime(timezone=True)),
    Column("recorded_by", UUID(as_uuid=True)),
    Column("leave_reason", String(500)),
    Column("leave_decided_by", UUID(as_uuid=True)),
    Column("leave_refusal", String(500)),
    PrimaryKeyConstraint("meeting_id", "member_id", name="pk_meeting_attendees"),
    Index("ix_meeting_attendees_tenant_member", "tenant_id", "member_id"),
)

# Kinds a tenant added beside the built-in catalogue; their details are a title and description.
tenant_kinds = Table(
    "tenant_kinds", metadata,
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("key", String(64), nullable=False),
    Column("title_zh", String(100), nullable=False),
    Column("unit", String(16), nullable=False),
    Column("max_quantity", Numeric(8, 2), nullable=False),
    Column("needs_approval", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("tenant_id", "key", name="pk_tenant_kinds"),
)

# The roster as far as this service needs it, fed by the members service's events (never read
# from members): current units, statuses and leavers, the org tree, and tenants' time zones.
roster = common_roster.roster_table(metadata, "roster", "ix_roster_tenant_unit")
org_units = common_roster.org_units_table(metadata)
tenants = common_roster.tenants_table(metadata)

outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)
handled_requests = handled_requests_table(metadata)
