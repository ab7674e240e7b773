"""The dues service (党费): bases, rate tables, assessments, payments and arrears.

Entrypoints only: each checks who is calling and hands validated input to the use cases in the
modules named by noun, inside one transaction with the events it causes (the outbox).
"""
from __future__ import annotations

import base64
import binascii
import logging
from datetime import datetime, timezone

from nameko.timer import timer

from services.common.contracts.api import dues as dues_api
from services.common.contracts.period import Period, month_or_year
from services.common.db import Database
from services.common.errors import InvalidInput
from services.common.outbox import OutboxRelay
from services.common.references import ResolvesReferences
from services.common.retention import Retention
from services.common.roster import RosterFollower
from services.common.rpc import rpc
from services.common.service import ServiceBase
from services.common.validation import parse_date, parse_uuid, validate
from services.dues import (
    arrears, assessments, bases, models, payments, rate_tables, read_model, reports, schedule,
)

log = logging.getLogger(__name__)


def _content(encoded: str) -> bytes:
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput.field("content_base64", "not valid base64") from None


class DuesService(ResolvesReferences, RosterFollower, ServiceBase):
    name = "dues"
    # The things a request may name by id (services.common.references).
    owned_things = {"payment_id": models.payments}
    roster_handlers = read_model.HANDLERS

    db = Database(models.metadata)
    retention = Retention(models.metadata)
    relay = OutboxRelay(models.metadata)

    def _manages_member(self, session, member_id) -> None:
        """404 for a member not of this tenant, then 403 unless the caller manages their unit."""
        self.caller.require_manages(read_model.member(session, self.caller.tenant_id, member_id).org_unit_id)

    # --- scheduled -------------------------------------------------------------------------------

    @timer(interval=schedule.INTERVAL_SECONDS)
    def run_schedule(self) -> dict:
        """Assess each branch's current month and check the month just ended, each once per
        (tenant, branch, month) whichever replica comes first; a failure is retried next tick."""
        now = datetime.now(timezone.utc)
        done = {"assessed": 0, "checked": 0}
        with self.db.reader() as session:
            to_assess = assessments.due_runs(session, now, models.assessment_runs)
            to_check = assessments.due_runs(session, now, models.arrears_checks)
        for tenant_id, branch_id, period in to_assess:
            try:
                with self.db.transaction() as uow:
                    if assessments.claim_scheduled(uow.session, tenant_id, branch_id, period):
                        assessments.assess(uow, tenant_id, branch_id, period)
                        done["assessed"] += 1
            except Exception:
                log.exception("scheduled assessment of %s for branch %s failed; next tick retries", period, branch_id)
        for tenant_id, branch_id, period in to_check:
            try:
                with self.db.transaction() as uow:
                    done["checked"] += not arrears.check(uow, tenant_id, branch_id, period)["already_checked"]
            except Exception:
                log.exception("scheduled arrears check of %s for branch %s failed; next tick retries", period, branch_id)
        return done

    # --- rate tables -------------------------------------------------------------------------------

    @rpc
    def rate_table(self, on=None) -> dict:
        day = parse_date(on, "on") if on else None
        with self.db.reader() as session:
            day = day or read_model.tenant_today(session, self.caller.tenant_id)
            return rate_tables.as_dict(rate_tables.resolve(session, self.caller.tenant_id, day), day)

    @rpc
    def save_rate_table(self, payload) -> dict:
        self.caller.require_admin()  # the rates apply to every branch of the tenant
        data = validate(dues_api.RateTableCreate, payload)
        with self.db.transaction() as uow:
            return rate_tables.save(
                uow, self.caller.tenant_id, data.effective_from, data.table, self.caller.caller_id)

    # --- bases and reliefs ---------------------------------------------------------------------------

    def _write_for_member(self, member_id, payload, schema, use_case) -> dict:
        """A write about one member by an officer who manages their unit, carried out once."""
        self.caller.require_officer()  # before the payload: a member learns nothing of its shape
        member_id = parse_uuid(member_id, "member_id")
        data = validate(schema, payload)

        def apply(uow):
            self._manages_member(uow.session, member_id)
            return use_case(uow, self.caller.tenant_id, member_id, data, self.caller.caller_id)
        with self.db.transaction() as uow:
            return apply(uow)

    @rpc
    def record_base(self, member_id, payload) -> dict:
        return self._write_for_member(member_id, payload, dues_api.BaseCreate, bases.record)

    @rpc
    def bases(self, member_id) -> list[dict]:
        member_id = parse_uuid(member_id, "member_id")
        self.caller.require_self_or_officer(member_id)
        with self.db.reader() as session:
            read_model.member(session, self.caller.tenant_id, member_id)
            return bases.history(session, self.caller.tenant_id, member_id)

    def _import_file(self, payload, schema, carry_out, kind_field: str) -> dict:
        """A branch's file (base64) read and carried out in one transaction; `kind_field` names the
        payload's field that says how to read it (a payroll's format, a statement's source)."""
        self.caller.require_officer()
        data = validate(schema, payload)
        self.caller.require_manages(data.org_unit_id)
        content = _content(data.content_base64)
        with self.db.transaction() as uow:
            return carry_out(uow, self.caller.tenant_id, data.org_unit_id, content, getattr(data, kind_field),
                             data.mode, self.caller.caller_id)

    @rpc
    def import_bases(self, payload) -> dict:
        return self._import_file(payload, dues_api.PayrollImport, bases.import_payroll, "format")

    @rpc
    def record_relief(self, member_id, payload) -> dict:
        return self._write_for_member(member_id, payload, dues_api.ReliefCreate, bases.record_relief)

    # --- assessments ---------------------------------------------------------------------------------

    @rpc
    def assess(self, payload) -> dict:
        self.caller.require_officer()
        data = validate(dues_api.AssessRequest, payload)
        self.caller.require_manages(data.org_unit_id)
        with self.db.transaction() as uow:
            return assessments.assess(
                uow, self.caller.tenant_id, data.org_unit_id, data.period)

    # --- payments ------------------------------------------------------------------------------------

    @rpc
    def record_payment(self, payload) -> dict:
        self.caller.require_officer()
        data = validate(dues_api.PaymentCreate, payload)

        def apply(uow):
            self._manages_member(uow.session, data.member_id)
            return payments.record(uow, self.caller.tenant_id, data, self.caller.caller_id)
        with self.db.transaction() as uow:
            return apply(uow)

    @rpc
    def correct_payment(self, payment_id, payload) -> dict:
        self.caller.require_officer()
        payment_id = parse_uuid(payment_id, "payment_id")
        data = validate(dues_api.PaymentCorrection, payload)

        def apply(uow):
            tenant_id = self.caller.tenant_id
            original = payments.find(uow.session, tenant_id, payment_id)
            self.caller.require_manages(original.org_unit_id)
            return payments.correct(uow, tenant_id, original, data.amount_fen, data.reason,
                                    read_model.tenant_today(uow.session, tenant_id), self.caller.caller_id)
        with self.db.transaction() as uow:
            return apply(uow)

    @rpc
    def import_statement(self, payload) -> dict:
        return self._import_file(payload, dues_api.StatementImport, payments.import_statement, "source")

    @rpc
    def member_dues(self, member_id, year) -> dict:
        member_id = parse_uuid(member_id, "member_id")
        self.caller.require_self_or_officer(member_id)
        with self.db.reader() as session:
            return reports.member_statement(session, self.caller.tenant_id, member_id, bases.parse_year(year))

    # --- arrears -------------------------------------------------------------------------------------

    @rpc
    def arrears(self, org_unit_id, period) -> dict:
        self.caller.require_officer()
        unit = parse_uuid(org_unit_id, "org_unit_id")
        period = Period.argument(period)
        with self.db.reader() as session:
            return {"org_unit_id": str(unit), "period": period,
                    "members": arrears.standing(session, self.caller.tenant_id, unit, period),
                    "branch_review_flags": arrears.flags(session, self.caller.tenant_id, unit)}

    @rpc
    def check_arrears(self, payload) -> dict:
        self.caller.require_officer()
        data = validate(dues_api.ArrearsCheck, payload)
        self.caller.require_manages(data.org_unit_id)
        with self.db.transaction() as uow:
            return arrears.check(
                uow, self.caller.tenant_id, data.org_unit_id, data.period)

    # --- reports -------------------------------------------------------------------------------------

    @rpc
    def branch_report(self, org_unit_id, period, fmt: str = "json"):
        """A branch's month or year as JSON, or as XLSX bytes in base64 (`fmt="xlsx"`)."""
        self.caller.require_officer()
        unit = parse_uuid(org_unit_id, "org_unit_id")
        with self.db.reader() as session:
            report = reports.branch_report(session, self.caller.tenant_id, unit, month_or_year(period))
        return base64.b64encode(reports.branch_xlsx(report)).decode() if fmt == "xlsx" else report

    @rpc
    def tenant_report(self, period, fmt: str = "json"):
        self.caller.require_officer()
        with self.db.reader() as session:
            report = reports.tenant_report(session, self.caller.tenant_id, month_or_year(period))
        return base64.b64encode(reports.tenant_xlsx(report)).decode() if fmt == "xlsx" else report
