"""The members service's tables (schema `members`)."""
from __future__ import annotations

from sqlalchemy import (
    ARRAY, Boolean, CheckConstraint, Column, Date, DateTime, ForeignKey, Index, Integer, MetaData, String, Table,
    UniqueConstraint, func, text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB, UUID

from services.common.db import handled_requests_table, outbox_table, processed_events_table

metadata = MetaData()

ORG_UNIT_KINDS = ("committee", "general_branch", "branch", "group")
POLITICAL_STATUSES = ("non_party", "applicant", "activist", "candidate", "probationary", "full")
CATEGORIES = ("staff", "student")
GENDERS = ("male", "female")
BRANCH_ROLES = ("secretary", "organising_officer", "publicity_officer", "discipline_officer", "group_leader")

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
    Column("gender", String(8)),
    Column("ethnicity", String(32)),
    Column("birth_date", Date),
    Column("department", String(100)),
    Column("job_title", String(100)),
    Column("wecom_user_id", String(64)),
    Column("dingtalk_user_id", String(64)),
    Column("joined_work_on", Date),
    Column("applied_on", Date),
    Column("full_member_on", Date),
    Column("introducers", ARRAY(String(100)), nullable=False, server_default="{}"),
    Column("status_since", Date),
    Column("left_reason", String(200)),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(f"gender IS NULL OR gender IN {GENDERS}", name="person_gender"),
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
    # The id names a token in lists and revocations without handing out its hash.
    Column("id", UUID(as_uuid=True), nullable=False, unique=True, server_default=func.gen_random_uuid()),
    Column("expires_at", DateTime(timezone=True), nullable=False,
           server_default=text("now() + interval '90 days'")),
)

# Every status change, dated; the current status on `people` is the latest row here.
status_history = Table(
    "status_history", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), ForeignKey("tenants.id"), nullable=False),
    Column("person_id", UUID(as_uuid=True), ForeignKey("people.id"), nullable=False),
    Column("from_status", String(16)),
    Column("to_status", String(16), nullable=False),
    Column("effective_on", Date, nullable=False),
    Column("note", String(500)),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_status_history_person", "tenant_id", "person_id"),
)

transfers = Table(
    "transfers", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), ForeignKey("tenants.id"), nullable=False),
    Column("person_id", UUID(as_uuid=True), ForeignKey("people.id"), nullable=False),
    Column("from_org_unit_id", UUID(as_uuid=True), ForeignKey("org_units.id"), nullable=False),
    Column("to_org_unit_id", UUID(as_uuid=True), ForeignKey("org_units.id"), nullable=False),
    Column("effective_on", Date, nullable=False),
    Column("note", String(500)),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_transfers_person", "tenant_id", "person_id"),
)

role_assignments = Table(
    "role_assignments", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), ForeignKey("tenants.id"), nullable=False),
    Column("person_id", UUID(as_uuid=True), ForeignKey("people.id"), nullable=False),
    Column("org_unit_id", UUID(as_uuid=True), ForeignKey("org_units.id"), nullable=False),
    Column("role", String(32), nullable=False),
    Column("started_on", Date, nullable=False),
    Column("ended_on", Date),
    CheckConstraint(f"role IN {BRANCH_ROLES}", name="role_assignment_role"),
    Index("ix_role_assignments_unit", "tenant_id", "org_unit_id"),
)

# Which Party member(s) follow an activist's learning (the activist_followup duty).
activist_followers = Table(
    "activist_followers", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), ForeignKey("tenants.id"), nullable=False),
    Column("activist_id", UUID(as_uuid=True), ForeignKey("people.id"), nullable=False),
    Column("follower_id", UUID(as_uuid=True), ForeignKey("people.id"), nullable=False),
    Column("assigned_on", Date, nullable=False),
    Column("ended_on", Date),
    Index("ix_activist_followers_activist", "tenant_id", "activist_id"),
    Index("ix_activist_followers_follower", "tenant_id", "follower_id"),
)

COMMITMENT_RESULTS = ("fulfilled", "partly", "not_fulfilled")

