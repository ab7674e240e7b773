"""The notify service's tables (schema `notify`)."""
from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, MetaData, String, Table, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import UUID

from services.common.db import outbox_table, processed_events_table

metadata = MetaData()

inbox_messages = Table(
    "inbox_messages", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("person_id", UUID(as_uuid=True), nullable=False),
    # What caused the notice (e.g. "points_awarded:<entry id>"): the same cause never yields two.
    Column("cause", String(200), nullable=False),
    Column("template", String(64), nullable=False),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("read_at", DateTime(timezone=True)),
    UniqueConstraint("tenant_id", "cause", name="uq_inbox_tenant_cause"),
    Index("ix_inbox_tenant_person", "tenant_id", "person_id", "created_at"),
)

outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)
