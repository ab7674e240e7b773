"""The points service: accrues points from activity events into the append-only ledger."""
from __future__ import annotations

import base64
import logging
import re
from datetime import datetime, timezone

from nameko.timer import timer
from pydantic import BaseModel, ConfigDict, Field

from services.common.consuming import EventBatch, handles
from services.common.contracts.activities import (
    ActivityApproved, ActivityCorrected, ActivityKindAdded, ActivityDayScheduled, ActivityLogged, ActivityRejected,
)
from services.common.db import Database
from services.common.errors import Forbidden, InvalidInput, NotFound
from services.common.logs import LogContext
from services.common.metrics import EntrypointMetrics
from services.common.outbox import OutboxRelay
from services.common.retention import Retention
from services.common.roster import RosterFollower
from services.common.rpc import rpc
from services.common.tenancy import CallerContext
from services.common.validation import IsoDate, parse_date, parse_uuid, validate
from services.points import handlers, models, rules, schedule

log = logging.getLogger(__name__)
PERIOD = r"\d{4}-(0[1-9]|1[0-2])"
BOARD_DIMENSIONS = rules.DIMENSIONS + ("total",)


class RuleSetCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    org_unit_id: str | None = Field(default=None, max_length=36)
    effective_from: IsoDate
    layer: rules.Layer


class MonthCloseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    org_unit_id: str = Field(max_length=36)
    period: str = Field(pattern=f"^{PERIOD}$")


def _period(value, *, year_ok: bool = False) -> str:
    pattern = f"({PERIOD}|\\d{{4}})" if year_ok else PERIOD
    if value is None or not re.fullmatch(pattern, str(value)):
        raise InvalidInput.field("period", "expected YYYY-MM" + (" or YYYY" if year_ok else ""))
    return str(value)