# A pioneer post (党员先锋岗) a member holds in an org unit for a period; open-ended while ended_on is null.
pioneer_posts = Table(
    "pioneer_posts", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), ForeignKey("tenants.id"), nullable=False),
    Column("person_id", UUID(as_uuid=True), ForeignKey("people.id"), nullable=False),
    Column("org_unit_id", UUID(as_uuid=True), ForeignKey("org_units.id"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("started_on", Date, nullable=False),
    Column("ended_on", Date),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="pioneer_post_period"),
    Index("ix_pioneer_posts_person", "tenant_id", "person_id"),
    Index("ix_pioneer_posts_unit", "tenant_id", "org_unit_id"),
)

# A member's yearly commitment (承诺) and its year-end review; the review columns stay null until then.
commitments = Table(
    "commitments", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), ForeignKey("tenants.id"), nullable=False),
    Column("person_id", UUID(as_uuid=True), ForeignKey("people.id"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("items", ARRAY(String(500)), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("reviewer_id", UUID(as_uuid=True), ForeignKey("people.id")),
    Column("result", String(16)),
    Column("comment", String(1000)),
    Column("reviewed_on", Date),
    CheckConstraint(f"result IS NULL OR result IN {COMMITMENT_RESULTS}", name="commitment_result"),
    CheckConstraint("(result IS NULL) = (reviewed_on IS NULL)", name="commitment_review_complete"),
    # One commitment per member and year, even under concurrent requests.
    UniqueConstraint("tenant_id", "person_id", "year", name="uq_commitments_person_year"),
)

outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)
handled_requests = handled_requests_table(metadata)

# -- pairings (手拉手、一帮一) and needs (诉求) ------------------------------------------------
# Imported here, not at the top, so this block stays self-contained beside the roster's tables.
from sqlalchemy import Integer, Text, text  # noqa: E402

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

# -- sign-in (services.members.accounts) -----------------------------------------------------

# One account per person: the login name is one the college already uses (a staff or student
# number, or a phone), unique within the tenant. Roles are not stored here: they are read from
# the person's current appointments whenever a credential is issued.
accounts = Table(
    "accounts", metadata,
    Column("person_id", UUID(as_uuid=True), ForeignKey("people.id"), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), ForeignKey("tenants.id"), nullable=False),
    Column("login_name", String(64), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("password_changed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("tenant_id", "login_name", name="uq_accounts_tenant_login_name"),
)

# A single-use code that lets one person set their password (an invitation or a reset). Only a
# hash is stored, like the tokens'.
invitations = Table(
    "invitations", metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), ForeignKey("tenants.id"), nullable=False),
    Column("person_id", UUID(as_uuid=True), ForeignKey("people.id"), nullable=False),
    Column("login_name", String(64), nullable=False),
    Column("purpose", String(16), nullable=False),
    Column("created_by", UUID(as_uuid=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
    CheckConstraint("purpose IN ('invitation', 'reset')", name="invitations_purpose"),
    Index("ix_invitations_person", "tenant_id", "person_id"),
)

# Failed sign-ins, for throttling by login name (known or not) and by client address.
sign_in_failures = Table(
    "sign_in_failures", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant_id", UUID(as_uuid=True)),
    Column("login_name", String(64), nullable=False),
    Column("client_address", String(64), nullable=False),
    Column("failed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_sign_in_failures_login", "tenant_id", "login_name", "failed_at"),
    Index("ix_sign_in_failures_address", "client_address", "failed_at"),
)

# Browser sessions: the cookie holds a secret whose hash is stored here; the gateway renews its
# short-lived credential against this row.
sessions = Table(
    "sessions", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tenant_id", UUID(as_uuid=True), ForeignKey("tenants.id"), nullable=False),
    Column("person_id", UUID(as_uuid=True), ForeignKey("people.id"), nullable=False),
    Column("secret_hash", String(64), nullable=False, unique=True),
    Column("method", String(16), nullable=False),
    Column("client_address", String(64)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Index("ix_sessions_person", "tenant_id", "person_id"),
)

# Sign-in with WeCom or DingTalk: the college's own app on the provider (a corp id or app key,
# its secret, and for WeCom the app's agent id). The secret is needed in clear to call the
# provider; only tenant admins set it and no answer returns it.
sign_in_providers = Table(
    "sign_in_providers", metadata,
    Column("tenant_id", UUID(as_uuid=True), ForeignKey("tenants.id"), primary_key=True),
    Column("provider", String(16), primary_key=True),
    Column("client_id", String(128), nullable=False),
    Column("client_secret", String(256), nullable=False),
    Column("agent_id", String(64)),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("provider IN ('wecom', 'dingtalk')", name="sign_in_providers_provider"),
)
