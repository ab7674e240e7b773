"""Activity days (党员活动日): each branch's 4th Thursday, moved within its month when needed,
and the attendance or leave recorded on it, which is logged as an activity."""
from __future__ import annotations

import calendar
import uuid
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from services.activities import models
from services.activities.activity_log import log_activity, period_of, validate_activity
from services.activities.read_model import tenant_timezone, tree
from services.common.contracts.api.activities import ActivityCreate, Attendance, MoveDay, ScheduleDays
from services.common.contracts.activities import ActivityDayScheduled
from services.common.db import UnitOfWork, new_id
from services.common.errors import Conflict, InvalidInput, NotFound
from services.common.tenancy import Caller


def fourth_thursday(year: int, month: int) -> date:
    first = date(year, month, 1)
    first_thursday = first + timedelta(days=(calendar.THURSDAY - first.weekday()) % 7)
    return first_thursday + timedelta(weeks=3)


def day_dict(row) -> dict:
    get = row.get if isinstance(row, dict) else row._mapping.get
    return {"id": str(get("id")), "org_unit_id": str(get("org_unit_id")), "period": get("period"),
            "held_on": get("held_on").isoformat(), "timezone": get("timezone"), "moved_reason": get("moved_reason")}


def schedule_year(uow: UnitOfWork, tenant_id: uuid.UUID, data: ScheduleDays) -> list[dict]:
    """Create the missing 4th Thursdays of a year; months already scheduled (or moved) are kept."""
    table = models.activity_days
    zone = data.timezone or tenant_timezone(uow.session, tenant_id)
    for month in range(1, 13):
        held_on = fourth_thursday(data.year, month)
        day_id = new_id()
        created = uow.session.execute(insert(table).values(
            id=day_id, tenant_id=tenant_id, org_unit_id=data.org_unit_id, period=period_of(held_on),
            held_on=held_on, timezone=zone,
        ).on_conflict_do_nothing(constraint="uq_activity_days_unit_period").returning(table.c.id)).first()
        if created is not None:
            uow.publish(ActivityDayScheduled(tenant_id=tenant_id, day_id=day_id, org_unit_id=data.org_unit_id,
                                             period=period_of(held_on), held_on=held_on))
    return list_days(uow.session, tenant_id, data.org_unit_id, data.year)


def list_days(session, tenant_id, org_unit_id, year: int) -> list[dict]:
    table = models.activity_days
    rows = session.execute(select(table).where(
        table.c.tenant_id == tenant_id, table.c.org_unit_id == org_unit_id,
        table.c.period.like(f"{year:04d}-%")).order_by(table.c.period)).all()
    return [day_dict(r) for r in rows]


def _day(session, tenant_id, day_id, *, lock: bool = False) -> dict:
    table = models.activity_days
    query = select(table).where(table.c.id == day_id, table.c.tenant_id == tenant_id)
    row = session.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound("activity day not found")
    return dict(row._mapping)


def move_day(uow: UnitOfWork, tenant_id, day_id, data: MoveDay, caller: Caller) -> dict:
    day = _day(uow.session, tenant_id, day_id, lock=True)
    caller.require_manages(day["org_unit_id"])
    if period_of(data.held_on) != day["period"]:
        raise InvalidInput.field("held_on", f"must stay within {day['period']}")
    uow.session.execute(models.activity_days.update().where(models.activity_days.c.id == day_id)
                        .values(held_on=data.held_on, moved_reason=data.reason))
    day.update(held_on=data.held_on, moved_reason=data.reason)
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
    details = {"activity_day_id": str(day_id), "leave_reason": data.leave_reason if data.status == "leave" else None}
    create = ActivityCreate(member_id=data.member_id, occurred_on=day["held_on"], details=details,
                            kind="activity_day_attendance" if data.status == "attended" else "activity_day_leave")
    details = validate_activity(create, day["timezone"], via_activity_day=True)
    existing = uow.session.execute(select(models.activities.c.id).where(
        models.activities.c.activity_day_id == day_id, models.activities.c.member_id == data.member_id)).first()
    if existing is not None:
        raise Conflict("attendance for this member on this day is already recorded")
    return log_activity(uow, tenant_id, member, create, details, caller.caller_id, activity_day_id=day_id)
