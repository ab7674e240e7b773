"""Notices with receipts (通知公告 / 签收): an admin or a secretary sends a notice to a unit and
everything below it; each recipient acknowledges it; the sender sees who has and who has not, and
reminds the rest. Delivered through the inbox (and the unit's robots when configured), each
inbox message idempotent by its cause: the notice (or its n-th reminder) and the person."""
from __future__ import annotations

import uuid

from sqlalchemy import func, select, update

from services.common import roster as common_roster
from services.common.db import UnitOfWork, new_id, utcnow
from services.common.errors import Forbidden, InvalidInput, NotFound
from services.common.tenancy import Caller
from services.notify import models
from services.notify.sending import PersonNotice, notify_branch, notify_people


def _tree(session, tenant_id) -> common_roster.OrgTree:
    return common_roster.OrgTree.load(session, models.org_units, tenant_id)


def require_sender(caller: Caller, org_unit_id) -> None:
    """Admins, and the secretaries of the unit (or of a unit above it)."""
    if not (caller.is_admin or caller.has_any("secretary")):
        raise Forbidden("notices are sent by an admin or a secretary")
    caller.require_manages(org_unit_id)


def send(uow: UnitOfWork, tenant_id, org_unit_id: uuid.UUID, title: str, body: str, caller: Caller) -> dict:
    session = uow.session
    org_tree = _tree(session, tenant_id)
    if org_tree.kind(org_unit_id) is None:
        raise NotFound("org unit not found")
    require_sender(caller, org_unit_id)
    r = models.recipients
    people = session.execute(select(r.c.person_id, r.c.org_unit_id).where(
        r.c.tenant_id == tenant_id, r.c.org_unit_id.in_(org_tree.subtree(org_unit_id)), r.c.left_on.is_(None))).all()
    if not people:
        raise InvalidInput.field("org_unit_id", "nobody is in this unit or below it")
    notice_id = new_id()
    session.execute(models.notices.insert().values(
        id=notice_id, tenant_id=tenant_id, org_unit_id=org_unit_id, title=title, body=body, sent_by=caller.caller_id))
    session.execute(models.notice_receipts.insert(), [
        dict(notice_id=notice_id, person_id=person, tenant_id=tenant_id, org_unit_id=unit) for person, unit in people])
    fields = {"title": title, "body": body}
    notify_people(uow, [PersonNotice(tenant_id, person, "notice_published", f"notice:{notice_id}:{person}", fields,
                                     org_unit_id=unit) for person, unit in people])
    notify_branch(uow, tenant_id, org_unit_id, "notice_published_branch", f"notice:{notice_id}", fields)
    return receipts(session, tenant_id, notice_id, caller)


def _notice(session, tenant_id, notice_id, *, lock: bool = False) -> dict:
    n = models.notices
    query = select(n).where(n.c.id == notice_id, n.c.tenant_id == tenant_id)
    row = session.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound("notice not found")
    return dict(row._mapping)


def receipts(session, tenant_id, notice_id, caller: Caller) -> dict:
    """The notice with who has acknowledged it and who has not: for its sender's side (an
    officer of its unit); a recipient sees the notice and their own receipt."""
    notice = _notice(session, tenant_id, notice_id)
    rc, people = models.notice_receipts, models.recipients
    query = (select(rc.c.person_id, rc.c.acknowledged_at, rc.c.last_reminded_at, people.c.name)
             .join(people, (people.c.tenant_id == rc.c.tenant_id) & (people.c.person_id == rc.c.person_id), isouter=True)
             .where(rc.c.notice_id == notice_id).order_by(people.c.name))
    if not caller.manages(notice["org_unit_id"]):
        query = query.where(rc.c.person_id == caller.caller_id)
    rows = session.execute(query).all()
    if not caller.manages(notice["org_unit_id"]) and not rows:
        raise NotFound("notice not found")
    listed = [{"person_id": str(row.person_id), "name": row.name,
               "acknowledged_at": row.acknowledged_at.isoformat() if row.acknowledged_at else None,
               "last_reminded_at": row.last_reminded_at.isoformat() if row.last_reminded_at else None}
              for row in rows]
    return {"id": str(notice["id"]), "org_unit_id": str(notice["org_unit_id"]), "title": notice["title"],
            "body": notice["body"], "sent_at": notice["sent_at"].isoformat(), "reminders": notice["reminders"],
            "acknowledged": [p for p in listed if p["acknowledged_at"]],
            "not_acknowledged": [p for p in listed if not p["acknowledged_at"]]}


def acknowledge(uow: UnitOfWork, tenant_id, notice_id, caller: Caller) -> dict:
    """The recipient's receipt; acknowledging again keeps the first time."""
    _notice(uow.session, tenant_id, notice_id)
    rc = models.notice_receipts
    mine = (rc.c.notice_id == notice_id) & (rc.c.person_id == caller.caller_id)
    row = uow.session.execute(select(rc.c.acknowledged_at).where(mine).with_for_update()).first()
    if row is None:
        raise InvalidInput.field("notice_id", "this notice was not sent to you")
    at = row.acknowledged_at
    if at is None:
        at = utcnow()
        uow.session.execute(update(rc).where(mine).values(acknowledged_at=at))
    return {"notice_id": str(notice_id), "person_id": str(caller.caller_id), "acknowledged_at": at.isoformat()}


def remind(uow: UnitOfWork, tenant_id, notice_id, caller: Caller) -> dict:
    """Remind everybody who has not acknowledged yet, once per reminder (its number is in the cause)."""
    session = uow.session
    notice = _notice(session, tenant_id, notice_id, lock=True)
    require_sender(caller, notice["org_unit_id"])
    rc = models.notice_receipts
    waiting = session.execute(select(rc.c.person_id, rc.c.org_unit_id).where(
        rc.c.notice_id == notice_id, rc.c.acknowledged_at.is_(None))).all()
    if not waiting:
        return {"notice_id": str(notice_id), "reminded": [], "reminders": notice["reminders"]}
    number = notice["reminders"] + 1
    session.execute(update(models.notices).where(models.notices.c.id == notice_id).values(reminders=number))
    session.execute(update(rc).where(rc.c.notice_id == notice_id, rc.c.acknowledged_at.is_(None))
                    .values(last_reminded_at=func.now()))
    fields = {"title": notice["title"], "sent_on": notice["sent_at"].date().isoformat()}
    notify_people(uow, [PersonNotice(tenant_id, person, "notice_reminder", f"notice_reminder:{notice_id}:{number}:{person}",
                                     fields, org_unit_id=unit) for person, unit in waiting])
    return {"notice_id": str(notice_id), "reminded": sorted(str(p) for p, _ in waiting), "reminders": number}


def for_person(session, tenant_id, person_id) -> list[dict]:
    """A person's notices, newest first, with their own receipt."""
    n, rc = models.notices, models.notice_receipts
    rows = session.execute(select(n.c.id, n.c.title, n.c.sent_at, rc.c.acknowledged_at)
                           .join(rc, rc.c.notice_id == n.c.id)
                           .where(rc.c.tenant_id == tenant_id, rc.c.person_id == person_id)
                           .order_by(n.c.sent_at.desc())).all()
    return [{"id": str(row.id), "title": row.title, "sent_at": row.sent_at.isoformat(),
             "acknowledged_at": row.acknowledged_at.isoformat() if row.acknowledged_at else None} for row in rows]
