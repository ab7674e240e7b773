"""The activities service's use cases."""
from __future__ import annotations

import calendar
import functools
import uuid
from datetime import date, timedelta

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from services.activities import models
from services.activities.catalogue import CATALOGUE, FOUR_DUTIES, CustomDetails, Kind
from services.activities.schemas import ActivityCreate, Attendance, Correction, KindCreate, MoveDay, ScheduleDays
from services.common.contracts.activities import (
    ActivityApproved, ActivityKindAdded, ActivityCorrected, ActivityDayScheduled, ActivityLogged, ActivityRejected,
)
from services.common import roster as common_roster
from services.common.contracts.members import (
    MemberJoined, MemberLeft, MemberStatusChanged, MemberTransferred, MemberUpdated, OrgUnitChanged,
    TenantConfigured,
)
from services.common.db import UnitOfWork, new_id, utcnow
from services.common.errors import Conflict, InvalidInput, NotFound
from services.common.tenancy import Caller

# The detail field whose value a points rule may price differently (e.g. achievement level).
VARIANT_FIELD = {"achievement": "level", "org_life": "meeting", "pairing_contact": "target_type"}


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_end(period: str) -> date:
    year, month = int(period[:4]), int(period[5:])
    return date(year, month, calendar.monthrange(year, month)[1])


def tree(session, tenant_id) -> common_roster.OrgTree:
    return common_roster.OrgTree.load(session, models.org_units, tenant_id)


def tenant_timezone(session, tenant_id) -> str:
    return common_roster.timezone_of(session, models.tenants, tenant_id)


def fourth_thursday(year: int, month: int) -> date:
    first = date(year, month, 1)
    first_thursday = first + timedelta(days=(calendar.THURSDAY - first.weekday()) % 7)
    return first_thursday + timedelta(weeks=3)


def tenant_kind(session, tenant_id, key: str) -> Kind | None:
    row = session.execute(select(models.tenant_kinds).where(
        models.tenant_kinds.c.tenant_id == tenant_id, models.tenant_kinds.c.key == key)).first()
    return _custom_kind(row) if row is not None else None


def _custom_kind(row) -> Kind:
    return Kind(key=row.key, title_zh=row.title_zh, details=CustomDetails, unit=row.unit,
                max_quantity=row.max_quantity, needs_approval=row.needs_approval)


def kind_of(session, tenant_id, key: str) -> Kind:
    kind = CATALOGUE.get(key) or tenant_kind(session, tenant_id, key)
    if kind is None:
        raise InvalidInput.field("kind", f"unknown activity kind; built-in kinds: {', '.join(sorted(CATALOGUE))}")
    return kind


def add_kind(uow: UnitOfWork, tenant_id, data: KindCreate) -> dict:
    if data.key in CATALOGUE or tenant_kind(uow.session, tenant_id, data.key) is not None:
        raise Conflict(f"kind {data.key!r} already exists")
    if data.unit == "occurrence" and data.max_quantity != 1:
        raise InvalidInput.field("max_quantity", "a kind counted per occurrence has max_quantity 1")
    uow.session.execute(models.tenant_kinds.insert().values(
        tenant_id=tenant_id, key=data.key, title_zh=data.title_zh, unit=data.unit, max_quantity=data.max_quantity,
        needs_approval=data.needs_approval))
    uow.publish(ActivityKindAdded(
        tenant_id=tenant_id, key=data.key, title_zh=data.title_zh, unit=data.unit,
        points_per_unit=data.points_per_unit, monthly_cap=data.monthly_cap, requires_approval=data.needs_approval,
        dimension=data.dimension))
    return _kind_dict(kind_of(uow.session, tenant_id, data.key), custom=True)


