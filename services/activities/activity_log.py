"""The activity log: validating what a member did, storing it with its activity_logged, and
reading it back. Approval of what was logged is in services.activities.approval."""
from __future__ import annotations

import uuid

from pydantic import ValidationError
from sqlalchemy import select

from services.activities import models, statuses
from services.activities.catalogue import CATALOGUE, Kind
from services.activities.kinds import kind_of
from services.common.contracts.api.activities import ActivityCreate
from services.common import roster as common_roster
from services.common.contracts import Period
from services.common.contracts.activities import ActivityLogged
from services.common.db import UnitOfWork, new_id
from services.common.errors import Conflict, InvalidInput, NotFound

# The detail field whose value a points rule may price differently (e.g. achievement level).
VARIANT_FIELD = {"achievement": "level", "org_life": "meeting", "meeting_absence": "meeting",
                 "pairing_contact": "target_type"}


def validate_activity(data: ActivityCreate, member_timezone: str, *, via_activity_day: bool = False,
                      via_meeting: bool = False, kind: Kind | None = None) -> dict:
    """Check the kind, its details and the date; return the normalised details."""
    kind = kind or CATALOGUE.get(data.kind)
    if kind is None:
        raise InvalidInput.field("kind", f"unknown activity kind; known kinds: {', '.join(sorted(CATALOGUE))}")
    if kind.activity_day and not via_activity_day:
        raise InvalidInput.field("kind", "activity-day attendance and leave are recorded on the activity day")
    if kind.by_meeting and not via_meeting:
        raise InvalidInput.field("kind", "absence from a meeting is recorded by closing the meeting")
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


def facts(row: dict) -> dict:
    """What every activity event says about the activity (logged, approved, rejected, corrected)."""
    return dict(activity_id=row["id"], member_id=row["member_id"], org_unit_id=row["org_unit_id"],
                kind=row["kind"], occurred_on=row["occurred_on"], period=row["period"],
                quantity=row["quantity"], variant=_variant(row["kind"], row["details"]))


def log_activity(uow: UnitOfWork, tenant_id: uuid.UUID, member: dict, data: ActivityCreate,
                 details: dict, logged_by: uuid.UUID | None, *, by_officer: bool = True,
                 activity_day_id: uuid.UUID | None = None) -> dict:
    return log_activities(uow, tenant_id, [(member, data, details)], logged_by, by_officer=by_officer,
                          activity_day_id=activity_day_id)[0]


def _meeting_of(details: dict, meeting_id: uuid.UUID | None) -> uuid.UUID | None:
    named = details.get("meeting_id")
    return meeting_id or (uuid.UUID(named) if named else None)


def _refuse_counted_twice(session, tenant_id, rows: list[dict]) -> None:
    """A member is counted once per meeting: logged by hand naming it, or by its close."""
    pairs = [(row["meeting_id"], row["member_id"]) for row in rows if row["meeting_id"]]
    if not pairs:
        return
    act = models.activities
    meetings = models.meetings
    named = {m for m, _ in pairs}
    known = set(session.execute(select(meetings.c.id).where(
        meetings.c.tenant_id == tenant_id, meetings.c.id.in_(named))).scalars())
    if named - known:
        raise InvalidInput.field("details.meeting_id", "no such meeting in this college")
    taken = {tuple(row) for row in session.execute(select(act.c.meeting_id, act.c.member_id).where(
        act.c.tenant_id == tenant_id, act.c.meeting_id.in_(named)))}
    if taken & set(pairs) or len(set(pairs)) != len(pairs):
        raise Conflict("details.meeting_id: this member's attendance of this meeting is already counted")


def log_activities(uow: UnitOfWork, tenant_id: uuid.UUID, entries: list[tuple[dict, ActivityCreate, dict]],
                   logged_by: uuid.UUID | None, *, by_officer: bool = True,
                   activity_day_id: uuid.UUID | None = None, meeting_id: uuid.UUID | None = None) -> list[dict]:
    """Store validated activities, (member, data, details) each, with one insert for all of them
    (an attendance list is one statement, not one per member) and an activity_logged each."""
    rows = []
    for member, data, details in entries:
        kind = uow.remember(("kind", tenant_id, data.kind), lambda: kind_of(uow.session, tenant_id, data.kind))
        rows.append(dict(
            id=new_id(), tenant_id=tenant_id, member_id=data.member_id,
            org_unit_id=uuid.UUID(member["org_unit_id"]), kind=data.kind, occurred_on=data.occurred_on,
            period=Period.of(data.occurred_on), quantity=data.quantity, details=details, evidence=data.evidence,
            status=statuses.initial_status(kind.needs_approval, by_officer),
            logged_by=logged_by, note=data.note, activity_day_id=activity_day_id,
            meeting_id=_meeting_of(details, meeting_id),
        ))
    _refuse_counted_twice(uow.session, tenant_id, rows)
    uow.session.execute(models.activities.insert(), rows)
    uow.publish_many([ActivityLogged(tenant_id=tenant_id, status=row["status"], **facts(row)) for row in rows])
    return [activity_dict(row) for row in rows]


def activity_dict(row) -> dict:
    get = row.get if isinstance(row, dict) else row._mapping.get
    return {
        "id": str(get("id")), "member_id": str(get("member_id")), "org_unit_id": str(get("org_unit_id")),
        "kind": get("kind"), "occurred_on": get("occurred_on").isoformat(), "period": get("period"),
        "quantity": str(get("quantity")), "details": get("details"), "evidence": get("evidence"),
        "status": get("status"), "note": get("note"), "decision_reason": get("decision_reason"),
        "activity_day_id": str(get("activity_day_id")) if get("activity_day_id") else None,
        "meeting_id": str(get("meeting_id")) if get("meeting_id") else None,
    }


def activity_row(session, tenant_id: uuid.UUID, activity_id: uuid.UUID, *, lock: bool = False) -> dict:
    query = select(models.activities).where(
        models.activities.c.id == activity_id, models.activities.c.tenant_id == tenant_id)
    row = session.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound("activity not found")
    return dict(row._mapping)


def get_activity(session, tenant_id: uuid.UUID, activity_id: uuid.UUID) -> dict:
    return activity_dict(activity_row(session, tenant_id, activity_id))


def list_for_member(session, tenant_id: uuid.UUID, member_id: uuid.UUID, period: str | None) -> list[dict]:
    query = select(models.activities).where(
        models.activities.c.tenant_id == tenant_id, models.activities.c.member_id == member_id)
    if period:
        query = query.where(models.activities.c.period == period)
    rows = session.execute(query.order_by(models.activities.c.occurred_on, models.activities.c.created_at)).all()
    return [activity_dict(r) for r in rows]
