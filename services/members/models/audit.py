"""The college's audit log, kept from every service's `audit_recorded` events."""
from __future__ import annotations

from sqlalchemy import (
    ARRAY, Column, DateTime, Index, String, Table,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import UUID

from services.members.models.base import metadata

# `audit_recorded` events (services.members.audit_log) for AUDIT_LOG_KEEP_DAYS.
audit_log = Table(
    "audit_log", metadata,
    Column("event_id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("service", String(32), nullable=False),
    Column("entrypoint", String(200), nullable=False),
    Column("route", String(300)),
    Column("person_id", UUID(as_uuid=True)),
    Column("roles", ARRAY(String(32)), nullable=False),
    Column("credential", String(80)),
    # "field=id" as the request named them; `target_ids` the ids alone, for the filter.
    Column("targets", ARRAY(String(160)), nullable=False),
    # PostgreSQL's own ARRAY: its `contains` (@>) is what the GIN index serves.
    Column("target_ids", postgresql.ARRAY(UUID(as_uuid=True)), nullable=False),
    Column("summary", String(1000), nullable=False),
    Column("correlation_id", String(128)),
    Index("ix_audit_log_tenant_time", "tenant_id", "occurred_at"),
    Index("ix_audit_log_tenant_person_time", "tenant_id", "person_id", "occurred_at"),
    Index("ix_audit_log_target_ids", "target_ids", postgresql_using="gin"),
)

__all__ = [
    "audit_log",
]