def validate_activity(data: ActivityCreate, member_timezone: str, *, via_activity_day: bool = False,
                      kind: Kind | None = None) -> dict:
    """Check the kind, its details and the date; return the normalised details."""
    kind = kind or CATALOGUE.get(data.kind)
    if kind is None:
        raise InvalidInput.field("kind", f"unknown activity kind; known kinds: {', '.join(sorted(CATALOGUE))}")
    if kind.activity_day and not via_activity_day:
        raise InvalidInput.field("kind", "activity-day attendance and leave are recorded on the activity day")
    try:
        details = kind.details.model_validate(data.details)
    except ValidationError as exc:
        raise InvalidInput.from_pydantic(exc, prefix="details.") from None
    if kind.unit == "occurrence" and data.quantity != 1:
        raise InvalidInput.field("quantity", f"{data.kind} is counted per occurrence; quantity must be 1")
    if data.quantity > kind.max_quantity:
        raise InvalidInput.field("quantity", f"at most {kind.max_quantity} {kind.unit}s in one log")
    if data.occurred_on > common_roster.today_in(member_timezone):
        raise InvalidInput.field("occurred_on", "cannot be in the future")
    return details.model_dump(mode="json")


def _variant(kind: str, details: dict) -> str | None:
    field = VARIANT_FIELD.get(kind)
    return details.get(field) if field else None


def _facts(row: dict) -> dict:
    return dict(activity_id=row["id"], member_id=row["member_id"], org_unit_id=row["org_unit_id"],
                kind=row["kind"], occurred_on=row["occurred_on"], period=row["period"],
                quantity=row["quantity"], variant=_variant(row["kind"], row["details"]))


def log_activity(uow: UnitOfWork, tenant_id: uuid.UUID, member: dict, data: ActivityCreate,
                 details: dict, logged_by: uuid.UUID | None, *, by_officer: bool = True,
                 activity_day_id: uuid.UUID | None = None) -> dict:
    return log_activities(uow, tenant_id, [(member, data, details)], logged_by, by_officer=by_officer,
                          activity_day_id=activity_day_id)[0]


def log_activities(uow: UnitOfWork, tenant_id: uuid.UUID, entries: list[tuple[dict, ActivityCreate, dict]],
                   logged_by: uuid.UUID | None, *, by_officer: bool = True,
                   activity_day_id: uuid.UUID | None = None) -> list[dict]:
    """Store validated activities, (member, data, details) each, with one insert for all of them
    (an attendance list is one statement, not one per member) and an activity_logged each."""
    rows = []
    for member, data, details in entries:
        kind = uow.remember(("kind", tenant_id, data.kind), lambda: kind_of(uow.session, tenant_id, data.kind))
        rows.append(dict(
            id=new_id(), tenant_id=tenant_id, member_id=data.member_id,
            org_unit_id=uuid.UUID(member["org_unit_id"]), kind=data.kind, occurred_on=data.occurred_on,
            period=period_of(data.occurred_on), quantity=data.quantity, details=details, evidence=data.evidence,
            status="submitted" if kind.needs_approval and not by_officer else "approved",
            logged_by=logged_by, note=data.note, activity_day_id=activity_day_id,
        ))
    uow.session.execute(models.activities.insert(), rows)
    uow.publish_many([ActivityLogged(tenant_id=tenant_id, status=row["status"], **_facts(row)) for row in rows])
    return [activity_dict(row) for row in rows]


def activity_dict(row) -> dict:
    get = row.get if isinstance(row, dict) else row._mapping.get
    return {
        "id": str(get("id")), "member_id": str(get("member_id")), "org_unit_id": str(get("org_unit_id")),
        "kind": get("kind"), "occurred_on": get("occurred_on").isoformat(), "period": get("period"),
        "quantity": str(get("quantity")), "details": get("details"), "evidence": get("evidence"),
        "status": get("status"), "note": get("note"), "decision_reason": get("decision_reason"),
        "activity_day_id": str(get("activity_day_id")) if get("activity_day_id") else None,
    }


def _activity_row(session, tenant_id: uuid.UUID, activity_id: uuid.UUID, *, lock: bool = False) -> dict:
    query = select(models.activities).where(
        models.activities.c.id == activity_id, models.activities.c.tenant_id == tenant_id)
    row = session.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound("activity not found")
    return dict(row._mapping)


def get_activity(session, tenant_id: uuid.UUID, activity_id: uuid.UUID) -> dict:
    return activity_dict(_activity_row(session, tenant_id, activity_id))


def _decide(uow: UnitOfWork, row: dict, caller_id, **values) -> dict:
    values.update(decided_by=caller_id, decided_at=utcnow())
    uow.session.execute(models.activities.update().where(models.activities.c.id == row["id"]).values(**values))
    row.update(values)
    return row


