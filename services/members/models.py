"""The members service's tables (schema `members`)."""
from __future__ import annotations

from sqlalchemy import (
    ARRAY, CheckConstraint, Column, Date, DateTime, ForeignKey, Index, MetaData, String, Table,
    UniqueConstraint, func,
)
from sqlalchemy.dialects.postgresql import UUID

from services.common.db import outbox_table, processed_events_table

metadata = MetaData()

ORG_UNIT_KINDS = ("committee", "general_branch", "branch", "group")
POLITICAL_STATUSES = ("non_party", "applicant", "activist", "candidate", "probationary", "full")
CATEGORIES = ("staff", "student")

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
)

outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)
