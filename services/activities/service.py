"""The activities service: the catalogue of kinds, the activity log, approval and activity days."""
from __future__ import annotations

import re
from collections.abc import Iterator

from services.common.contracts.api import activities as activity_api
from services.activities import activity_days, activity_log, approval, four_duties, kinds, models, read_model
from services.activities.gauges import refresh_four_duties
from services.common.db import Database
from services.common.errors import Forbidden, InvalidInput
from services.common.gauges import BusinessGauges
from services.common.logs import LogContext
from services.common.metrics import EntrypointMetrics
from services.common.outbox import OutboxRelay
from services.common.retention import Retention
from services.common.roster import RosterFollower
from services.common.rpc import RpcClient, rpc
from services.common.tenancy import CallerContext
from services.common.validation import parse_uuid, validate


def _period(value) -> str:
    if value is None or not re.fullmatch(activity_api.PERIOD, str(value)):
        raise InvalidInput.field("period", "expected YYYY-MM")
    return str(value)


class ActivitiesService(RosterFollower):
    name = "activities"
    roster_handlers = read_model

    db = Database(models.metadata)
    retention = Retention(models.metadata)
    relay = OutboxRelay(models.metadata)
    caller = CallerContext()
    members = RpcClient("members")
    metrics = EntrypointMetrics()
    gauges = BusinessGauges(refresh_four_duties)
    log_context = LogContext()

    def _require_officer(self) -> None:
        if not self.caller.is_officer:
            raise Forbidden("this action needs a branch officer role")

    @rpc
    def catalogue(self) -> list[dict]:
        with self.db.reader() as session:
            return kinds.catalogue(session, self.caller.tenant_id)

    @rpc
    def add_kind(self, payload: dict) -> dict:
        self.caller.require_admin()
        data = validate(activity_api.KindCreate, payload)
        with self.db.transaction() as uow:
            return kinds.add_kind(uow, self.caller.tenant_id, data)

    def _members(self, member_ids: list) -> Iterator[dict]:
        """The members to log for, in order, shaped like members' get_member (the fields logging reads).

        Lazily, so a bulk list still stops at its first unknown member or invalid entry, as before.
        """
        # Our own roster read model spares an RPC per member; members it has not learnt yet (events
        # are consumed eventually) are asked of the members service, which also gives the 404s.
        with self.db.reader() as session:
            known = read_model.known_members(session, self.caller.tenant_id, list(member_ids))
        for member_id in member_ids:
            yield known.get(member_id) or self.members.get_member(str(member_id))

    def _validated(self, data, member: dict) -> dict:
        with self.db.reader() as session:
            kind = kinds.kind_of(session, self.caller.tenant_id, data.kind)
        return activity_log.validate_activity(data, member["timezone"], kind=kind)

    @rpc
    def log_activity(self, payload: dict) -> dict:
        data = validate(activity_api.ActivityCreate, payload)
        self.caller.require_self_or_officer(data.member_id)
        # The member must exist in this tenant, and "not in the future" is judged in its time zone.
        member = next(self._members([data.member_id]))
        self.caller.require_self_or_manages(data.member_id, member["org_unit_id"])
        data = data.dated_in(member["timezone"])
        details = self._validated(data, member)
        with self.db.transaction() as uow:
            return activity_log.log_activity(
                uow, self.caller.tenant_id, member, data, details, self.caller.caller_id,
                # Approved at once only when logged by an officer of the member's own unit: an officer
                # logging for themself in a unit they do not manage waits for approval like anyone.
                by_officer=self.caller.manages(member["org_unit_id"]))

    @rpc
    def log_bulk(self, payload: dict) -> list[dict]:
        """One occurrence for every member on an attendance list: all logged, or none."""
        self._require_officer()
        data = validate(activity_api.BulkActivityCreate, payload)
        with self.db.reader() as session:
            kind = kinds.kind_of(session, self.caller.tenant_id, data.kind)  # the same for everyone listed
        prepared = []
        for index, (member_id, member) in enumerate(zip(data.member_ids, self._members(data.member_ids))):
            self.caller.require_manages(member["org_unit_id"])
            one = data.for_member(member_id)
            try:
                details = activity_log.validate_activity(one, member["timezone"], kind=kind)
            except InvalidInput as exc:
                raise InvalidInput(f"member_ids.{index}: {exc.message}", exc.details) from None
            prepared.append((member, one, details))
        with self.db.transaction() as uow:
            return activity_log.log_activities(uow, self.caller.tenant_id, prepared, self.caller.caller_id)

    @rpc
    def get_activity(self, activity_id) -> dict:
        activity_id = parse_uuid(activity_id, "activity_id")
        with self.db.reader() as session:
            activity = activity_log.get_activity(session, self.caller.tenant_id, activity_id)
        self.caller.require_self_or_officer(parse_uuid(activity["member_id"], "member_id"))
        return activity

    @rpc
    def list_member_activities(self, member_id, period: str | None = None) -> list[dict]:
        member_id = parse_uuid(member_id, "member_id")
        self.caller.require_self_or_officer(member_id)
        if period is not None:
            _period(period)
        with self.db.reader() as session:
            return activity_log.list_for_member(session, self.caller.tenant_id, member_id, period)

    @rpc
    def list_pending(self, org_unit_id=None) -> list[dict]:
        self._require_officer()
        unit = parse_uuid(org_unit_id, "org_unit_id") if org_unit_id else None
        with self.db.reader() as session:
            return approval.list_pending(session, self.caller.tenant_id, unit)

    @rpc
    def approve(self, activity_id) -> dict:
        self._require_officer()
        activity_id = parse_uuid(activity_id, "activity_id")
        with self.db.transaction() as uow:
            return approval.approve(uow, self.caller.tenant_id, activity_id, self.caller)

    @rpc
    def reject(self, activity_id, payload: dict) -> dict:
        self._require_officer()
        activity_id = parse_uuid(activity_id, "activity_id")
        data = validate(activity_api.Rejection, payload)
        with self.db.transaction() as uow:
            return approval.reject(uow, self.caller.tenant_id, activity_id, self.caller, data.reason)

    @rpc
    def correct(self, activity_id, payload: dict) -> dict:
        self._require_officer()
        activity_id = parse_uuid(activity_id, "activity_id")
        data = validate(activity_api.Correction, payload)
        with self.db.transaction() as uow:
            return approval.correct(uow, self.caller.tenant_id, activity_id, self.caller, data)

    @rpc
    def schedule_activity_days(self, payload: dict) -> list[dict]:
        self._require_officer()
        data = validate(activity_api.ScheduleDays, payload)
        self.caller.require_manages(data.org_unit_id)
        with self.db.transaction() as uow:
            return activity_days.schedule_year(uow, self.caller.tenant_id, data)

    @rpc
    def list_activity_days(self, org_unit_id, year) -> list[dict]:
        unit = parse_uuid(org_unit_id, "org_unit_id")
        if not isinstance(year, int) or not 2000 <= year <= 2100:
            raise InvalidInput.field("year", "expected a year between 2000 and 2100")
        with self.db.reader() as session:
            return activity_days.list_days(session, self.caller.tenant_id, unit, year)

    @rpc
    def move_activity_day(self, day_id, payload: dict) -> dict:
        self._require_officer()
        day_id = parse_uuid(day_id, "day_id")
        data = validate(activity_api.MoveDay, payload)
        with self.db.transaction() as uow:
            return activity_days.move_day(uow, self.caller.tenant_id, day_id, data, self.caller)

    @rpc
    def record_attendance(self, day_id, payload: dict) -> dict:
        self._require_officer()
        day_id = parse_uuid(day_id, "day_id")
        data = validate(activity_api.Attendance, payload)
        member = next(self._members([data.member_id]))
        with self.db.transaction() as uow:
            return activity_days.record_attendance(uow, self.caller.tenant_id, day_id, member, data, self.caller)

    @rpc
    def member_four_duties(self, member_id, period) -> dict:
        member_id = parse_uuid(member_id, "member_id")
        self.caller.require_self_or_officer(member_id)
        period = _period(period)
        member = self.members.get_member(str(member_id))
        with self.db.reader() as session:
            return four_duties.member_four_duties(session, self.caller.tenant_id, member, period)

    @rpc
    def branch_four_duties(self, org_unit_id, period) -> dict:
        self._require_officer()
        unit = parse_uuid(org_unit_id, "org_unit_id")
        period = _period(period)
        with self.db.reader() as session:
            return four_duties.branch_four_duties(session, self.caller.tenant_id, unit, period)
