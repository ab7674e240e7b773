"""Meetings (会议): planning one for a unit, reading it with its attendees, the minutes (纪要),
and the close that turns attendance into facts.

Closing publishes one fact per attendee as an `activity_logged` naming the meeting (its id on the
activity row and in the details), not as a new meeting_attended/meeting_absent event: points
already prices activities by kind and rule set (activity-day attendance +3, org_life +1, an
activity day missed without leave −3 at month close), notify already tells the member, and the
unique (meeting, member) on the activity row makes "logged by hand naming the meeting and by the
meeting" count once without points knowing meetings at all. Absence is logged as
`meeting_absence`, priced 0 unless a branch's rule set gives it a price (an activity day's absence
is still deducted −3 by the month close, which finds no attendance or leave for the month).
"""
from __future__ import annotations

import uuid
from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert

from services.activities import meeting_rules as rules
from services.activities import models
from services.activities.activity_log import log_activities, validate_activity
from services.activities.read_model import tenant_timezone, tree
from services.common.contracts.api.activities import ActivityCreate, MeetingCreate, Minutes
from services.common.db import UnitOfWork, new_id, utcnow
from services.common.contracts import Period
from services.common.errors import InvalidInput, NotFound
from services.common.roster import PARTY_STATUSES
from services.common.tenancy import Caller


def local_start(day, at: time, zone: str) -> datetime:
    return datetime.combine(day, at, tzinfo=ZoneInfo(zone)).astimezone(timezone.utc)


def meeting_row(session, tenant_id, meeting_id, *, lock: bool = False) -> dict:
    table = models.meetings
    query = select(table).where(table.c.id == meeting_id, table.c.tenant_id == tenant_id)
    row = session.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound("meeting not found")
    return dict(row._mapping)


def meeting_dict(row: dict, attendees: dict | None = None, *, with_code: bool = False) -> dict:
    zone = ZoneInfo(row["timezone"])
    shown = {
        "id": str(row["id"]), "org_unit_id": str(row["org_unit_id"]), "kind": row["kind"],
        "kind_zh": rules.MEETING_KINDS[row["kind"]], "title": row["title"], "period": row["period"],
        "held_on": row["held_on"].isoformat(), "starts_at": row["starts_at"].astimezone(zone).isoformat(),
        "timezone": row["timezone"], "place": row["place"], "agenda": row["agenda"], "status": row["status"],
        "minutes": row["minutes"], "evidence": row["evidence"], "moved_reason": row["moved_reason"],
        "moves": row["moves"],
    }
    if with_code:
        shown["check_in_code"] = row["check_in_code"]
    if attendees is not None:
        shown["attendees"] = [{"member_id": str(m), **a} for m, a in attendees.items()]
        shown["counts"] = {s: sum(1 for a in attendees.values() if a["status"] == s and not a["guest"])
                           for s in rules.ATTENDANCE}
    return shown


def _people(session, tenant_id, units: list, member_ids: list | None = None) -> dict:
    """Party members of `units` not left (or those of `member_ids` among them): member -> unit."""
    r = models.roster
    query = select(r.c.member_id, r.c.org_unit_id).where(
        r.c.tenant_id == tenant_id, r.c.org_unit_id.in_(units), r.c.left_on.is_(None),
        or_(r.c.political_status.is_(None), r.c.political_status.in_(PARTY_STATUSES)))
    if member_ids is not None:
        query = query.where(r.c.member_id.in_(member_ids))
    return dict(session.execute(query).all())


def attendees(session, meeting: dict) -> dict:
    """Everybody a meeting expects, member -> record, as stored. An activity day's list is the
    branch as it is now (a year's days are scheduled ahead), so members who joined since count."""
    a = models.meeting_attendees
    rows = session.execute(select(a).where(a.c.meeting_id == meeting["id"]).order_by(a.c.org_unit_id)).all()
    found = {row.member_id: _attendee(row._mapping) for row in rows}
    if meeting["kind"] == rules.ACTIVITY_DAY and meeting["status"] != rules.CLOSED:
        units = tree(session, meeting["tenant_id"]).closing_units(meeting["org_unit_id"])
        for member_id, unit in _people(session, meeting["tenant_id"], units).items():
            found.setdefault(member_id, _attendee({"org_unit_id": unit, "guest": False, "status": rules.INVITED}))
    return found


