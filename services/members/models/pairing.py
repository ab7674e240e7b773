"""Pairings (手拉手、一帮一) and needs (诉求): who is paired with whom, their contacts and follow-up."""
from __future__ import annotations

from sqlalchemy import (
    CheckConstraint, Column, Date, DateTime, ForeignKey, Index, Integer, String, Table,
    Text, func, text,
)
from sqlalchemy.dialects.postgresql import UUID

from services.members.models.base import metadata

# Imported here, not at the top, so this block stays self-contained beside the roster's tables.

PAIRING_TARGET_KINDS = ("staff_non_party", "class", "student_member")
NEED_STATUSES = ("open", "assigned", "resolved", "confirmed")
OVERDUE_LEVELS = ("mentor", "secretary")

# A branch's follow-up rhythm; a branch without a row uses the defaults in services.members.pairing.
pairing_settings = Table(
    "pairing_settings", metadata,
    Column("tenant_id", UUID(as_uuid=True), ForeignKey("tenants.id"), primary_key=True),
    Column("org_unit_id", UUID(as_uuid=True), ForeignKey("org_units.id"), primary_key=True),
    Column("contact_every_days", Integer, nullable=False),
    Column("need_overdue_days", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("contact_every_days BETWEEN 1 AND 366", name="pairing_settings_contact_days"),
    CheckConstraint("need_overdue_days BETWEEN 1 AND 366", name="pairing_settings_need_days"),
)

# One row per pairing; a changed target ends the row and starts a new one, so rows are history.
pairings = Table(
    "pairings", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), ForeignKey("tenants.id"), nullable=False),
    # The mentor's branch when the pairing was formed: whose cadence, secretary and view it is.
    Column("org_unit_id", UUID(as_uuid=True), ForeignKey("org_units.id"), nullable=False),
    Column("mentor_id", UUID(as_uuid=True), ForeignKey("people.id"), nullable=False),
    Column("target_kind", String(32), nullable=False),
    Column("target_person_id", UUID(as_uuid=True), ForeignKey("people.id")),
    Column("target_class", String(200)),
    Column("started_on", Date, nullable=False),
    Column("ended_on", Date),
    Column("end_reason", String(200)),
    Column("last_contact_on", Date),
    Column("next_due_on", Date, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(f"target_kind IN {PAIRING_TARGET_KINDS}", name="pairing_target_kind"),
    CheckConstraint("(target_kind = 'class') = (target_class IS NOT NULL) "
                    "AND (target_kind = 'class') = (target_person_id IS NULL)", name="pairing_target"),
    # At most one active pairing per mentor and kind, even under concurrent requests.
    Index("ux_pairings_active_kind", "tenant_id", "mentor_id", "target_kind", unique=True,
          postgresql_where=text("ended_on IS NULL")),
    Index("ix_pairings_branch", "tenant_id", "org_unit_id"),
)

# Each logged contact counted for a pairing, so a rejected contact can be taken back.
pairing_contacts = Table(
    "pairing_contacts", metadata,
    Column("pairing_id", UUID(as_uuid=True), ForeignKey("pairings.id"), primary_key=True),
    Column("activity_id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), ForeignKey("tenants.id"), nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_pairing_contacts_activity", "tenant_id", "activity_id"),
)

# The overdue scan's claims: one row per pairing, due date and level. Whichever replica inserts
# the row publishes the event, in the same transaction; every other run finds it and does nothing.
pairing_overdue_claims = Table(
    "pairing_overdue_claims", metadata,
    Column("pairing_id", UUID(as_uuid=True), ForeignKey("pairings.id"), primary_key=True),
    Column("due_on", Date, primary_key=True),
    Column("level", String(16), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), ForeignKey("tenants.id"), nullable=False),
    Column("scanned_on", Date, nullable=False),
    Column("claimed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(f"level IN {OVERDUE_LEVELS}", name="pairing_overdue_level"),
)

needs = Table(
    "needs", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), ForeignKey("tenants.id"), nullable=False),
    Column("org_unit_id", UUID(as_uuid=True), ForeignKey("org_units.id"), nullable=False),
    # Who raised it: the only person who may confirm it closed (or reopen it).
    Column("raised_by", UUID(as_uuid=True), ForeignKey("people.id"), nullable=False),
    Column("recorded_by", UUID(as_uuid=True), ForeignKey("people.id")),
    Column("pairing_id", UUID(as_uuid=True), ForeignKey("pairings.id")),
    Column("activity_id", UUID(as_uuid=True)),
    Column("title", String(200), nullable=False),
    Column("description", Text),
    Column("status", String(16), nullable=False),
    Column("assignee_id", UUID(as_uuid=True), ForeignKey("people.id")),
    Column("resolution", Text),
    Column("raised_on", Date, nullable=False),
    Column("closed_on", Date),
    # Set by the scan that escalated it: a need escalates once.
    Column("escalated_on", Date),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(f"status IN {NEED_STATUSES}", name="need_status"),
    Index("ix_needs_branch_status", "tenant_id", "org_unit_id", "status"),
)

need_transitions = Table(
    "need_transitions", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), ForeignKey("tenants.id"), nullable=False),
    Column("need_id", UUID(as_uuid=True), ForeignKey("needs.id"), nullable=False),
    Column("from_status", String(16)),
    Column("to_status", String(16), nullable=False),
    Column("by_person_id", UUID(as_uuid=True)),
    Column("note", Text),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_need_transitions_need", "tenant_id", "need_id"),
)

__all__ = [
    "PAIRING_TARGET_KINDS",
    "NEED_STATUSES",
    "OVERDUE_LEVELS",
    "pairing_settings",
    "pairings",
    "pairing_contacts",
    "pairing_overdue_claims",
    "needs",
    "need_transitions",
]
