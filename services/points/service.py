"""The points service: accrues points from activity events into the append-only ledger."""
from __future__ import annotations

import re

from nameko.rpc import rpc

from services.common.consuming import handles
from services.common.contracts.activities import ActivityLogged
from services.common.db import Database
from services.common.errors import InvalidInput
from services.common.logs import LogContext
from services.common.metrics import EntrypointMetrics
from services.common.outbox import OutboxRelay
from services.common.tenancy import CallerContext
from services.common.validation import parse_uuid
from services.points import handlers, models


class PointsService:
    name = "points"

    db = Database(models.metadata)
    relay = OutboxRelay(models.metadata)
    caller = CallerContext()
    metrics = EntrypointMetrics()
    log_context = LogContext()

    @handles(ActivityLogged)
    def on_activity_logged(self, event: ActivityLogged) -> bool:
        return self.db.process_once(event, handlers.accrue_for_activity)

    @rpc
    def balance(self, member_id, period: str | None = None) -> dict:
        member_id = parse_uuid(member_id, "member_id")
        self.caller.require_self_or_officer(member_id)
        if period is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", str(period)):
            raise InvalidInput.field("period", "expected YYYY-MM")
        with self.db.reader() as session:
            return handlers.balance(session, self.caller.tenant_id, member_id, period)

    @rpc
    def statement(self, member_id) -> list[dict]:
        member_id = parse_uuid(member_id, "member_id")
        self.caller.require_self_or_officer(member_id)
        with self.db.reader() as session:
            return handlers.statement(session, self.caller.tenant_id, member_id)
