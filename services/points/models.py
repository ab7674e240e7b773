"""The points service's tables (schema `points`). The ledger is append-only."""
from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, MetaData, String, Table, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import UUID

from services.common.db import outbox_table, processed_events_table

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
    # One entry per (cause, rule): a replayed event can never append a second one, even if the
    # processed_events marker were lost.
    UniqueConstraint("tenant_id", "source_event_id", "rule_key", name="uq_ledger_source_rule"),
    Index("ix_ledger_tenant_member_period", "tenant_id", "member_id", "period"),
)

outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)
