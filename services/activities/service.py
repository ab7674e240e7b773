"""The activities service: the catalogue of kinds, the activity log, approval and activity days."""
from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import datetime, timezone

from nameko.timer import timer

from services.common.contracts.api import activities as activity_api
from services.activities import (
    activity_day_schedule, activity_days, org_life_norms, activity_log, approval, check_in, four_duties, kinds, leave, meeting_rules, meetings, models,
    read_model,
)
from services.activities.gauges import refresh_four_duties
from services.common.db import Database
from services.common.errors import Forbidden, InvalidInput
from services.common.contracts import Period
from services.common.contracts.period import month_or_year
from services.common.gauges import BusinessGauges
from services.common.outbox import OutboxRelay
from services.common.references import ResolvesReferences
from services.common.retention import Retention
from services.common.roster import RosterFollower
from services.common.rpc import RpcClient, rpc
from services.common.service import ServiceBase
from services.common.validation import parse_uuid, validate


log = logging.getLogger(__name__)


class ActivitiesService(ResolvesReferences, RosterFollower, ServiceBase):
    name = "activities"
    # The things a request may name by id (services.common.references); an activity day is a meeting.
    owned_things = {"activity_id": models.activities, "day_id": models.meetings, "meeting_id": models.meetings}
    roster_handlers = activity_day_schedule.ROSTER_HANDLERS

    db = Database(models.metadata)
    retention = Retention(models.metadata)
    relay = OutboxRelay(models.metadata)
    members = RpcClient("members")
    gauges = BusinessGauges(refresh_four_duties)
    # Read once when the service starts, so a bad value stops it at once, naming the variable.
    check_in_window = meeting_rules.CheckInWindow.from_env()

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
        self.caller.require_officer()
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
            Period.argument(period)
        with self.db.reader() as session:
            return activity_log.list_for_member(session, self.caller.tenant_id, member_id, period)

    @rpc
    def list_pending(self, org_unit_id=None) -> list[dict]:
        self.caller.require_officer()
        unit = parse_uuid(org_unit_id, "org_unit_id") if org_unit_id else None
        with self.db.reader() as session:
            return approval.list_pending(session, self.caller.tenant_id, unit)

    @rpc
    def approve(self, activity_id) -> dict:
        self.caller.require_officer()
        activity_id = parse_uuid(activity_id, "activity_id")
        with self.db.transaction() as uow:
            return approval.approve(uow, self.caller.tenant_id, activity_id, self.caller)

    @rpc
    def reject(self, activity_id, payload: dict) -> dict:
        self.caller.require_officer()
        activity_id = parse_uuid(activity_id, "activity_id")
        data = validate(activity_api.Rejection, payload)
        with self.db.transaction() as uow:
            return approval.reject(uow, self.caller.tenant_id, activity_id, self.caller, data.reason)

    @rpc
    def correct(self, activity_id, payload: dict) -> dict:
        self.caller.require_officer()
        activity_id = parse_uuid(activity_id, "activity_id")
        data = validate(activity_api.Correction, payload)
        with self.db.transaction() as uow:
            return approval.correct(uow, self.caller.tenant_id, activity_id, self.caller, data)

    @rpc
    def schedule_activity_days(self, payload: dict) -> list[dict]:
        self.caller.require_officer()
        data = validate(activity_api.ScheduleDays, payload)
        self.caller.require_manages(data.org_unit_id)
        with self.db.transaction() as uow:
            return activity_days.schedule_year(uow, self.caller.tenant_id, data)

    @timer(interval=activity_day_schedule.INTERVAL_SECONDS)
    def schedule_activity_day_years(self) -> int:
        """Each open branch's activity days for this year and the next, once per (tenant, branch,
        year) whichever replica comes first; a failure is retried next tick."""
        now = datetime.now(timezone.utc)
        with self.db.reader() as session:
            due = activity_day_schedule.due(session, now)
        created = 0
        for tenant_id, branch_id in due:
            try:
                with self.db.transaction() as uow:
                    created += activity_day_schedule.run(uow, tenant_id, branch_id, now)
            except Exception:
                log.exception("scheduling the activity days of branch %s failed; next tick retries", branch_id)
        return created

    @rpc
    def activity_days_missing(self, period) -> list[dict]:
        """Open branches with no activity day in the month (YYYY-MM), or in a month of the year (YYYY)."""
        self.caller.require_officer()
        prefix = month_or_year(period)
        months = [prefix] if len(prefix) == 7 else [f"{prefix}-{m:02d}" for m in range(1, 13)]
        with self.db.reader() as session:
            return activity_day_schedule.missing(session, self.caller.tenant_id, months)

    @rpc
    def list_activity_days(self, org_unit_id, year) -> list[dict]:
        unit = parse_uuid(org_unit_id, "org_unit_id")
        if not isinstance(year, int) or not 2000 <= year <= 2100:
            raise InvalidInput.field("year", "expected a year between 2000 and 2100")
        with self.db.reader() as session:
            return activity_days.list_days(session, self.caller.tenant_id, unit, year)

    @rpc
    def move_activity_day(self, day_id, payload: dict) -> dict:
        self.caller.require_officer()
        day_id = parse_uuid(day_id, "day_id")
        data = validate(activity_api.MoveDay, payload)
        with self.db.transaction() as uow:
            return activity_days.move_day(uow, self.caller.tenant_id, day_id, data, self.caller)

    @rpc
    def record_attendance(self, day_id, payload: dict) -> dict:
        self.caller.require_officer()
        day_id = parse_uuid(day_id, "day_id")
        data = validate(activity_api.Attendance, payload)
        member = next(self._members([data.member_id]))
        with self.db.transaction() as uow:
            return activity_days.record_attendance(uow, self.caller.tenant_id, day_id, member, data, self.caller)

    @rpc
    def member_four_duties(self, member_id, period) -> dict:
        member_id = parse_uuid(member_id, "member_id")
        self.caller.require_self_or_officer(member_id)
        period = Period.argument(period)
        member = self.members.get_member(str(member_id))
        with self.db.reader() as session:
            return four_duties.member_four_duties(session, self.caller.tenant_id, member, period)

    @rpc
    def branch_four_duties(self, org_unit_id, period) -> dict:
        self.caller.require_officer()
        unit = parse_uuid(org_unit_id, "org_unit_id")
        period = Period.argument(period)
        with self.db.reader() as session:
            return four_duties.branch_four_duties(session, self.caller.tenant_id, unit, period)

    # --- meetings ------------------------------------------------------------------------------

    @rpc
    def plan_meeting(self, payload: dict) -> dict:
        self.caller.require_officer()  # a member is refused as such, whatever the body says
        data = validate(activity_api.MeetingCreate, payload)
        with self.db.transaction() as uow:
            return meetings.plan(uow, self.caller.tenant_id, data, self.caller)

    @rpc
    def get_meeting(self, meeting_id) -> dict:
        meeting_id = parse_uuid(meeting_id, "meeting_id")
        with self.db.reader() as session:
            return meetings.read(session, self.caller.tenant_id, meeting_id, self.caller)

    @rpc
    def list_meetings(self, org_unit_id, period) -> list[dict]:
        unit = parse_uuid(org_unit_id, "org_unit_id")
        prefix = month_or_year(period)
        with self.db.reader() as session:
            return meetings.list_for_unit(session, self.caller.tenant_id, unit, prefix)

    @rpc
    def check_in(self, meeting_id, payload: dict) -> dict:
        meeting_id = parse_uuid(meeting_id, "meeting_id")
        data = validate(activity_api.CheckIn, payload)
        if self.caller.caller_id is None:
            raise Forbidden("check-in is by the attendee's own account")
        with self.db.transaction() as uow:
            return check_in.check_in(uow, self.caller.tenant_id, meeting_id, data, self.caller, self.check_in_window)

    @rpc
    def record_meeting_attendance(self, meeting_id, payload: dict) -> dict:
        self.caller.require_officer()
        meeting_id = parse_uuid(meeting_id, "meeting_id")
        data = validate(activity_api.AttendanceList, payload)
        with self.db.transaction() as uow:
            return check_in.record_list(uow, self.caller.tenant_id, meeting_id, data, self.caller,
                                        self.check_in_window)

    @rpc
    def ask_leave(self, meeting_id, payload: dict) -> dict:
        meeting_id = parse_uuid(meeting_id, "meeting_id")
        data = validate(activity_api.LeaveRequest, payload)
        if self.caller.caller_id is None:
            raise Forbidden("leave is asked by the attendee's own account")
        with self.db.transaction() as uow:
            return leave.ask(uow, self.caller.tenant_id, meeting_id, data, self.caller)

    @rpc
    def decide_leave(self, meeting_id, payload: dict) -> dict:
        self.caller.require_officer()
        meeting_id = parse_uuid(meeting_id, "meeting_id")
        data = validate(activity_api.LeaveDecision, payload)
        with self.db.transaction() as uow:
            return leave.decide(uow, self.caller.tenant_id, meeting_id, data, self.caller)

    @rpc
    def write_minutes(self, meeting_id, payload: dict) -> dict:
        self.caller.require_officer()
        meeting_id = parse_uuid(meeting_id, "meeting_id")
        data = validate(activity_api.Minutes, payload)
        with self.db.transaction() as uow:
            return meetings.write_minutes(uow, self.caller.tenant_id, meeting_id, data, self.caller)

    @rpc
    def close_meeting(self, meeting_id) -> dict:
        self.caller.require_officer()
        meeting_id = parse_uuid(meeting_id, "meeting_id")
        with self.db.transaction() as uow:
            return meetings.close(uow, self.caller.tenant_id, meeting_id, self.caller)

    # --- 三会一课 norms and compliance ---------------------------------------------------------

    @rpc
    def meeting_norms(self, org_unit_id) -> dict:
        unit = parse_uuid(org_unit_id, "org_unit_id")
        with self.db.reader() as session:
            return org_life_norms.read_norms(session, self.caller.tenant_id, unit)

    @rpc
    def save_meeting_norms(self, org_unit_id, payload: dict) -> dict:
        self.caller.require_officer()
        unit = parse_uuid(org_unit_id, "org_unit_id")
        data = validate(activity_api.NormsUpdate, payload)
        with self.db.transaction() as uow:
            return org_life_norms.save_norms(uow, self.caller.tenant_id, unit, data, self.caller)

    @rpc
    def org_life_compliance(self, org_unit_id, quarter) -> dict:
        self.caller.require_officer()
        unit = parse_uuid(org_unit_id, "org_unit_id")
        if quarter is None or not re.fullmatch(r"\d{4}-Q[1-4]", str(quarter)):
            raise InvalidInput.field("quarter", "expected YYYY-Qn, e.g. 2026-Q4")
        with self.db.reader() as session:
            return org_life_norms.compliance_view(session, self.caller.tenant_id, unit, quarter)
