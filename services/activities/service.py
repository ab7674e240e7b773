"""The activities service: the catalogue of kinds and the activity log."""
from __future__ import annotations

import re

from nameko.rpc import RpcProxy, rpc

from services.activities import handlers, models, schemas
from services.common.db import Database
from services.common.errors import InvalidInput
from services.common.logs import LogContext
from services.common.metrics import EntrypointMetrics
from services.common.outbox import OutboxRelay
from services.common.tenancy import CallerContext
from services.common.validation import parse_uuid, validate


class ActivitiesService:
    name = "activities"

    db = Database(models.metadata)
    relay = OutboxRelay(models.metadata)
    caller = CallerContext()
    members = RpcProxy("members")
    metrics = EntrypointMetrics()
    log_context = LogContext()

    @rpc
    def log_activity(self, payload: dict) -> dict:
        data = validate(schemas.ActivityCreate, payload)
        self.caller.require_self_or_officer(data.member_id)
        # The roster answers now (RPC): the member must exist in this tenant, and the month is
        # computed in the tenant's time zone.
        member = self.members.get_member(str(data.member_id))
        details = handlers.validate_activity(data, member["timezone"])
        with self.db.transaction() as uow:
            return handlers.log_activity(uow, self.caller.tenant_id, member, data, details, self.caller.caller_id)

    @rpc
    def get_activity(self, activity_id) -> dict:
        activity_id = parse_uuid(activity_id, "activity_id")
        with self.db.reader() as session:
            activity = handlers.get_activity(session, self.caller.tenant_id, activity_id)
        self.caller.require_self_or_officer(parse_uuid(activity["member_id"], "member_id"))
        return activity

    @rpc
    def list_member_activities(self, member_id, period: str | None = None) -> list[dict]:
        member_id = parse_uuid(member_id, "member_id")
        self.caller.require_self_or_officer(member_id)
        if period is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", str(period)):
            raise InvalidInput.field("period", "expected YYYY-MM")
        with self.db.reader() as session:
            return handlers.list_for_member(session, self.caller.tenant_id, member_id, period)
