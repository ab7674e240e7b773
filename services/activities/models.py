"""The activities service's tables (schema `activities`)."""
from __future__ import annotations

from sqlalchemy import (
    Boolean, Column, PrimaryKeyConstraint, Date, DateTime, Index, MetaData, Numeric, String, Table, Text, UniqueConstraint, func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from services.common import roster as common_roster
from services.common.db import handled_requests_table, outbox_table, processed_events_table

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
    Index("ix_activities_tenant_member_period", "tenant_id", "member_id", "period"),
    Index("ix_activities_tenant_unit_period", "tenant_id", "org_unit_id", "period"),
    UniqueConstraint("activity_day_id", "member_id", name="uq_activities_day_member"),
)

activity_days = Table(
    "activity_days", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("org_unit_id", UUID(as_uuid=True), nullable=False),
    Column("period", String(7), nullable=False),
    # A local date in `timezone`; the 4th Thursday unless moved.
    Column("held_on", Date, nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("moved_reason", String(500)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("tenant_id", "org_unit_id", "period", name="uq_activity_days_unit_period"),
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