def _decision_on(uow: UnitOfWork, tenant_id, activity_id, caller: Caller) -> dict:
    """The activity an officer decides on, locked; only the officers of the unit it was logged in."""
    row = _activity_row(uow.session, tenant_id, activity_id, lock=True)
    caller.require_manages(row["org_unit_id"])
    return row


def approve(uow: UnitOfWork, tenant_id, activity_id, caller: Caller) -> dict:
    row = _decision_on(uow, tenant_id, activity_id, caller)
    if row["status"] != "submitted":
        raise Conflict(f"only a submitted activity can be approved; this one is {row['status']}")
    row = _decide(uow, row, caller.caller_id, status="approved")
    uow.publish(ActivityApproved(tenant_id=tenant_id, **_facts(row)))
    return activity_dict(row)


def reject(uow: UnitOfWork, tenant_id, activity_id, caller: Caller, reason: str) -> dict:
    row = _decision_on(uow, tenant_id, activity_id, caller)
    if row["status"] == "rejected":
        raise Conflict("this activity is already rejected")
    row = _decide(uow, row, caller.caller_id, status="rejected", decision_reason=reason)
    uow.publish(ActivityRejected(tenant_id=tenant_id, reason=reason, **_facts(row)))
    return activity_dict(row)


def correct(uow: UnitOfWork, tenant_id, activity_id, caller: Caller, data: Correction) -> dict:
    row = _decision_on(uow, tenant_id, activity_id, caller)
    kind = kind_of(uow.session, tenant_id, row["kind"])
    if row["status"] == "rejected":
        raise Conflict("a rejected activity cannot be corrected")
    if kind.unit == "occurrence":
        raise InvalidInput.field("quantity", f"{row['kind']} is counted per occurrence; nothing to correct")
    if data.quantity > kind.max_quantity:
        raise InvalidInput.field("quantity", f"at most {kind.max_quantity} {kind.unit}s in one log")
    previous = row["quantity"]
    row = _decide(uow, row, caller.caller_id, quantity=data.quantity, decision_reason=data.reason)
    uow.publish(ActivityCorrected(tenant_id=tenant_id, previous_quantity=previous, reason=data.reason, **_facts(row)))
    return activity_dict(row)


def list_for_member(session, tenant_id: uuid.UUID, member_id: uuid.UUID, period: str | None) -> list[dict]:
    query = select(models.activities).where(
        models.activities.c.tenant_id == tenant_id, models.activities.c.member_id == member_id)
    if period:
        query = query.where(models.activities.c.period == period)
    rows = session.execute(query.order_by(models.activities.c.occurred_on, models.activities.c.created_at)).all()
    return [activity_dict(r) for r in rows]


def list_pending(session, tenant_id: uuid.UUID, org_unit_id: uuid.UUID | None) -> list[dict]:
    query = select(models.activities).where(
        models.activities.c.tenant_id == tenant_id, models.activities.c.status == "submitted")
    if org_unit_id:
        query = query.where(models.activities.c.org_unit_id == org_unit_id)
    return [activity_dict(r) for r in session.execute(query.order_by(models.activities.c.created_at)).all()]


# --- activity days -----------------------------------------------------------------------------

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


# --- roster read model and four duties ------------------------------------------------------------

def remember_member(uow: UnitOfWork, event: MemberJoined) -> None:
    common_roster.remember_member(uow.session, models.roster, event)


def follow_transfer(uow: UnitOfWork, event: MemberTransferred) -> None:
    common_roster.follow_transfer(uow.session, models.roster, event)


def follow_status(uow: UnitOfWork, event: MemberStatusChanged) -> None:
    common_roster.follow_status(uow.session, models.roster, event)


def follow_update(uow: UnitOfWork, event: MemberUpdated) -> None:
    common_roster.follow_update(uow.session, models.roster, event)


def follow_leaving(uow: UnitOfWork, event: MemberLeft) -> None:
    common_roster.follow_leaving(uow.session, models.roster, event)


def remember_org_unit(uow: UnitOfWork, event: OrgUnitChanged) -> None:
    common_roster.remember_org_unit(uow.session, models.org_units, event)


