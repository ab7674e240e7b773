"""Activity days (党员活动日): each branch's 4th Thursday, a meeting of kind `activity_day`,
moved within its month when needed, and the attendance or leave recorded on it, which is logged
as an activity. The routes of /v1/activity-days read and write these meetings."""
from __future__ import annotations

import calendar
import uuid
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert

from services.activities import meeting_rules, models
from services.activities.activity_log import log_activity, validate_activity
from services.activities.meetings import activity_details, attendees, local_start, meeting_row, set_attendance
from services.activities.read_model import tenant_timezone, tree
from services.common.contracts.api.activities import ActivityCreate, Attendance, MoveDay, ScheduleDays
from services.common.contracts import Period
from services.common.contracts.activities import ActivityDayScheduled
from services.common.db import UnitOfWork, new_id, utcnow
from services.common.errors import Conflict, InvalidInput, NotFound
from services.common.tenancy import Caller

# When an activity day starts unless planned otherwise (local time): its check-in window is around it.
STARTS_AT = time(14, 30)


def fourth_thursday(year: int, month: int) -> date:
    first = date(year, month, 1)
    first_thursday = first + timedelta(days=(calendar.THURSDAY - first.weekday()) % 7)
    return first_thursday + timedelta(weeks=3)


def day_dict(row) -> dict:
    get = row.get if isinstance(row, dict) else row._mapping.get
    return {"id": str(get("id")), "org_unit_id": str(get("org_unit_id")), "period": get("period"),
            "held_on": get("held_on").isoformat(), "timezone": get("timezone"), "moved_reason": get("moved_reason"),
            "moves": get("moves") or []}


def schedule_year(uow: UnitOfWork, tenant_id: uuid.UUID, data: ScheduleDays) -> list[dict]:
    """Create the missing 4th Thursdays of a year; months already scheduled (or moved) are kept."""
    zone = data.timezone or tenant_timezone(uow.session, tenant_id)
    schedule_days(uow, tenant_id, data.org_unit_id, [fourth_thursday(data.year, m) for m in range(1, 13)], zone)
    return list_days(uow.session, tenant_id, data.org_unit_id, data.year)


def schedule_days(uow: UnitOfWork, tenant_id, org_unit_id, days: list[date], zone: str) -> int:
    """An activity day on each of `days` whose month has none yet, announced by activity_day_scheduled;
    how many were created. Idempotent: the unique (tenant, unit, month) decides, whoever comes first."""
    created = 0
    for held_on in days:
        day_id = new_id()
        inserted = uow.session.execute(insert(models.meetings).values(
            id=day_id, tenant_id=tenant_id, org_unit_id=org_unit_id, kind=meeting_rules.ACTIVITY_DAY,
            title=f"主题党日 {Period.of(held_on)}", period=Period.of(held_on), held_on=held_on,
            starts_at=local_start(held_on, STARTS_AT, zone), timezone=zone,
            check_in_code=meeting_rules.new_check_in_code(), status=meeting_rules.PLANNED,
        ).on_conflict_do_nothing(
            index_elements=["tenant_id", "org_unit_id", "period"], index_where=text("kind = 'activity_day'"),
        ).returning(models.meetings.c.id)).first()
        if inserted is not None:
            created += 1
            uow.publish(ActivityDayScheduled(tenant_id=tenant_id, day_id=day_id, org_unit_id=org_unit_id,
                                             period=Period.of(held_on), held_on=held_on))
    return created


def list_days(session, tenant_id, org_unit_id, year: int) -> list[dict]:
    table = models.meetings
    rows = session.execute(select(table).where(
        table.c.tenant_id == tenant_id, table.c.org_unit_id == org_unit_id, table.c.kind == meeting_rules.ACTIVITY_DAY,
        table.c.period.like(f"{year:04d}-%")).order_by(table.c.period)).all()
    return [day_dict(r) for r in rows]


def _day(session, tenant_id, day_id, *, lock: bool = False) -> dict:
    try:
        day = meeting_row(session, tenant_id, day_id, lock=lock)
    except NotFound:
        raise NotFound("activity day not found") from None
    if day["kind"] != meeting_rules.ACTIVITY_DAY:
        raise NotFound("activity day not found")
    return day


def move_day(uow: UnitOfWork, tenant_id, day_id, data: MoveDay, caller: Caller) -> dict:
    """A new date within the same month; the same meeting (its id, attendance and check-ins kept),
    with the move added to its history."""
    day = _day(uow.session, tenant_id, day_id, lock=True)
    caller.require_manages(day["org_unit_id"])
    if Period.of(data.held_on) != day["period"]:
        raise InvalidInput.field("held_on", f"must stay within {day['period']}")
    at = day["starts_at"].astimezone(ZoneInfo(day["timezone"])).time()
    moves = [*day["moves"], {"from": day["held_on"].isoformat(), "to": data.held_on.isoformat(), "reason": data.reason,
                             "by": str(caller.caller_id) if caller.caller_id else None, "at": utcnow().isoformat()}]
    day.update(held_on=data.held_on, moved_reason=data.reason, moves=moves,
               starts_at=local_start(data.held_on, at, day["timezone"]))
    uow.session.execute(models.meetings.update().where(models.meetings.c.id == day_id).values(
        held_on=day["held_on"], moved_reason=data.reason, starts_at=day["starts_at"], moves=moves))
    uow.publish(ActivityDayScheduled(tenant_id=tenant_id, day_id=day_id, org_unit_id=day["org_unit_id"],
                                     period=day["period"], held_on=data.held_on))
    return day_dict(day)


def record_attendance(uow: UnitOfWork, tenant_id, day_id, member: dict, data: Attendance, caller: Caller) -> dict:
    day = _day(uow.session, tenant_id, day_id)
    caller.require_manages(day["org_unit_id"])
    # A group's members attend their branch's activity day.
    if tree(uow.session, tenant_id).branch_of(uuid.UUID(member["org_unit_id"])) != day["org_unit_id"]:
        raise InvalidInput.field("member_id", "the member does not belong to this activity day's branch")
    if data.status == "leave" and not data.leave_reason:
        raise InvalidInput.field("leave_reason", "approved leave needs a reason")
    kind = "activity_day_attendance" if data.status == "attended" else "activity_day_leave"
    create = ActivityCreate(member_id=data.member_id, occurred_on=day["held_on"], kind=kind,
                            details=activity_details(day, kind, data.leave_reason))
    details = validate_activity(create, day["timezone"], via_activity_day=True)
    existing = uow.session.execute(select(models.activities.c.id).where(
        models.activities.c.activity_day_id == day_id, models.activities.c.member_id == data.member_id)).first()
    if existing is not None:
        raise Conflict("attendance for this member on this day is already recorded")
    # The day's own record follows, so its meeting view and close agree with what was logged.
    record = attendees(uow.session, day).get(data.member_id) or {
        "org_unit_id": member["org_unit_id"], "guest": False, "leave_reason": None}
    set_attendance(uow, day, data.member_id, record,
                   meeting_rules.CHECKED_IN if data.status == "attended" else meeting_rules.EXCUSED,
                   leave_reason=data.leave_reason if data.status == "leave" else None)
    return log_activity(uow, tenant_id, member, create, details, caller.caller_id, activity_day_id=day_id)
