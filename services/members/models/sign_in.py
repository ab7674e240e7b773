"""Sign-in: accounts, invitations, sessions, failed attempts and the colleges' WeCom/DingTalk apps."""
from __future__ import annotations

from sqlalchemy import (
    CheckConstraint, Column, DateTime, ForeignKey, Index, Integer, String, Table,
    UniqueConstraint, func,
)
from sqlalchemy.dialects.postgresql import UUID

from services.members.models.base import metadata

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

__all__ = [
    "accounts",
    "invitations",
    "sign_in_failures",
    "sessions",
    "sign_in_providers",
]
