"""The points service: accrues points from activity events into the append-only ledger.

Entrypoints only: each checks the caller and the input (`schemas`) and hands on to the module of
its concern: `accrual`, `month_close`, `rule_sets`, `views`, `reports`, `read_model`.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from nameko.timer import timer

from services.common.contracts.api import points as points_api
from services.common.consuming import EventBatch, handles
from services.common.contracts import Period
from services.common.contracts.activities import (
    ActivityApproved, ActivityCorrected, ActivityKindAdded, ActivityDayScheduled, ActivityLogged, ActivityRejected,
)
from services.common.db import Database
from services.common.errors import NotFound
from services.common.outbox import OutboxRelay
from services.common.retention import Retention
from services.common.roster import RosterFollower
from services.common.rpc import rpc
from services.common.service import ServiceBase
from services.common.validation import parse_uuid, validate
from services.points import (
    accrual, models, month_close, read_model, reports, rule_sets, schedule, schemas, views,
)

log = logging.getLogger(__name__)


class PointsService(RosterFollower, ServiceBase):
    name = "points"
    roster_handlers = read_model.HANDLERS

    db = Database(models.metadata)
    retention = Retention(models.metadata)
    relay = OutboxRelay(models.metadata)

    @timer(interval=schedule.INTERVAL_SECONDS)
    def close_due_months(self) -> int:
        """Close last month for every branch once the grace days have run in its tenant's time zone;
        safe on every replica."""
        with self.db.reader() as session:
            due = month_close.due_closes(session, datetime.now(timezone.utc))
        closed = 0
        for tenant_id, org_unit_id, period in due:
            try:
                with self.db.transaction() as uow:
                    closed += not month_close.close_month(uow, tenant_id, org_unit_id, period)["already_closed"]
            except NotFound:
                log.debug("org unit %s has nobody to close for %s", org_unit_id, period)
            except Exception:
                log.exception("scheduled close of %s for org unit %s failed; next tick retries", period, org_unit_id)
        return closed

    @handles(ActivityLogged, batch=True)  # the hot path: one event per activity logged
    def on_activity_logged(self, batch: EventBatch) -> int:
        return self.db.process_together(batch, accrual.accrue_all)

    @handles(ActivityApproved)
    def on_activity_approved(self, event: ActivityApproved) -> bool:
        return self.db.process_once(event, accrual.on_approved)

    @handles(ActivityRejected)
    def on_activity_rejected(self, event: ActivityRejected) -> bool:
        return self.db.process_once(event, accrual.on_rejected)

    @handles(ActivityCorrected)
    def on_activity_corrected(self, event: ActivityCorrected) -> bool:
        return self.db.process_once(event, accrual.on_corrected)

    @handles(ActivityDayScheduled)
    def on_activity_day_scheduled(self, event: ActivityDayScheduled) -> bool:
        return self.db.process_once(event, month_close.remember_activity_day)

    @handles(ActivityKindAdded)
    def on_activity_kind_added(self, event: ActivityKindAdded) -> bool:
        return self.db.process_once(event, rule_sets.remember_kind)

    def _member_and_month(self, member_id, period: str | None) -> tuple:
        """A member reads their own points, an officer anyone's; `period`, when given, a month."""
        member_id = parse_uuid(member_id, "member_id")
        self.caller.require_self_or_officer(member_id)
        return member_id, (Period.argument(period) if period is not None else None)

    @rpc
    def balance(self, member_id, period: str | None = None) -> dict:
        member_id, period = self._member_and_month(member_id, period)
        with self.db.reader() as session:
            return views.balance(session, self.caller.tenant_id, member_id, period)

    @rpc
    def statement(self, member_id, period: str | None = None) -> list[dict]:
        member_id, period = self._member_and_month(member_id, period)
        with self.db.reader() as session:
            return views.statement(session, self.caller.tenant_id, member_id, period)

    @rpc
    def rule_set(self, org_unit_id=None, on=None) -> dict:
        unit = parse_uuid(org_unit_id, "org_unit_id") if org_unit_id else None
        day = schemas.day(on, "on")
        with self.db.reader() as session:
            day = day or read_model.tenant_today(session, self.caller.tenant_id)
            return rule_sets.rule_set_dict(rule_sets.resolve(session, self.caller.tenant_id, unit, day), day)

    @rpc
    def save_rule_set(self, payload: dict) -> dict:
        self.caller.require_officer()
        data = validate(points_api.RuleSetCreate, payload)
        unit = parse_uuid(data.org_unit_id, "org_unit_id") if data.org_unit_id else None
        if unit is None:
            self.caller.require_admin()  # the tenant's default applies to every branch
        else:
            self.caller.require_manages(unit)
        with self.db.transaction() as uow:
            return rule_sets.save_rule_set(uow, self.caller.tenant_id, unit, data.effective_from, data.layer,
                                           self.caller.caller_id)

    @rpc
    def close_month(self, payload: dict) -> dict:
        self.caller.require_officer()
        data = validate(points_api.MonthCloseRequest, payload)
        unit = parse_uuid(data.org_unit_id, "org_unit_id")
        self.caller.require_manages(unit)
        with self.db.transaction() as uow:
            return month_close.close_month(uow, self.caller.tenant_id, unit, data.period)

    @rpc
    def leaderboard(self, period, dimension="total", org_unit_id=None, limit=20) -> dict:
        period, dimension = schemas.board(period, dimension)
        limit = schemas.board_limit(limit)
        unit = parse_uuid(org_unit_id, "org_unit_id") if org_unit_id else None
        with self.db.reader() as session:
            return views.leaderboard(session, self.caller.tenant_id, period, dimension, unit, limit)

    @rpc
    def unit_leaderboard(self, period, dimension="total") -> dict:
        period, dimension = schemas.board(period, dimension)
        with self.db.reader() as session:
            return views.unit_leaderboard(session, self.caller.tenant_id, period, dimension)

    @rpc
    def assessment(self, org_unit_id, year) -> dict:
        self.caller.require_officer()
        unit = parse_uuid(org_unit_id, "org_unit_id")
        with self.db.reader() as session:
            return reports.assessment(session, self.caller.tenant_id, unit, schemas.year(year))

    @rpc
    def monthly_report(self, org_unit_id, period, fmt: str = "json"):
        """A branch's month as JSON, or as XLSX bytes in base64 (`fmt="xlsx"`)."""
        self.caller.require_officer()
        unit = parse_uuid(org_unit_id, "org_unit_id")
        period = Period.argument(period)
        with self.db.reader() as session:
            report = reports.monthly_report(session, self.caller.tenant_id, unit, period)
        return reports.monthly_report_xlsx(report) if fmt == "xlsx" else report

    @rpc
    def assessment_xlsx(self, org_unit_id, year) -> str:
        return reports.assessment_xlsx(self.assessment(org_unit_id, year))
