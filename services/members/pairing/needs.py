"""Needs and difficulties (诉求): raised in a contact or directly, tracked to closure.

Which action is legal in which state is the table in need_states.py. Only the person who raised
a need confirms it or reopens it. A need open or assigned longer than the branch's limit
escalates to the secretary once (`escalated_on` is set in the same statement that claims it, so
replicas cannot both escalate).
"""
from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from services.common.contracts.pairing import NeedAssigned, NeedConfirmed, NeedOverdue, NeedRaised, NeedResolved
from services.common.db import UnitOfWork, new_id, utcnow
from services.common.errors import Forbidden, InvalidInput, NotFound
from services.members import lookups, models
from services.common.contracts.api import pairing as pairing_api
from services.members.pairing.need_states import CLOSED, RAISED, WAITING, next_status
from services.members.pairing.rhythm import (
    DEFAULT_NEED_OVERDUE_DAYS, branch_of, not_future, secretaries, tenant_today,
)

_raiser = aliased(models.people, name="raiser")
_assignee = aliased(models.people, name="assignee")


def _query():
    n = models.needs
    return (select(n, _raiser.c.name.label("raised_by_name"), _assignee.c.name.label("assignee_name"))
            .join(_raiser, _raiser.c.id == n.c.raised_by)
            .outerjoin(_assignee, _assignee.c.id == n.c.assignee_id))


def need_dict(row, today: date | None = None) -> dict:
    body = {
        "id": str(row.id), "org_unit_id": str(row.org_unit_id), "title": row.title, "description": row.description,
        "status": row.status, "raised_by": str(row.raised_by), "raised_by_name": row.raised_by_name,
        "raised_on": row.raised_on.isoformat(),
        "pairing_id": str(row.pairing_id) if row.pairing_id else None,
        "activity_id": str(row.activity_id) if row.activity_id else None,
        "assignee_id": str(row.assignee_id) if row.assignee_id else None, "assignee_name": row.assignee_name,
        "resolution": row.resolution, "closed_on": row.closed_on.isoformat() if row.closed_on else None,
        "escalated_on": row.escalated_on.isoformat() if row.escalated_on else None,
    }
    if row.closed_on is not None:
        body["days_to_close"] = (row.closed_on - row.raised_on).days
    elif today is not None:
        body["days_open"] = max(0, (today - row.raised_on).days)
    return body


def _need(session, tenant_id, need_id, *, lock: bool = False):
    n = models.needs
    if lock and session.execute(select(n.c.id).where(n.c.id == need_id, n.c.tenant_id == tenant_id)
                                .with_for_update()).first() is None:
        raise NotFound("need not found")
    row = session.execute(_query().where(n.c.id == need_id, n.c.tenant_id == tenant_id)).first()
    if row is None:
        raise NotFound("need not found")
    return row


def _facts(row) -> dict:
    return dict(need_id=row.id, org_unit_id=row.org_unit_id, title=row.title, raised_by=row.raised_by,
                raised_by_name=row.raised_by_name, raised_on=row.raised_on)


def _move(uow: UnitOfWork, tenant_id, row, to_status: str, actor_id, note: str | None, **values):
    n = models.needs
    uow.session.execute(n.update().where(n.c.id == row.id).values(status=to_status, updated_at=utcnow(), **values))
    uow.session.execute(models.need_transitions.insert().values(
        id=new_id(), tenant_id=tenant_id, need_id=row.id, from_status=row.status, to_status=to_status,
        by_person_id=actor_id, note=note))
    return _need(uow.session, tenant_id, row.id)