def _attendee(row) -> dict:
    get = row.get
    return {"org_unit_id": str(get("org_unit_id")), "guest": get("guest"), "status": get("status"),
            "checked_in_at": get("checked_in_at").isoformat() if get("checked_in_at") else None,
            "leave_reason": get("leave_reason"), "leave_refusal": get("leave_refusal")}


def set_attendance(uow: UnitOfWork, meeting: dict, member_id, record: dict, status: str, **columns) -> None:
    """Store an attendee's new status (creating an activity day's row on its first change)."""
    a = models.meeting_attendees
    values = dict(meeting_id=meeting["id"], member_id=member_id, tenant_id=meeting["tenant_id"],
                  org_unit_id=uuid.UUID(record["org_unit_id"]), guest=record["guest"], status=status, **columns)
    stmt = insert(a).values(**values)
    uow.session.execute(stmt.on_conflict_do_update(
        constraint="pk_meeting_attendees", set_={"status": status, **columns}))


def plan(uow: UnitOfWork, tenant_id, data: MeetingCreate, caller: Caller) -> dict:
    session = uow.session
    caller.require_manages(data.org_unit_id)
    org_tree = tree(session, tenant_id)
    if org_tree.kind(data.org_unit_id) is None:
        raise NotFound("org unit not found")
    zone = tenant_timezone(session, tenant_id)
    starts_at = data.starts_at if data.starts_at.tzinfo else data.starts_at.replace(tzinfo=ZoneInfo(zone))
    held_on = starts_at.astimezone(ZoneInfo(zone)).date()
    units = org_tree.subtree(data.org_unit_id)
    invited = _people(session, tenant_id, units, data.invitee_ids)
    for index, member_id in enumerate(data.invitee_ids or ()):
        if member_id not in invited:
            raise InvalidInput.field(f"invitee_ids.{index}", "not a Party member of this unit or a unit below it")
    r = models.roster
    guests = dict(session.execute(select(r.c.member_id, r.c.org_unit_id).where(
        r.c.tenant_id == tenant_id, r.c.member_id.in_(data.guest_ids))).all())
    for index, member_id in enumerate(data.guest_ids):
        if member_id not in guests:
            raise InvalidInput.field(f"guest_ids.{index}", "not a member of this college")
        if member_id in invited:
            raise InvalidInput.field(f"guest_ids.{index}", "already invited as a member of the unit")
    if not invited:
        raise InvalidInput.field("org_unit_id", "this unit has no Party members to invite")
    meeting_id = new_id()
    session.execute(models.meetings.insert().values(
        id=meeting_id, tenant_id=tenant_id, org_unit_id=data.org_unit_id, kind=data.kind, title=data.title,
        period=Period.of(held_on), held_on=held_on, starts_at=starts_at.astimezone(timezone.utc), timezone=zone,
        place=data.place, agenda=data.agenda, check_in_code=rules.new_check_in_code(), status=rules.PLANNED,
        created_by=caller.caller_id))
    session.execute(models.meeting_attendees.insert(), [
        dict(meeting_id=meeting_id, member_id=m, tenant_id=tenant_id, org_unit_id=u, guest=guest, status=rules.INVITED)
        for people, guest in ((invited, False), (guests, True)) for m, u in people.items()])
    return read(session, tenant_id, meeting_id, caller)


def read(session, tenant_id, meeting_id, caller: Caller) -> dict:
    """A meeting with its attendees; the check-in code only for an officer of its unit (it is
    shown in the room, so a member who is not there cannot check in)."""
    meeting = meeting_row(session, tenant_id, meeting_id)
    return meeting_dict(meeting, attendees(session, meeting), with_code=caller.manages(meeting["org_unit_id"]))


def list_for_unit(session, tenant_id, org_unit_id, period_prefix: str) -> list[dict]:
    table = models.meetings
    rows = session.execute(select(table).where(
        table.c.tenant_id == tenant_id, table.c.org_unit_id == org_unit_id,
        table.c.period.like(f"{period_prefix}%")).order_by(table.c.starts_at)).all()
    return [meeting_dict(dict(row._mapping)) for row in rows]


