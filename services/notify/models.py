"""The notify service's tables (schema `notify`)."""
from __future__ import annotations

from sqlalchemy import (
    BigInteger, Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, MetaData, String, Table, Text,
    UniqueConstraint, func, text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from services.common.tables import handled_requests_table, outbox_table, processed_events_table
from services.common import roster as common_roster

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

# Who can be reached and how: learnt from member_joined, edited by the person themselves.
recipients = Table(
    "recipients", metadata,
    Column("tenant_id", UUID(as_uuid=True), primary_key=True),
    Column("person_id", UUID(as_uuid=True), primary_key=True),
    Column("org_unit_id", UUID(as_uuid=True)),
    Column("name", String(100)),
    Column("email", String(254)),
    # Roster facts the reminders need: who owes the four duties, and who has left.
    Column("political_status", String(16)),
    Column("left_on", Date),
    Column("language", String(8), nullable=False, server_default=text("'zh'")),
    # {notice key: [channel, ...]} beyond the inbox, which is always on; a notice not named
    # here goes to email when an address is known.
    Column("preferences", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

robots = Table(
    "robots", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("org_unit_id", UUID(as_uuid=True), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("webhook_url", String(500), nullable=False),
    Column("secret", String(200)),
    Column("enabled", Boolean, nullable=False, server_default=text("true")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("tenant_id", "org_unit_id", "kind", name="uq_robots_branch_kind"),
)

# One row per notice and channel. (tenant, cause, channel) is unique, so a cause replayed by a
# redelivered event or a second replica never sends the same notice twice.
deliveries = Table(
    "deliveries", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("cause", String(200), nullable=False),
    Column("notice", String(64), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("person_id", UUID(as_uuid=True)),
    Column("org_unit_id", UUID(as_uuid=True)),
    Column("robot_id", UUID(as_uuid=True), ForeignKey("robots.id", ondelete="SET NULL")),
    Column("address", String(500)),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False, server_default=text("'pending'")),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finished_at", DateTime(timezone=True)),
    UniqueConstraint("tenant_id", "cause", "channel", name="uq_deliveries_tenant_cause_channel"),
    Index("ix_deliveries_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
    Index("ix_deliveries_tenant_created", "tenant_id", "created_at"),
)

# Every request made to a robot's webhook, kept for one rate-limit window: the sliding count
# that keeps us under the robots' 20 messages a minute across every replica.
robot_sends = Table(
    "robot_sends", metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("robot_id", UUID(as_uuid=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=False),
    Index("ix_robot_sends_robot_sent", "robot_id", "sent_at"),
)

# Each branch's activity day per month, from activity_day_scheduled (a move keeps the id).
activity_days = Table(
    "activity_days", metadata,
    Column("tenant_id", UUID(as_uuid=True), primary_key=True),
    Column("day_id", UUID(as_uuid=True), primary_key=True),
    Column("org_unit_id", UUID(as_uuid=True), nullable=False),
    Column("held_on", Date, nullable=False),
    Index("ix_activity_days_held_on", "held_on"),
)

# One row per logged four-duties activity, so the month-end reminder knows what is missing.
duty_marks = Table(
    "duty_marks", metadata,
    Column("tenant_id", UUID(as_uuid=True), primary_key=True),
    Column("activity_id", UUID(as_uuid=True), primary_key=True),
    Column("person_id", UUID(as_uuid=True), nullable=False),
    Column("period", String(7), nullable=False),
    Column("kind", String(64), nullable=False),
    Index("ix_duty_marks_person_period", "tenant_id", "person_id", "period"),
)

# Notices with receipts (通知公告 / 签收): sent to a unit and everything below it, acknowledged by
# each recipient; the sender sees who has and who has not, and reminds the rest.
notices = Table(
    "notices", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("org_unit_id", UUID(as_uuid=True), nullable=False),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("sent_by", UUID(as_uuid=True)),
    Column("reminders", Integer, nullable=False, server_default=text("0")),
    Column("sent_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_notices_tenant_unit", "tenant_id", "org_unit_id", "sent_at"),
)

notice_receipts = Table(
    "notice_receipts", metadata,
    Column("notice_id", UUID(as_uuid=True), ForeignKey("notices.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), nullable=False),
    Column("org_unit_id", UUID(as_uuid=True)),
    Column("acknowledged_at", DateTime(timezone=True)),
    Column("last_reminded_at", DateTime(timezone=True)),
    Index("ix_notice_receipts_tenant_person", "tenant_id", "person_id"),
)

# The org tree (from org_unit_changed), so a notice reaches a unit and everything below it, and
# the branches' officers (from role_assigned), so a branch's month statement reaches its
# secretary's inbox and not only its group chats.
org_units = common_roster.org_units_table(metadata)

branch_officers = Table(
    "branch_officers", metadata,
    Column("tenant_id", UUID(as_uuid=True), primary_key=True),
    Column("org_unit_id", UUID(as_uuid=True), primary_key=True),
    Column("person_id", UUID(as_uuid=True), primary_key=True),
    Column("role", String(32), primary_key=True),
    Column("started_on", Date, nullable=False),
)

outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)
handled_requests = handled_requests_table(metadata)