def raise_need(uow: UnitOfWork, tenant_id, data: pairing_api.NeedCreate, actor_id, is_officer: bool) -> dict:
    raised_by = data.raised_by or actor_id
    if raised_by is None:
        raise InvalidInput.field("raised_by", "required when the caller is not a person on the roster")
    if raised_by != actor_id and not is_officer:
        raise Forbidden("members raise their own needs; an officer records one for someone else")
    raiser = lookups.named_person(uow.session, tenant_id, raised_by, "raised_by")
    today = tenant_today(uow.session, tenant_id)
    raised_on = not_future(data.raised_on, today, "raised_on")
    branch = branch_of(uow.session, tenant_id, raiser.org_unit_id)
    if data.pairing_id is not None:
        p = models.pairings
        pairing = uow.session.execute(select(p).where(p.c.id == data.pairing_id, p.c.tenant_id == tenant_id)).first()
        if pairing is None:
            raise InvalidInput.field("pairing_id", "no such pairing in this tenant")
        if raised_by not in (pairing.mentor_id, pairing.target_person_id) and not is_officer:
            raise InvalidInput.field("pairing_id", "not a pairing of the person raising the need")
        # The mentor's branch follows up what came out of its pairing.
        branch = pairing.org_unit_id
    need_id = new_id()
    uow.session.execute(models.needs.insert().values(
        id=need_id, tenant_id=tenant_id, org_unit_id=branch, raised_by=raised_by, recorded_by=actor_id,
        pairing_id=data.pairing_id, activity_id=data.activity_id, title=data.title, description=data.description,
        status=RAISED, raised_on=raised_on))
    uow.session.execute(models.need_transitions.insert().values(
        id=new_id(), tenant_id=tenant_id, need_id=need_id, from_status=None, to_status=RAISED, by_person_id=actor_id))
    row = _need(uow.session, tenant_id, need_id)
    uow.publish(NeedRaised(tenant_id=tenant_id, pairing_id=data.pairing_id, **_facts(row)))
    return need_dict(row, today)


def assign_need(uow: UnitOfWork, tenant_id, need_id, data: pairing_api.NeedAssign, actor_id) -> dict:
    row = _need(uow.session, tenant_id, need_id, lock=True)
    to_status = next_status(row.status, "assign")
    lookups.named_person(uow.session, tenant_id, data.assignee_id, "assignee_id")
    row = _move(uow, tenant_id, row, to_status, actor_id, data.note, assignee_id=data.assignee_id)
    uow.publish(NeedAssigned(tenant_id=tenant_id, assignee_id=data.assignee_id, **_facts(row)))
    return need_dict(row, tenant_today(uow.session, tenant_id))


def resolve_need(uow: UnitOfWork, tenant_id, need_id, data: pairing_api.NeedResolve, actor_id, is_officer) -> dict:
    row = _need(uow.session, tenant_id, need_id, lock=True)
    if not is_officer and actor_id != row.assignee_id:
        raise Forbidden("only the assignee or a branch officer resolves a need")
    to_status = next_status(row.status, "resolve")
    row = _move(uow, tenant_id, row, to_status, actor_id, None, resolution=data.resolution)
    uow.publish(NeedResolved(tenant_id=tenant_id, **_facts(row)))
    return need_dict(row, tenant_today(uow.session, tenant_id))


def _require_raiser(row, actor_id, action: str) -> None:
    if actor_id != row.raised_by:
        raise Forbidden(f"only the person who raised the need may {action} it")


def confirm_need(uow: UnitOfWork, tenant_id, need_id, data: pairing_api.NeedConfirm, actor_id) -> dict:
    row = _need(uow.session, tenant_id, need_id, lock=True)
    _require_raiser(row, actor_id, "confirm")
    to_status = next_status(row.status, "confirm")
    today = tenant_today(uow.session, tenant_id)
    closed_on = max(today, row.raised_on)
    row = _move(uow, tenant_id, row, to_status, actor_id, data.note, closed_on=closed_on)
    uow.publish(NeedConfirmed(tenant_id=tenant_id, closed_on=closed_on,
                              days_to_close=(closed_on - row.raised_on).days, **_facts(row)))
    return need_dict(row)


