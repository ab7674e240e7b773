"""The members service's entrypoints for the development pipeline (mixed into MembersService).

The deadline scan runs on the pairing scan's timer (PAIRING_SCAN_INTERVAL_SECONDS): each run is
keyed by what it announces (person, step, due date, level), so running it on every replica, or
again after a restart, announces nothing twice.
"""
from __future__ import annotations

from services.common.roster import today_in
from services.common.rpc import rpc
from services.common.validation import parse_uuid, validate
from services.members import lookups, scans
from services.common.contracts.api import development as development_api
from services.members.development import pipeline, records, steps
from services.members.pairing.service import ScanTimer


class DevelopmentEndpoints:
    def _tenant_today(self, session):
        return today_in(lookups.tenant(session, self.caller.tenant_id).timezone)

    @rpc
    def development_steps(self) -> list:
        """The pipeline's steps as configured: who acts, what to attach, the timing."""
        return [{"code": s.code, "stage": s.stage, "name_zh": s.name_zh, "actor": s.actor,
                 "materials": list(s.materials), "milestone": s.milestone, "meeting": s.meeting,
                 "earliest": _offset(s.earliest), "deadline": _offset(s.deadline), "remind_days": s.remind_days}
                for s in steps.STEPS]

    @rpc
    def record_development_step(self, member_id, payload: dict) -> dict:
        return self._write_record(member_id, validate(development_api.StepRecord, payload), records.record_step)

    @rpc
    def backfill_development(self, member_id, payload: dict) -> dict:
        return self._write_record(member_id, validate(development_api.Backfill, payload), records.backfill)

    def _write_record(self, member_id, data, write) -> dict:
        member_id = parse_uuid(member_id, "member_id")
        self.caller.require_officer()
        with self.db.transaction() as uow:
            self._require_manages(uow, member_id=member_id)
            today = self._tenant_today(uow.session)
            write(uow, self.caller.tenant_id, member_id, data, self.caller.caller_id, today)
            return records.person_record(uow.session, self.caller.tenant_id, member_id, today)

    @rpc
    def development_record(self, member_id) -> dict:
        member_id = parse_uuid(member_id, "member_id")
        with self.db.reader() as session:
            found = records.person_record(session, self.caller.tenant_id, member_id, self._tenant_today(session))
        self.caller.require_self_or_officer(member_id)
        return found

    @rpc
    def followed_development(self, member_id) -> list:
        member_id = parse_uuid(member_id, "member_id")
        with self.db.reader() as session:
            found = pipeline.followed(session, self.caller.tenant_id, member_id, self._tenant_today(session))
        self.caller.require_self_or_officer(member_id)
        return found

    @rpc
    def branch_development(self, org_unit_id) -> dict:
        org_unit_id = parse_uuid(org_unit_id, "org_unit_id")
        self.caller.require_officer()
        with self.db.reader() as session:
            return pipeline.branch_view(session, self.caller.tenant_id, org_unit_id, self._tenant_today(session))

    # -- the deadline scan ------------------------------------------------------------------------

    @rpc
    def run_development_scan(self, payload: dict) -> dict:
        """Run the deadline scan as of `on` (each tenant's today when left out): a tenant admin for
        their own college, the platform admin for every college."""
        tenant_id = scans.scope(self.caller)
        data = validate(development_api.ScanRequest, payload or {})
        return self._development_scan(tenant_id, data.on)

    @ScanTimer.decorator(interval=3600)
    def scan_development(self) -> dict:
        return self._development_scan(None, None)

    def _development_scan(self, tenant_id, on) -> dict:
        return scans.run(self.db, tenant_id, on, {"development_step_due": pipeline.scan_tenant}, "development")


def _offset(offset: steps.Offset | None) -> dict | None:
    if offset is None:
        return None
    return {"after": offset.after, "months": offset.months, "days": offset.days}
