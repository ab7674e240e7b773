"""Tenant and caller context, carried in nameko's context data.

The gateway authenticates a request and binds the tenant, the caller and their roles into the
worker's context data; nameko then forwards `nameko.*` headers with every RPC call and every
event the worker causes, so each downstream worker sees who is acting and for which college.
Every query is scoped by `ctx.tenant_id`; a service never trusts a tenant named in a payload
over the one in its context when answering a caller.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from nameko.extensions import DependencyProvider

from services.common.errors import Forbidden, Unauthenticated

TENANT_KEY = "tenant_id"
CALLER_KEY = "caller_id"
ROLES_KEY = "roles"
CORRELATION_KEY = "correlation_id"
# The org units an officer may change (their appointments and every unit below), computed by
# members when the gateway resolves the token, so activities, points and notify scope an
# officer's changes to their own branch without reading members' tables.
MANAGED_UNITS_KEY = "managed_units"
# One key per HTTP write request, made by the gateway: a fresh id, or derived from the tenant,
# the caller and the client's Idempotency-Key header. A write RPC records it with its effect and
# answer (services.common.idempotency), so a copy, whether RabbitMQ redelivered the message or
# the client sent the request again, is answered from the record instead of carried out twice.
REQUEST_KEY = "request_id"
# A hash of the write's method, path and canonical body: the same key with another request is
# refused (409) rather than answered with the first request's answer.
REQUEST_FINGERPRINT_KEY = "request_fingerprint"
IDEMPOTENCY_HEADER = "Idempotency-Key"
# What the audit record of a write says about the request, bound by the gateway
# (services.common.audit): the route template ("POST /v1/members/<member_id>/transfer"), the ids
# the request named ("field=id" each), and the credential used (a token's hash prefix, never the
# token).
ROUTE_KEY = "route"
TARGETS_KEY = "targets"
CREDENTIAL_KEY = "credential"

PLATFORM_ADMIN = "platform_admin"
TENANT_ADMIN = "tenant_admin"
# Branch roles from the glossary; any of them may manage their own branch's roster and logs.
BRANCH_OFFICERS = ("secretary", "organising_officer", "publicity_officer", "discipline_officer", "group_leader")
MEMBER = "member"


@dataclass
class Caller:
    """Who is acting, read from (and, at the gateway, written to) the worker's context data."""

    data: dict

    @property
    def tenant_id(self) -> uuid.UUID:
        raw = self.data.get(TENANT_KEY)
        if not raw:
            raise Unauthenticated("no tenant in context: the call did not pass through the gateway")
        return uuid.UUID(str(raw))

    @property
    def caller_id(self) -> uuid.UUID | None:
        raw = self.data.get(CALLER_KEY)
        return uuid.UUID(str(raw)) if raw else None

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(self.data.get(ROLES_KEY) or ())

    @property
    def correlation_id(self) -> str | None:
        return self.data.get(CORRELATION_KEY)

    def has_any(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    @property
    def is_admin(self) -> bool:
        return self.has_any(TENANT_ADMIN, PLATFORM_ADMIN)

    @property
    def is_officer(self) -> bool:
        return self.is_admin or self.has_any(*BRANCH_OFFICERS)

    def require_officer(self) -> None:
        """Branch officers and admins only (where an entrypoint names no unit to check, or before
        `require_manages` checks the unit)."""
        if not self.is_officer:
            raise Forbidden("this action needs a branch officer or tenant_admin role")

    def require_admin(self) -> None:
        if not self.is_admin:
            raise Forbidden("this action needs the tenant_admin role")

    @property
    def managed_units(self) -> frozenset[uuid.UUID] | None:
        """The org units this caller may change: None (the whole tenant) for an admin; for anyone
        else the units the gateway bound, empty when it bound none."""
        if self.is_admin:
            return None
        return frozenset(uuid.UUID(str(unit)) for unit in self.data.get(MANAGED_UNITS_KEY) or ())

    def manages(self, org_unit_id) -> bool:
        """An officer changes only their own branch and its groups; an admin anything of the tenant.
        The same rule the members service applies to the roster, from its own tables."""
        units = self.managed_units
        return self.is_officer and (units is None or uuid.UUID(str(org_unit_id)) in units)

    def require_manages(self, org_unit_id) -> None:
        self.require_officer()
        if not self.manages(org_unit_id):
            raise Forbidden("officers change only their own branch and its groups")

    def require_self_or_manages(self, member_id: uuid.UUID, org_unit_id) -> None:
        """A member acts on their own records; on anyone else's, as `require_manages` for their unit."""
        if self.caller_id is not None and self.caller_id == member_id:
            return
        self.require_manages(org_unit_id)

    def require_self_or_officer(self, member_id: uuid.UUID) -> None:
        """Members reach their own records; officers and admins reach their tenant's."""
        if self.is_officer or self.caller_id == member_id:
            return
        raise Forbidden("members may only act on their own records")

    def bind(self, *, tenant_id=None, caller_id=None, roles=(), correlation_id=None, managed_units=()) -> None:
        # nameko drops (with a warning) context values that are None, so absent keys stay absent.
        values = {TENANT_KEY: tenant_id, CALLER_KEY: caller_id, CORRELATION_KEY: correlation_id}
        for key, value in values.items():
            if value:
                self.data[key] = str(value)
            else:
                self.data.pop(key, None)
        self.data[ROLES_KEY] = sorted(roles)
        if managed_units:
            self.data[MANAGED_UNITS_KEY] = sorted(str(unit) for unit in managed_units)
        else:
            self.data.pop(MANAGED_UNITS_KEY, None)


class CallerContext(DependencyProvider):
    """Injects a `Caller` view over the worker's context data."""

    def get_dependency(self, worker_ctx):
        return Caller(worker_ctx.data)