def write_minutes(uow: UnitOfWork, tenant_id, meeting_id, data: Minutes, caller: Caller) -> dict:
    meeting = meeting_row(uow.session, tenant_id, meeting_id, lock=True)
    caller.require_manages(meeting["org_unit_id"])
    rules.require_held(meeting["starts_at"], utcnow(), meeting["status"])
    uow.session.execute(models.meetings.update().where(models.meetings.c.id == meeting_id)
                        .values(minutes=data.minutes, evidence=data.evidence))
    return read(uow.session, tenant_id, meeting_id, caller)


def counted(session, meeting: dict) -> set:
    """Members already holding an activity for this meeting (logged by hand naming it, or
    recorded on the activity day): the close does not count them again."""
    act = models.activities
    column = act.c.activity_day_id if meeting["kind"] == rules.ACTIVITY_DAY else act.c.meeting_id
    return set(session.execute(select(act.c.member_id).where(
        act.c.tenant_id == meeting["tenant_id"], column == meeting["id"])).scalars())


def close(uow: UnitOfWork, tenant_id, meeting_id, caller: Caller) -> dict:
    """Mark who is still only invited absent, and log one activity per attendee who earns or
    loses by it, in the transaction that closes the meeting."""
    session = uow.session
    meeting = meeting_row(session, tenant_id, meeting_id, lock=True)
    caller.require_manages(meeting["org_unit_id"])
    rules.require_held(meeting["starts_at"], utcnow(), meeting["status"])
    if not meeting["minutes"]:
        raise InvalidInput.field("minutes", "write the minutes before closing the meeting")
    expected = attendees(session, meeting)
    facts, marked_absent = rules.closing_facts(
        meeting["kind"], [(m, a["status"], a["guest"]) for m, a in expected.items()], counted(session, meeting))
    for member_id in marked_absent:
        set_attendance(uow, meeting, member_id, expected[member_id], rules.ABSENT)
    if meeting["kind"] == rules.ACTIVITY_DAY:
        # Stored for the whole list, so the closed day no longer follows the roster.
        for member_id, record in expected.items():
            if member_id not in marked_absent:
                set_attendance(uow, meeting, member_id, record, record["status"])
    if facts:
        log_activities(uow, tenant_id, [_entry(meeting, expected[f.member_id], f) for f in facts],
                       caller.caller_id, **_link(meeting))
    session.execute(models.meetings.update().where(models.meetings.c.id == meeting_id).values(
        status=rules.CLOSED, closed_by=caller.caller_id, closed_at=utcnow()))
    return read(session, tenant_id, meeting_id, caller)


def _link(meeting: dict) -> dict:
    if meeting["kind"] == rules.ACTIVITY_DAY:
        return {"activity_day_id": meeting["id"]}
    return {"meeting_id": meeting["id"]}


def _entry(meeting: dict, record: dict, fact: rules.AttendanceFact) -> tuple[dict, ActivityCreate, dict]:
    create = ActivityCreate(member_id=fact.member_id, kind=fact.kind, occurred_on=meeting["held_on"],
                            details=activity_details(meeting, fact.kind, record.get("leave_reason")))
    details = validate_activity(create, meeting["timezone"], via_activity_day=meeting["kind"] == rules.ACTIVITY_DAY,
                                via_meeting=True)
    return {"org_unit_id": record["org_unit_id"]}, create, details


def activity_details(meeting: dict, kind: str, leave_reason: str | None = None) -> dict:
    """The details of the activity a meeting's attendance is logged as (as its kind validates them)."""
    if kind == "meeting_absence":
        return {"meeting": rules.ORG_LIFE_MEETING.get(meeting["kind"], meeting["kind"]), "meeting_id": str(meeting["id"])}
    if meeting["kind"] == rules.ACTIVITY_DAY:
        return {"activity_day_id": str(meeting["id"]),
                "leave_reason": leave_reason if kind == "activity_day_leave" else None}
    details = {"meeting": rules.ORG_LIFE_MEETING[meeting["kind"]], "meeting_id": str(meeting["id"])}
    return {**details, "topic": meeting["title"]} if kind == "org_life" else details
