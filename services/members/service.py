"""The members service: tenants, the organisation tree, people and API tokens."""
from __future__ import annotations

from nameko.rpc import rpc

from services.common.db import Database
from services.common.logs import LogContext
from services.common.metrics import EntrypointMetrics
from services.common.outbox import OutboxRelay
from services.common.tenancy import PLATFORM_ADMIN, CallerContext
from services.common.errors import Forbidden
from services.common.validation import parse_uuid, validate
from services.members import handlers, models, schemas


class MembersService:
    name = "members"

    db = Database(models.metadata)
    relay = OutboxRelay(models.metadata)
    caller = CallerContext()
    metrics = EntrypointMetrics()
    log_context = LogContext()

    @rpc
    def create_tenant(self, payload: dict) -> dict:
        if PLATFORM_ADMIN not in self.caller.roles:
            raise Forbidden("creating a tenant needs the platform_admin role")
        data = validate(schemas.TenantCreate, payload)
        with self.db.transaction() as uow:
            return handlers.create_tenant(uow, data)

    @rpc
    def authenticate(self, token: str) -> dict:
        """Map a bearer token to its tenant, person and roles (called by the gateway)."""
        with self.db.reader() as session:
            return handlers.authenticate(session, str(token))

    @rpc
    def create_org_unit(self, payload: dict) -> dict:
        self.caller.require_admin()
        data = validate(schemas.OrgUnitCreate, payload)
        with self.db.transaction() as uow:
            return handlers.create_org_unit(uow, self.caller.tenant_id, data)

    @rpc
    def create_member(self, payload: dict) -> dict:
        if not self.caller.is_officer:
            raise Forbidden("adding a person needs an officer or tenant_admin role")
        data = validate(schemas.MemberCreate, payload)
        with self.db.transaction() as uow:
            return handlers.create_member(uow, self.caller.tenant_id, data)

    @rpc
    def get_member(self, member_id) -> dict:
        member_id = parse_uuid(member_id, "member_id")
        with self.db.reader() as session:
            return handlers.get_member(session, self.caller.tenant_id, member_id)

    @rpc
    def issue_token(self, member_id, payload: dict) -> dict:
        self.caller.require_admin()
        member_id = parse_uuid(member_id, "member_id")
        data = validate(schemas.TokenCreate, payload or {})
        with self.db.transaction() as uow:
            return handlers.issue_member_token(uow, self.caller.tenant_id, member_id, data)
