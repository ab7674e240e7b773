"""The activities service's tables (schema `activities`)."""
from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, Index, MetaData, Numeric, String, Table, Text, func
from sqlalchemy.dialects.postgresql import JSONB, UUID

from services.common.db import outbox_table, processed_events_table

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
    Index("ix_activities_tenant_member_period", "tenant_id", "member_id", "period"),
)

outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)
