"""People on the roster: adding and editing them, their political status over time, transfers
between units of the tenant, and leaving the roster (which ends their roles, follow-ups and
pairings in the same transaction)."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone as dt_timezone

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from services.common.contracts.api import members as member_api
from services.common.contracts.members import (
    MemberJoined, MemberLeft, MemberTransferred, MemberUpdated,
)
from services.common.db import UnitOfWork, new_id, utcnow
from services.common.errors import Conflict, InvalidInput, NotFound
from services.members import activists, lookups, models, roles
from services.members.accounts import sessions
from services.members.development import records as development_records
from services.members.pairing import pairings

PERSON_FIELDS = ("external_no", "name", "category", "political_status", "email", "phone", "gender", "ethnicity",
                 "birth_date", "department", "job_title", "wecom_user_id", "dingtalk_user_id", "joined_work_on",
                 "applied_on", "joined_party_on", "full_member_on", "introducers", "status_since")

STATUS_DATE_FIELD = development_records.STATUS_DATE_FIELD


def jsonable(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def member_dict(row, timezone: str | None = None) -> dict:
    body = {"id": str(row.id), "tenant_id": str(row.tenant_id), "org_unit_id": str(row.org_unit_id)}
    for name in PERSON_FIELDS:
        body[name] = jsonable(getattr(row, name))
    body["introducers"] = list(row.introducers or [])
    body["left_at"] = jsonable(row.left_at)
    body["left_reason"] = row.left_reason
    if timezone:
        body["timezone"] = timezone
    return body


def initial_status_date(data) -> date | None:
    field = STATUS_DATE_FIELD.get(data.political_status)
    return getattr(data, field) if field else None


def _open_unit_for_people(session, tenant_id, org_unit_id, field: str = "org_unit_id"):
    unit = lookups.org_unit(session, tenant_id, org_unit_id)
    if unit is None:
        raise InvalidInput.field(field, "no such org unit in this tenant")
    if unit.kind not in ("branch", "group"):
        raise InvalidInput.field(field, "people belong to a branch or a group")
    if unit.closed_at is not None:
        raise InvalidInput.field(field, "this org unit is closed")
    return unit


def _not_future(value: date, field: str) -> None:
    if value > date.today():
        raise InvalidInput.field(field, "must not be in the future")


def _external_no_taken() -> Conflict:
    return Conflict("external_no: already used by another person in this tenant",
                    [{"field": "external_no", "reason": "already exists"}])


# -- adding, reading and editing ------------------------------------------------------------

def create_member(uow: UnitOfWork, tenant_id: uuid.UUID, data: member_api.MemberCreate) -> dict:
    _open_unit_for_people(uow.session, tenant_id, data.org_unit_id)
    member_id = new_id()
    values = data.model_dump(exclude_none=True)
    values.setdefault("introducers", [])
    # A person added with a status keeps that status's known date; an unknown date stays unknown
    # rather than "today", so later dated changes are not refused for preceding it.
    since = initial_status_date(data)
    created = uow.session.execute(
        insert(models.people).values(id=member_id, tenant_id=tenant_id, status_since=since, **values)
        .on_conflict_do_nothing(constraint="uq_people_tenant_external_no").returning(models.people)
    ).first()
    if created is None:
        raise _external_no_taken()
    uow.session.execute(models.status_history.insert().values(
        id=new_id(), tenant_id=tenant_id, person_id=member_id, from_status=None,
        to_status=data.political_status, effective_on=since or date.today(), note="added to the roster"))
    development_records.write_rows(uow.session, development_records.roster_rows(tenant_id, member_id, data))
    uow.publish(MemberJoined(
        tenant_id=tenant_id, member_id=member_id, org_unit_id=data.org_unit_id, name=data.name,
        category=data.category, political_status=data.political_status, external_no=data.external_no,
        email=data.email,
    ))
    return member_dict(created)


def _requested_changes(data: member_api.MemberUpdate) -> dict:
    """The fields the request names, with a cleared list as empty; required fields stay set."""
    changes = data.model_dump(include=data.model_fields_set)
    if "introducers" in changes and changes["introducers"] is None:
        changes["introducers"] = []
    for required in ("name", "category"):
        if required in changes and changes[required] is None:
            raise InvalidInput.field(required, "cannot be cleared")
    return changes


def _check_with_stored(row, changes: dict) -> None:
    """The date order must hold across stored and new values, not only inside the request."""
    merged = {f: getattr(row, f) for f in member_api.PersonFields.model_fields if f != "introducers"}
    merged.update({k: v for k, v in changes.items() if k in merged})
    try:
        member_api.PersonFields.model_validate({k: v for k, v in merged.items() if v is not None})
    except ValidationError as exc:
        raise InvalidInput.from_pydantic(exc) from None


def update_member(uow: UnitOfWork, tenant_id: uuid.UUID, member_id: uuid.UUID, data: member_api.MemberUpdate) -> dict:
    row = lookups.active_person(uow.session, tenant_id, member_id)
    changes = _requested_changes(data)
    _check_with_stored(row, changes)
    changed = sorted(k for k, v in changes.items() if getattr(row, k) != v)
    if not changed:
        return member_dict(row)
    if "external_no" in changed and changes["external_no"] is not None:
        taken = uow.session.execute(select(models.people.c.id).where(
            models.people.c.tenant_id == tenant_id, models.people.c.external_no == changes["external_no"],
            models.people.c.id != member_id)).first()
        if taken:
            raise _external_no_taken()
    updated = uow.session.execute(
        models.people.update().where(models.people.c.id == member_id, models.people.c.tenant_id == tenant_id)
        .values(updated_at=utcnow(), **{k: changes[k] for k in changed}).returning(models.people)
    ).first()
    uow.publish(MemberUpdated(tenant_id=tenant_id, member_id=member_id, org_unit_id=row.org_unit_id, fields=changed,
                              name=updated.name if "name" in changed else None))
    return member_dict(updated)


def list_members(session, tenant_id: uuid.UUID, query: member_api.MemberQuery) -> dict:
    people = models.people
    where = [people.c.tenant_id == tenant_id]
    if query.org_unit_id is not None:
        units = lookups.subtree_ids(session, tenant_id, query.org_unit_id)
        if not units:
            raise NotFound("org unit not found")
        where.append(people.c.org_unit_id.in_(units))
    if query.political_status:
        where.append(people.c.political_status == query.political_status)
    if query.category:
        where.append(people.c.category == query.category)
    if not query.include_left:
        where.append(people.c.left_at.is_(None))
    total = session.execute(select(func.count()).select_from(people).where(*where)).scalar_one()
    rows = session.execute(select(people).where(*where).order_by(people.c.external_no.nulls_last(), people.c.name,
                                                                 people.c.id)
                           .limit(query.limit).offset(query.offset)).all()
    return {"items": [member_dict(r) for r in rows], "total": total, "limit": query.limit, "offset": query.offset}


def get_member(session, tenant_id: uuid.UUID, member_id: uuid.UUID) -> dict:
    row = session.execute(
        select(models.people, models.tenants.c.timezone)
        .join(models.tenants, models.tenants.c.id == models.people.c.tenant_id)
        .where(models.people.c.id == member_id, models.people.c.tenant_id == tenant_id)
    ).first()
    if row is None:
        raise NotFound("member not found")
    return member_dict(row, row.timezone)


# -- political status ----------------------------------------------------------------------

def change_status(uow: UnitOfWork, tenant_id, member_id, data: member_api.StatusChange, recorded_by=None) -> dict:
    """A status reported by the status route is the pipeline's milestone step (or a withdrawal):
    the one way a political status changes."""
    today = date.today()
    updated = development_records.status_route(uow, tenant_id, member_id, data.to_status, data.effective_on,
                                               data.note, recorded_by, today)
    return member_dict(updated)


def status_history(session, tenant_id, member_id) -> list[dict]:
    lookups.person(session, tenant_id, member_id)
    h = models.status_history
    rows = session.execute(select(h).where(h.c.tenant_id == tenant_id, h.c.person_id == member_id)
                           .order_by(h.c.recorded_at, h.c.effective_on)).all()
    return [{"from_status": r.from_status, "to_status": r.to_status, "effective_on": r.effective_on.isoformat(),
             "note": r.note, "recorded_at": r.recorded_at.isoformat()} for r in rows]


# -- transfers and leaving ------------------------------------------------------------------

def transfer_member(uow: UnitOfWork, tenant_id, member_id, data: member_api.TransferCreate) -> dict:
    row = lookups.active_person(uow.session, tenant_id, member_id)
    _open_unit_for_people(uow.session, tenant_id, data.to_org_unit_id, "to_org_unit_id")
    if data.to_org_unit_id == row.org_unit_id:
        raise InvalidInput.field("to_org_unit_id", "the person is already in this org unit")
    t = models.transfers
    last = uow.session.execute(select(func.max(t.c.effective_on)).where(
        t.c.tenant_id == tenant_id, t.c.person_id == member_id)).scalar()
    if last and data.effective_on < last:
        raise InvalidInput.field("effective_on", f"must not precede the previous transfer on {last}")
    _not_future(data.effective_on, "effective_on")
    uow.session.execute(t.insert().values(
        id=new_id(), tenant_id=tenant_id, person_id=member_id, from_org_unit_id=row.org_unit_id,
        to_org_unit_id=data.to_org_unit_id, effective_on=data.effective_on, note=data.note))
    # Roles belong to a unit: they end when the person leaves it.
    roles.end_roles(uow, tenant_id, member_id, data.effective_on, org_unit_id=row.org_unit_id)
    updated = uow.session.execute(models.people.update().where(models.people.c.id == member_id)
                                  .values(org_unit_id=data.to_org_unit_id, updated_at=utcnow())
                                  .returning(models.people)).first()
    uow.publish(MemberTransferred(tenant_id=tenant_id, member_id=member_id, from_org_unit_id=row.org_unit_id,
                                  to_org_unit_id=data.to_org_unit_id, effective_on=data.effective_on))
    return member_dict(updated)


def transfers(session, tenant_id, member_id) -> list[dict]:
    lookups.person(session, tenant_id, member_id)
    t = models.transfers
    rows = session.execute(select(t).where(t.c.tenant_id == tenant_id, t.c.person_id == member_id)
                           .order_by(t.c.effective_on, t.c.recorded_at)).all()
    return [{"from_org_unit_id": str(r.from_org_unit_id), "to_org_unit_id": str(r.to_org_unit_id),
             "effective_on": r.effective_on.isoformat(), "note": r.note} for r in rows]


def leave(uow: UnitOfWork, tenant_id, member_id, data: member_api.LeaveCreate) -> dict:
    row = lookups.active_person(uow.session, tenant_id, member_id)
    _not_future(data.left_on, "left_on")
    roles.end_roles(uow, tenant_id, member_id, data.left_on)
    activists.end_follow_ups(uow, tenant_id, member_id, data.left_on)
    updated = uow.session.execute(models.people.update().where(models.people.c.id == member_id).values(
        left_at=datetime.combine(data.left_on, datetime.min.time(), tzinfo=dt_timezone.utc),
        left_reason=data.reason, updated_at=utcnow()).returning(models.people)).first()
    uow.publish(MemberLeft(tenant_id=tenant_id, member_id=member_id, org_unit_id=row.org_unit_id,
                           left_on=data.left_on, reason=data.reason))
    # Otherwise the overdue scan would keep asking a mentor who is gone for contacts.
    pairings.end_for_leaver(uow, tenant_id, member_id, data.left_on)
    # Someone who has left signs in no more: every session and token ends with the departure.
    sessions.revoke_everything(uow, tenant_id, member_id, "left")
    return member_dict(updated)