def remember_tenant(uow: UnitOfWork, event: TenantConfigured) -> None:
    common_roster.remember_tenant(uow.session, models.tenants, event)


def known_members(session, tenant_id: uuid.UUID, member_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict]:
    """The members of `member_ids` this tenant's read model knows, with their tenant's time zone.

    Each is shaped like the members service's get_member, but holds only what logging reads: id,
    tenant_id, org_unit_id (current) and timezone. The name is left out on purpose: the read model
    keeps it as at joining (renames are not followed), so it must not pass for get_member's. A
    member whose tenant has no time zone here yet is left out too, like one not known at all:
    guessing the zone could misjudge whether `occurred_on` is in the future.
    """
    r, t = models.roster, models.tenants
    rows = session.execute(
        select(r.c.member_id, r.c.tenant_id, r.c.org_unit_id, t.c.timezone)
        .join(t, t.c.tenant_id == r.c.tenant_id)
        .where(r.c.tenant_id == tenant_id, r.c.member_id.in_(member_ids))).all()
    return {row.member_id: {"id": str(row.member_id), "tenant_id": str(row.tenant_id),
                            "org_unit_id": str(row.org_unit_id), "timezone": row.timezone} for row in rows}


def _done_by_member(session, tenant_id, period: str, member_ids) -> dict:
    table = models.activities
    rows = session.execute(select(table.c.member_id, table.c.kind).distinct().where(
        table.c.tenant_id == tenant_id, table.c.period == period, table.c.kind.in_(FOUR_DUTIES),
        table.c.status != "rejected", table.c.member_id.in_(member_ids))).all()
    done: dict = {m: set() for m in member_ids}
    for member_id, kind in rows:
        done[member_id].add(kind)
    return done


def _completion(member_id, name, done: set) -> dict:
    return {"member_id": str(member_id), "name": name,
            "done": [k for k in FOUR_DUTIES if k in done], "missing": [k for k in FOUR_DUTIES if k not in done],
            "complete": len(done) == len(FOUR_DUTIES)}


def member_four_duties(session, tenant_id, member: dict, period: str) -> dict:
    member_id = uuid.UUID(member["id"])
    done = _done_by_member(session, tenant_id, period, [member_id])[member_id]
    return {"period": period, **_completion(member_id, member["name"], done)}


def branch_four_duties(session, tenant_id, org_unit_id, period: str) -> dict:
    # The branch's own members and its groups', as the month close counts them: Party members on
    # the roster (in their current unit) who had not left by the month's end.
    units = tree(session, tenant_id).closing_units(org_unit_id)
    r = models.roster
    roster = session.execute(select(r.c.member_id, r.c.name).where(
        r.c.tenant_id == tenant_id, r.c.org_unit_id.in_(units), common_roster.counted_on(r, month_end(period)))
        .order_by(r.c.name, r.c.member_id)).all()
    if not roster:
        raise NotFound("no members known in this org unit")
    done = _done_by_member(session, tenant_id, period, [m for m, _ in roster])
    members = [_completion(m, name, done[m]) for m, name in roster]
    missing = {k: sum(1 for m in members if k in m["missing"]) for k in FOUR_DUTIES}
    return {"org_unit_id": str(org_unit_id), "period": period, "members": members,
            "complete": sum(1 for m in members if m["complete"]), "missing_by_duty": missing}


@functools.cache
def _details_schema(details: type) -> dict:
    # Generating a JSON schema was most of the catalogue's cost (every client fetches it); the
    # details models never change while the process runs. Read only: it is shared.
    return details.model_json_schema()


def _kind_dict(k: Kind, custom: bool = False) -> dict:
    return {"key": k.key, "title_zh": k.title_zh, "unit": k.unit, "four_duty": k.four_duty,
            "needs_approval": k.needs_approval, "max_quantity": str(k.max_quantity), "custom": custom,
            "details_schema": _details_schema(k.details)}


def catalogue(session, tenant_id) -> list[dict]:
    rows = session.execute(select(models.tenant_kinds).where(
        models.tenant_kinds.c.tenant_id == tenant_id).order_by(models.tenant_kinds.c.key)).all()
    return [_kind_dict(k) for k in CATALOGUE.values()] + [_kind_dict(_custom_kind(row), custom=True) for row in rows]