def reopen_need(uow: UnitOfWork, tenant_id, need_id, data: pairing_api.NeedReopen, actor_id) -> dict:
    """Not solved after all: back to the assignee, who is told again."""
    row = _need(uow.session, tenant_id, need_id, lock=True)
    _require_raiser(row, actor_id, "reopen")
    to_status = next_status(row.status, "reopen")
    row = _move(uow, tenant_id, row, to_status, actor_id, data.reason)
    uow.publish(NeedAssigned(tenant_id=tenant_id, assignee_id=row.assignee_id, **_facts(row)))
    return need_dict(row, tenant_today(uow.session, tenant_id))


def get_need(session, tenant_id, need_id) -> dict:
    row = _need(session, tenant_id, need_id)
    body = need_dict(row, tenant_today(session, tenant_id))
    t = models.need_transitions
    steps = session.execute(select(t).where(t.c.tenant_id == tenant_id, t.c.need_id == need_id)
                            .order_by(t.c.at, t.c.id)).all()
    body["history"] = [{"from_status": s.from_status, "to_status": s.to_status,
                        "by_person_id": str(s.by_person_id) if s.by_person_id else None, "note": s.note,
                        "at": s.at.isoformat()} for s in steps]
    return body


def may_read(row_dict: dict, actor_id, is_officer: bool) -> bool:
    ids = {row_dict["raised_by"], row_dict["assignee_id"]}
    return is_officer or (actor_id is not None and str(actor_id) in ids)


def branch_needs(session, tenant_id, org_unit_id) -> dict:
    """Open needs (oldest first) and how long each closed need took."""
    if lookups.org_unit(session, tenant_id, org_unit_id) is None:
        raise NotFound("org unit not found")
    branch = branch_of(session, tenant_id, org_unit_id)
    today = tenant_today(session, tenant_id)
    n = models.needs
    rows = session.execute(_query().where(n.c.tenant_id == tenant_id, n.c.org_unit_id == branch)
                           .order_by(n.c.raised_on, n.c.created_at)).all()
    open_items = [need_dict(r, today) for r in rows if r.status != CLOSED]
    closed = [need_dict(r) for r in sorted((r for r in rows if r.status == CLOSED),
                                           key=lambda r: (r.closed_on, r.raised_on), reverse=True)]
    days = [c["days_to_close"] for c in closed]
    return {"org_unit_id": str(branch), "on": today.isoformat(), "open": open_items, "closed": closed,
            "average_days_to_close": round(sum(days) / len(days), 1) if days else None}


def scan_needs(uow: UnitOfWork, tenant_id: uuid.UUID, today: date) -> int:
    """Escalate, once, every need open or assigned longer than its branch allows on `today`."""
    n, s = models.needs, models.pairing_settings
    limit = func.coalesce(s.c.need_overdue_days, DEFAULT_NEED_OVERDUE_DAYS)
    candidates = uow.session.execute(
        select(n.c.id, n.c.org_unit_id, n.c.raised_on, limit.label("limit"))
        .outerjoin(s, (s.c.tenant_id == n.c.tenant_id) & (s.c.org_unit_id == n.c.org_unit_id))
        .where(n.c.tenant_id == tenant_id, n.c.status.in_(WAITING), n.c.escalated_on.is_(None),
               n.c.raised_on < today)
        .order_by(n.c.raised_on, n.c.id)
    ).all()
    escalated = 0
    for candidate in candidates:
        days_overdue = (today - candidate.raised_on).days - candidate.limit
        if days_overdue < 1:
            continue
        # The claim: whichever run sets escalated_on first publishes; a racing replica waits on the
        # row lock, re-reads escalated_on and matches nothing.
        claimed = uow.session.execute(
            n.update().where(n.c.id == candidate.id, n.c.escalated_on.is_(None), n.c.status.in_(WAITING))
            .values(escalated_on=today).returning(n.c.id)
        ).first()
        if claimed is None:
            continue
        row = _need(uow.session, tenant_id, candidate.id)
        uow.publish(NeedOverdue(tenant_id=tenant_id, status=row.status, days_overdue=days_overdue,
                                secretary_ids=secretaries(uow.session, tenant_id, row.org_unit_id), **_facts(row)))
        escalated += 1
    return escalated
