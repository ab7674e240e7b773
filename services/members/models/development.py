"""The development pipeline (发展党员) and transfers between colleges (组织关系转接)."""
from __future__ import annotations

from sqlalchemy import (
    ARRAY, Boolean, CheckConstraint, Column, Date, DateTime, ForeignKey, Index, Integer, String, Table,
    UniqueConstraint, func, text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from services.members.models.base import metadata

# -- the development pipeline (发展党员) -------------------------------------------------------

# How a step came on record: recorded as it happened, back-filled (补录), by the status route, from
# a roster row, or a withdrawal that closed the record.
DEVELOPMENT_SOURCES = ("pipeline", "backfill", "status_route", "roster", "transfer")

# Each person's dated record of the pipeline's steps (services.members.development.steps). The
# rows of the running pipeline are `current`; a withdrawal (back to non_party) closes them, and a
# new application starts a fresh record beside the old one.
development_records = Table(
    "development_records", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), ForeignKey("tenants.id"), nullable=False),
    Column("person_id", UUID(as_uuid=True), ForeignKey("people.id"), nullable=False),
    Column("step", String(40), nullable=False),
    # Unknown for a milestone back-filled from a roster row that did not give its date.
    Column("done_on", Date),
    Column("recorded_by", UUID(as_uuid=True)),
    Column("actors", String(200)),
    Column("materials", ARRAY(String(200)), nullable=False, server_default="{}"),
    Column("votes_for", Integer),
    Column("votes_against", Integer),
    Column("votes_abstained", Integer),
    Column("note", String(500)),
    Column("source", String(16), nullable=False),
    Column("current", Boolean, nullable=False, server_default=text("true")),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(f"source IN {DEVELOPMENT_SOURCES}", name="development_record_source"),
    CheckConstraint("votes_for IS NULL OR (votes_for >= 0 AND votes_against >= 0 AND votes_abstained >= 0)",
                    name="development_record_votes"),
    Index("ux_development_records_current_step", "tenant_id", "person_id", "step", unique=True,
          postgresql_where=text("current")),
)

# One row per reminder sent: the key (person, step, due date, level) makes the scan idempotent
# across replicas and restarts.
development_reminders = Table(
    "development_reminders", metadata,
    Column("tenant_id", UUID(as_uuid=True), ForeignKey("tenants.id"), primary_key=True),
    Column("person_id", UUID(as_uuid=True), ForeignKey("people.id"), primary_key=True),
    Column("step", String(40), primary_key=True),
    Column("due_on", Date, primary_key=True),
    Column("level", String(16), primary_key=True),
    Column("sent_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# -- transfers between colleges (组织关系转接) ---------------------------------------------------

# One row per college per transfer: the origin's `outgoing` row and the destination's `incoming`
# one share only `transfer_id`; each side's steps read and write their own row.
INTER_TENANT_TRANSFER_STATES = ("issued", "pending", "accepted", "refused", "expired", "left")
inter_tenant_transfers = Table(
    "inter_tenant_transfers", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("transfer_id", UUID(as_uuid=True), nullable=False),
    Column("tenant_id", UUID(as_uuid=True), ForeignKey("tenants.id"), nullable=False),
    Column("side", String(8), nullable=False),
    # The origin's person; the destination's new person once accepted.
    Column("person_id", UUID(as_uuid=True), ForeignKey("people.id")),
    Column("org_unit_id", UUID(as_uuid=True), ForeignKey("org_units.id")),
    Column("letter_no", String(64)),
    Column("issued_on", Date, nullable=False),
    Column("expires_on", Date, nullable=False),
    # The origin names where the person goes: a college of the deployment by its code, or one outside.
    Column("destination_code", String(64)),
    Column("destination_name", String(200)),
    # The destination's copy of what it may see of the person (TransferParticulars).
    Column("particulars", JSONB),
    # Where the destination's answer is addressed; never shown to the destination.
    Column("origin_tenant_id", UUID(as_uuid=True)),
    Column("state", String(16), nullable=False),
    Column("decided_on", Date),
    Column("decided_by", UUID(as_uuid=True)),
    Column("reason", String(200)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("side IN ('outgoing', 'incoming')", name="inter_tenant_transfer_side"),
    CheckConstraint(f"state IN {INTER_TENANT_TRANSFER_STATES}", name="inter_tenant_transfer_state"),
    UniqueConstraint("tenant_id", "transfer_id", name="uq_inter_tenant_transfers_tenant_transfer"),
    # One transfer under way per person.
    Index("ux_inter_tenant_transfers_open", "tenant_id", "person_id", unique=True,
          postgresql_where=text("side = 'outgoing' AND state = 'issued'")),
    Index("ix_inter_tenant_transfers_state", "tenant_id", "side", "state"),
)

# The college's audit log: one row per write request carried out by any service, kept from their

__all__ = [
    "DEVELOPMENT_SOURCES",
    "development_records",
    "development_reminders",
    "INTER_TENANT_TRANSFER_STATES",
    "inter_tenant_transfers",
]