def _year(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 2000 <= value <= 2100:
        raise InvalidInput.field("year", "expected a year between 2000 and 2100")
    return value


class PointsService(RosterFollower):
    name = "points"
    roster_handlers = handlers

    db = Database(models.metadata)
    retention = Retention(models.metadata)
    relay = OutboxRelay(models.metadata)
    caller = CallerContext()
    metrics = EntrypointMetrics()
    log_context = LogContext()

    def _require_officer(self) -> None:
        if not self.caller.is_officer:
            raise Forbidden("this action needs a branch officer role")

    @timer(interval=schedule.INTERVAL_SECONDS)
    def close_due_months(self) -> int:
        """Close last month for every branch once the grace days have run in its tenant's time zone;
        safe on every replica."""
        with self.db.reader() as session:
            due = handlers.due_closes(session, datetime.now(timezone.utc))
        closed = 0
        for tenant_id, org_unit_id, period in due:
            try:
                with self.db.transaction() as uow:
                    closed += not handlers.close_month(uow, tenant_id, org_unit_id, period)["already_closed"]
            except NotFound:
                log.debug("org unit %s has nobody to close for %s", org_unit_id, period)
            except Exception:
                log.exception("scheduled close of %s for org unit %s failed; next tick retries", period, org_unit_id)
        return closed

    @handles(ActivityLogged, batch=True)  # the hot path: one event per activity logged
    def on_activity_logged(self, batch: EventBatch) -> int:
        return self.db.process_together(batch, handlers.accrue_all)

    @handles(ActivityApproved)
    def on_activity_approved(self, event: ActivityApproved) -> bool:
        return self.db.process_once(event, handlers.on_approved)

    @handles(ActivityRejected)
    def on_activity_rejected(self, event: ActivityRejected) -> bool:
        return self.db.process_once(event, handlers.on_rejected)

    @handles(ActivityCorrected)
    def on_activity_corrected(self, event: ActivityCorrected) -> bool:
        return self.db.process_once(event, handlers.on_corrected)

    @handles(ActivityDayScheduled)
    def on_activity_day_scheduled(self, event: ActivityDayScheduled) -> bool:
        return self.db.process_once(event, handlers.remember_activity_day)

    @handles(ActivityKindAdded)
    def on_activity_kind_added(self, event: ActivityKindAdded) -> bool:
        return self.db.process_once(event, handlers.remember_kind)

    @rpc
    def balance(self, member_id, period: str | None = None) -> dict:
        member_id = parse_uuid(member_id, "member_id")
        self.caller.require_self_or_officer(member_id)
        if period is not None:
            _period(period)
        with self.db.reader() as session:
            return handlers.balance(session, self.caller.tenant_id, member_id, period)

    @rpc
    def statement(self, member_id, period: str | None = None) -> list[dict]:
        member_id = parse_uuid(member_id, "member_id")
        self.caller.require_self_or_officer(member_id)
        if period is not None:
            _period(period)
        with self.db.reader() as session:
            return handlers.statement(session, self.caller.tenant_id, member_id, period)

    @rpc
    def rule_set(self, org_unit_id=None, on=None) -> dict:
        unit = parse_uuid(org_unit_id, "org_unit_id") if org_unit_id else None
        day = parse_date(on, "on") if on else None
        with self.db.reader() as session:
            day = day or handlers.tenant_today(session, self.caller.tenant_id)
            return handlers.rule_set_dict(handlers.resolve(session, self.caller.tenant_id, unit, day), day)

    @rpc
    def save_rule_set(self, payload: dict) -> dict:
        self._require_officer()
        data = validate(RuleSetCreate, payload)
        unit = parse_uuid(data.org_unit_id, "org_unit_id") if data.org_unit_id else None
        if unit is None:
            self.caller.require_admin()  # the tenant's default applies to every branch
        else:
            self.caller.require_manages(unit)
        with self.db.transaction() as uow:
            return handlers.save_rule_set(uow, self.caller.tenant_id, unit, data.effective_from, data.layer,
                                          self.caller.caller_id)

    @rpc
    def close_month(self, payload: dict) -> dict:
        self._require_officer()
        data = validate(MonthCloseRequest, payload)
        unit = parse_uuid(data.org_unit_id, "org_unit_id")
        self.caller.require_manages(unit)
        with self.db.transaction() as uow:
            return handlers.close_month(uow, self.caller.tenant_id, unit, data.period)

    @rpc
    def leaderboard(self, period, dimension="total", org_unit_id=None, limit=20) -> dict:
        period = _period(period, year_ok=True)
        if dimension not in BOARD_DIMENSIONS:
            raise InvalidInput.field("dimension", f"one of {', '.join(BOARD_DIMENSIONS)}")
        if not isinstance(limit, int) or not 1 <= limit <= 500:
            raise InvalidInput.field("limit", "expected 1 to 500")
        unit = parse_uuid(org_unit_id, "org_unit_id") if org_unit_id else None
        with self.db.reader() as session:
            return handlers.leaderboard(session, self.caller.tenant_id, period, dimension, unit, limit)

    @rpc
    def unit_leaderboard(self, period, dimension="total") -> dict:
        period = _period(period, year_ok=True)
        if dimension not in BOARD_DIMENSIONS:
            raise InvalidInput.field("dimension", f"one of {', '.join(BOARD_DIMENSIONS)}")
        with self.db.reader() as session:
            return handlers.unit_leaderboard(session, self.caller.tenant_id, period, dimension)

    @rpc
    def assessment(self, org_unit_id, year) -> dict:
        self._require_officer()
        unit = parse_uuid(org_unit_id, "org_unit_id")
        with self.db.reader() as session:
            return handlers.assessment(session, self.caller.tenant_id, unit, _year(year))

    @rpc
    def monthly_report(self, org_unit_id, period, fmt: str = "json"):
        """A branch's month as JSON, or as XLSX bytes in base64 (`fmt="xlsx"`)."""
        self._require_officer()
        unit = parse_uuid(org_unit_id, "org_unit_id")
        period = _period(period)
        with self.db.reader() as session:
            report = handlers.monthly_report(session, self.caller.tenant_id, unit, period)
        if fmt != "xlsx":
            return report
        header, rows = handlers.monthly_report_rows(report)
        return base64.b64encode(handlers.report_xlsx(f"{period} 月度积分", header, rows)).decode()

    @rpc
    def assessment_xlsx(self, org_unit_id, year) -> str:
        report = self.assessment(org_unit_id, year)
        header, rows = handlers.assessment_rows(report)
        return base64.b64encode(handlers.report_xlsx(f"{report['year']} 年度评议", header, rows)).decode()
