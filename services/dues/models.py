"""The dues service's tables (schema `dues`). Money is integer fen (BIGINT); the payment record
is append-only: a wrong entry is answered by a compensating entry, never changed in place."""
from __future__ import annotations

from sqlalchemy import (
    BigInteger, Column, Date, DateTime, Index, Integer, MetaData, PrimaryKeyConstraint, String, Table,
    UniqueConstraint, func,
)
from sqlalchemy.dialects.postgresql import UUID

from services.common import roster
from services.common.tables import (
    effective_version_columns, handled_requests_table, outbox_table, processed_events_table,
)

metadata = MetaData()

# Versions of the tenant's rate table (the national rules of 2008 apply where none is stored).
rate_tables = Table(
    "rate_tables", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    *effective_version_columns(),
    UniqueConstraint("tenant_id", "version", name="uq_rate_tables_version"),
    UniqueConstraint("tenant_id", "effective_from", name="uq_rate_tables_effective"),
)

# A member's dues base (缴费基数) from a month on, within one year. Every change is a new row: the
# one in force for a month is the latest effective_from not after it in that year, and among rows
# with the same effective_from the one recorded last.
dues_bases = Table(
    "dues_bases", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("member_id", UUID(as_uuid=True), nullable=False),
    Column("year", Integer, nullable=False),
    Column("effective_from", String(7), nullable=False),
    Column("category", String(16), nullable=False),
    Column("monthly_income_fen", BigInteger),
    Column("source", String(16), nullable=False),
    Column("reason", String(200)),
    Column("recorded_by", UUID(as_uuid=True)),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_dues_bases_member", "tenant_id", "member_id", "effective_from"),
)

# Reductions, exemptions and deferrals the branch committee approved, for a range of months.
reliefs = Table(
    "reliefs", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("member_id", UUID(as_uuid=True), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("from_period", String(7), nullable=False),
    Column("to_period", String(7), nullable=False),
    Column("reduced_to_fen", BigInteger),
    Column("reason", String(200), nullable=False),
    Column("approved_on", Date, nullable=False),
    Column("recorded_by", UUID(as_uuid=True)),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_reliefs_member", "tenant_id", "member_id"),
)

# What a member owes for a month, fixed when the month is assessed: one row per member and month.
assessments = Table(
    "assessments", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("member_id", UUID(as_uuid=True), nullable=False),
    Column("org_unit_id", UUID(as_uuid=True), nullable=False),
    Column("period", String(7), nullable=False),
    Column("category", String(16), nullable=False),
    Column("monthly_income_fen", BigInteger),
    Column("rate_bp", Integer),
    Column("standard_fen", BigInteger, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("relief", String(16)),
    Column("base_id", UUID(as_uuid=True)),
    Column("rate_table_version", Integer, nullable=False),
    Column("reason", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("tenant_id", "member_id", "period", name="uq_assessments_member_period"),
    Index("ix_assessments_unit_period", "tenant_id", "org_unit_id", "period"),
)

# The append-only payment record. `corrects` links a compensating entry to the entry it corrects;
# `external_ref` is a statement's transaction number, so importing a statement twice adds nothing.
payments = Table(
    "payments", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("member_id", UUID(as_uuid=True), nullable=False),
    Column("org_unit_id", UUID(as_uuid=True), nullable=False),
    Column("period", String(7), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("method", String(16), nullable=False),
    Column("paid_on", Date, nullable=False),
    Column("corrects", UUID(as_uuid=True)),
    Column("source", String(16), nullable=False),
    Column("external_ref", String(128)),
    Column("note", String(200)),
    Column("recorded_by", UUID(as_uuid=True)),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("tenant_id", "source", "external_ref", name="uq_payments_external_ref"),
    Index("ix_payments_member_period", "tenant_id", "member_id", "period"),
    Index("ix_payments_unit_period", "tenant_id", "org_unit_id", "period"),
    Index("ix_payments_corrects", "corrects"),
)

# Scheduled work claimed in the transaction that does it, keyed by what it covers: a second
# replica (or a rerun) finds the row and does nothing.
assessment_runs = Table(
    "assessment_runs", metadata,
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("org_unit_id", UUID(as_uuid=True), nullable=False),
    Column("period", String(7), nullable=False),
    Column("assessed", Integer, nullable=False),
    Column("ran_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("tenant_id", "org_unit_id", "period", name="pk_assessment_runs"),
)
arrears_checks = Table(
    "arrears_checks", metadata,
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("org_unit_id", UUID(as_uuid=True), nullable=False),
    Column("period", String(7), nullable=False),
    Column("notices", Integer, nullable=False),
    Column("checked_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("tenant_id", "org_unit_id", "period", name="pk_arrears_checks"),
)
# Each dues_overdue sent, once per member, month checked and level; the branch_review rows are the
# flags a branch sees until it decides (outside this system: nothing is done automatically).
arrears_notices = Table(
    "arrears_notices", metadata,
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("member_id", UUID(as_uuid=True), nullable=False),
    Column("period", String(7), nullable=False),
    Column("level", String(16), nullable=False),
    Column("org_unit_id", UUID(as_uuid=True), nullable=False),
    Column("months_unpaid", Integer, nullable=False),
    Column("outstanding_fen", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("tenant_id", "member_id", "period", "level", name="pk_arrears_notices"),
    Index("ix_arrears_notices_unit", "tenant_id", "org_unit_id", "period"),
)

# The roster as dues needs it, fed by the members service's events; plus each member's staff or
# student number (from member_joined), which payroll files and statements are matched by.
members_view = roster.roster_table(metadata, "members_view", "ix_members_view_unit")
org_units = roster.org_units_table(metadata)
tenants = roster.tenants_table(metadata)
member_numbers = Table(
    "member_numbers", metadata,
    Column("member_id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("external_no", String(64), nullable=False),
    Index("ix_member_numbers_number", "tenant_id", "external_no"),
)

outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)
handled_requests = handled_requests_table(metadata)
