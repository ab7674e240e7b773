"""The points service's tables (schema `points`). The ledger is append-only."""
from __future__ import annotations

from sqlalchemy import (
    Boolean, Column, Date, DateTime, Index, Integer, MetaData, Numeric, PrimaryKeyConstraint, String, Table,
    UniqueConstraint, func,
)
from sqlalchemy.dialects.postgresql import UUID

from services.common import roster
from services.common.tables import (
    effective_version_columns, handled_requests_table, outbox_table, processed_events_table,
)

metadata = MetaData()

ledger_entries = Table(
    "ledger_entries", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("member_id", UUID(as_uuid=True), nullable=False),
    Column("org_unit_id", UUID(as_uuid=True), nullable=False),
    Column("period", String(7), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("delta", Integer, nullable=False),
    Column("rule_key", String(64), nullable=False),
    Column("rule_version", Integer, nullable=False),
    Column("activity_id", UUID(as_uuid=True)),
    Column("source_event_id", UUID(as_uuid=True), nullable=False),
    Column("reason", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # The local day the activity happened (daily caps), the 三比 dimension, and the stored rule set
    # that priced it (null: the built-in default).
    Column("occurred_on", Date),
    Column("dimension", String(16)),
    Column("rule_set_id", UUID(as_uuid=True)),
    # One entry per (cause, rule): a replayed event can never append a second one, even if the
    # processed_events marker were lost.
    UniqueConstraint("tenant_id", "source_event_id", "rule_key", name="uq_ledger_source_rule"),
    Index("ix_ledger_tenant_member_period", "tenant_id", "member_id", "period"),
    Index("ix_ledger_activity", "activity_id"),
)

# Running totals per member, period (YYYY-MM and YYYY) and dimension (plus "total"), kept in the
# same transaction as each ledger entry so a leaderboard is an index range scan.
balances = Table(
    "balances", metadata,
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("member_id", UUID(as_uuid=True), nullable=False),
    Column("org_unit_id", UUID(as_uuid=True), nullable=False),
    Column("period", String(7), nullable=False),
    Column("dimension", String(16), nullable=False),
    Column("points", Integer, nullable=False),
    PrimaryKeyConstraint("tenant_id", "member_id", "period", "dimension", name="pk_balances"),
    Index("ix_balances_board", "tenant_id", "period", "dimension", "points"),
    Index("ix_balances_unit_board", "tenant_id", "org_unit_id", "period", "dimension", "points"),
)

# What points knows of each activity, from activities' events: enough to value, reverse and
# correct it, and to see the four duties and activity-day presence at month close.
activity_facts = Table(
    "activity_facts", metadata,
    Column("activity_id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("member_id", UUID(as_uuid=True), nullable=False),
    Column("org_unit_id", UUID(as_uuid=True), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("variant", String(64)),
    Column("period", String(7), nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("quantity", Numeric(8, 2), nullable=False),
    Column("status", String(16), nullable=False),
    Index("ix_facts_tenant_period_member", "tenant_id", "period", "member_id"),
)

rule_sets = Table(
    "rule_sets", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    # "default" for the tenant's own default, else the branch's org unit id.
    Column("scope", String(36), nullable=False),
    *effective_version_columns(),
    UniqueConstraint("tenant_id", "scope", "version", name="uq_rule_sets_version"),
    UniqueConstraint("tenant_id", "scope", "effective_from", name="uq_rule_sets_effective"),
)

# Rules for the kinds a tenant added, as announced by activities; rule-set layers override them.
custom_rules = Table(
    "custom_rules", metadata,
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("key", String(64), nullable=False),
    Column("points_per_unit", Integer, nullable=False),
    Column("monthly_cap", Integer),
    Column("requires_approval", Boolean, nullable=False),
    Column("dimension", String(16), nullable=False),
    PrimaryKeyConstraint("tenant_id", "key", name="pk_custom_rules"),
)

# The roster as points needs it, fed by the members service's events (services never read each
# other's tables): who is in which unit, with which status, who has left; the org tree (a group's
# members belong to the branch above it) and each tenant's time zone.
members_view = roster.roster_table(metadata, "members_view", "ix_members_view_unit")
org_units = roster.org_units_table(metadata)
tenants = roster.tenants_table(metadata)

# Every transfer, so a month already over is closed with the units members had then, and an
# activity counts in the unit the member was in on the day it happened.
unit_changes = Table(
    "unit_changes", metadata,
    Column("event_id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("member_id", UUID(as_uuid=True), nullable=False),
    Column("from_org_unit_id", UUID(as_uuid=True), nullable=False),
    Column("to_org_unit_id", UUID(as_uuid=True), nullable=False),
    Column("effective_on", Date, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("ix_unit_changes_member", "tenant_id", "member_id", "effective_on"),
)

activity_days = Table(
    "activity_days", metadata,
    Column("day_id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("org_unit_id", UUID(as_uuid=True), nullable=False),
    Column("period", String(7), nullable=False),
    Column("held_on", Date, nullable=False),
    UniqueConstraint("tenant_id", "org_unit_id", "period", name="uq_points_activity_days"),
)

# Claimed in the closing transaction: a second replica (or a rerun) finds the row and does nothing.
month_closes = Table(
    "month_closes", metadata,
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("org_unit_id", UUID(as_uuid=True), nullable=False),
    Column("period", String(7), nullable=False),
    Column("close_id", UUID(as_uuid=True), nullable=False, unique=True),
    Column("members", Integer, nullable=False),
    Column("deductions", Integer, nullable=False),
    Column("missing_duties", Integer, nullable=False),
    Column("unexcused_absences", Integer, nullable=False),
    Column("closed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("tenant_id", "org_unit_id", "period", name="pk_month_closes"),
)

outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)
handled_requests = handled_requests_table(metadata)
