"""The notify service: turns events into notices. The in-app inbox is the channel always on."""
from __future__ import annotations

from nameko.rpc import rpc

from services.common.consuming import handles
from services.common.contracts.points import PointsAwarded
from services.common.db import Database
from services.common.errors import InvalidInput
from services.common.logs import LogContext
from services.common.metrics import EntrypointMetrics
from services.common.tenancy import CallerContext
from services.common.validation import parse_uuid
from services.notify import handlers, models


class NotifyService:
    name = "notify"

    db = Database(models.metadata)
    caller = CallerContext()
    metrics = EntrypointMetrics()
    log_context = LogContext()

    @handles(PointsAwarded)
    def on_points_awarded(self, event: PointsAwarded) -> bool:
        return self.db.process_once(event, handlers.notice_for_points)

    @rpc
    def inbox(self, person_id, limit: int = 50, offset: int = 0) -> dict:
        person_id = parse_uuid(person_id, "person_id")
        self.caller.require_self_or_officer(person_id)
        if not isinstance(limit, int) or not 1 <= limit <= 200:
            raise InvalidInput.field("limit", "must be a whole number from 1 to 200")
        if not isinstance(offset, int) or offset < 0:
            raise InvalidInput.field("offset", "must be a whole number, 0 or more")
        with self.db.reader() as session:
            return handlers.inbox(session, self.caller.tenant_id, person_id, limit, offset)
