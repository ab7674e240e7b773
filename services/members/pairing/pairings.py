"""Pairings (手拉手、一帮一): who mentors whom, formed, ended and changed.

A Party-member teacher (the mentor) has at most one active pairing per target kind: a non-Party
teacher, a class, a student Party member. Ending a pairing or changing its target keeps the old
row (ended) and starts a new one, so the rows are the history. A person who leaves the roster
ends every pairing they are in (`end_for_leaver`, called by people.leave in its transaction).
"""
from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import aliased

from services.common.contracts.pairing import PairingEnded, PairingFormed
from services.common.db import UnitOfWork, new_id
from services.common.errors import Conflict, InvalidInput, NotFound
from services.members import lookups, models, statuses
from services.common.contracts.api import pairing as pairing_api
from services.members.pairing.rhythm import branch_of, branch_settings, not_future, tenant_today


mentors = aliased(models.people, name="mentor")
targets = aliased(models.people, name="target")


def pairing_query():
    p = models.pairings
    return (select(p, mentors.c.name.label("mentor_name"), targets.c.name.label("target_name"))
            .join(mentors, mentors.c.id == p.c.mentor_id)
            .outerjoin(targets, targets.c.id == p.c.target_person_id))


def label_of(row) -> str:
    return row.target_class if row.target_kind == "class" else row.target_name


def pairing_dict(row, today: date | None = None) -> dict:
    body = {
        "id": str(row.id), "mentor_id": str(row.mentor_id), "mentor_name": row.mentor_name,
        "org_unit_id": str(row.org_unit_id), "target_kind": row.target_kind,
        "target_person_id": str(row.target_person_id) if row.target_person_id else None,
        "target_class": row.target_class, "target_label": label_of(row),
        "started_on": row.started_on.isoformat(), "ended_on": row.ended_on.isoformat() if row.ended_on else None,
        "end_reason": row.end_reason, "active": row.ended_on is None,
        "last_contact_on": row.last_contact_on.isoformat() if row.last_contact_on else None,
        "next_due_on": row.next_due_on.isoformat(),
    }
    if today is not None and row.ended_on is None:
        body["days_overdue"] = max(0, (today - row.next_due_on).days)
    return body


def _pairing_row(session, tenant_id, pairing_id, *, lock: bool = False):
    p = models.pairings
    if lock:
        # Lock the pairing row alone (not the joined people) before reading it with names.
        if session.execute(select(p.c.id).where(p.c.id == pairing_id, p.c.tenant_id == tenant_id)
                           .with_for_update()).first() is None:
            raise NotFound("pairing not found")
    row = session.execute(pairing_query().where(p.c.id == pairing_id, p.c.tenant_id == tenant_id)).first()
    if row is None:
        raise NotFound("pairing not found")
    return row


def get_pairing(session, tenant_id, pairing_id) -> dict:
    row = _pairing_row(session, tenant_id, pairing_id)
    body = pairing_dict(row, tenant_today(session, tenant_id))
    c = models.pairing_contacts
    contacts = session.execute(select(c.c.activity_id, c.c.occurred_on).where(c.c.pairing_id == pairing_id)
                               .order_by(c.c.occurred_on.desc())).all()
    body["contacts"] = [{"activity_id": str(x.activity_id), "occurred_on": x.occurred_on.isoformat()}
                        for x in contacts]
    return body


def member_pairings(session, tenant_id, member_id, include_ended: bool) -> list[dict]:
    lookups.person(session, tenant_id, member_id)
    p = models.pairings
    query = pairing_query().where(p.c.tenant_id == tenant_id, p.c.mentor_id == member_id)
    if not include_ended:
        query = query.where(p.c.ended_on.is_(None))
    today = tenant_today(session, tenant_id)
    rows = session.execute(query.order_by(p.c.target_kind, p.c.started_on.desc(), p.c.created_at.desc())).all()
    return [pairing_dict(r, today) for r in rows]


def branch_pairings(session, tenant_id, org_unit_id) -> dict:
    if lookups.org_unit(session, tenant_id, org_unit_id) is None:
        raise NotFound("org unit not found")
    branch = branch_of(session, tenant_id, org_unit_id)
    p = models.pairings
    today = tenant_today(session, tenant_id)
    rows = session.execute(pairing_query().where(p.c.tenant_id == tenant_id, p.c.org_unit_id == branch,
                                                  p.c.ended_on.is_(None))
                           .order_by(p.c.next_due_on, mentors.c.name, p.c.target_kind)).all()
    items = [pairing_dict(r, today) for r in rows]
    return {"org_unit_id": str(branch), "on": today.isoformat(), "items": items,
            "overdue": sum(1 for i in items if i["days_overdue"] > 0)}


# -- forming, ending, changing ------------------------------------------------------------------

# What the person of each person-target kind must be, and what to say when they are not.
PERSON_TARGETS = {
    "staff_non_party": (lambda p: p.category == "staff" and p.political_status not in statuses.PARTY_MEMBERS,
                        "a staff_non_party pairing needs a staff member who is not a Party member"),
    "student_member": (lambda p: p.category == "student" and p.political_status in statuses.PARTY_MEMBERS,
                       "a student_member pairing needs a student who is a Party member (probationary or full)"),
}


def _class_target(person_id, class_name) -> tuple[None, str]:
    if person_id is not None:
        raise InvalidInput.field("target_person_id", "a class pairing names target_class, not a person")
    if not class_name:
        raise InvalidInput.field("target_class", "required for a class pairing")
    return None, class_name


def _check_target(session, tenant_id, kind: str, mentor_id, person_id, class_name):
    """(target_person_id, target_class) for `kind`, or InvalidInput naming the field."""
    if kind == "class":
        return _class_target(person_id, class_name)
    if class_name is not None:
        raise InvalidInput.field("target_class", f"only a class pairing has one; {kind} names target_person_id")
    if person_id is None:
        raise InvalidInput.field("target_person_id", f"required for a {kind} pairing")
    if person_id == mentor_id:
        raise InvalidInput.field("target_person_id", "a mentor cannot be paired with themself")
    person = lookups.named_person(session, tenant_id, person_id, "target_person_id")
    fits, reason = PERSON_TARGETS[kind]
    if not fits(person):
        raise InvalidInput.field("target_person_id", reason)
    return person_id, None


def _insert_pairing(uow: UnitOfWork, tenant_id, branch_id, mentor_id, kind, person_id, class_name,
                    started_on: date) -> uuid.UUID:
    every, _ = branch_settings(uow.session, tenant_id, branch_id)
    p = models.pairings
    pairing_id = new_id()
    created = uow.session.execute(
        insert(p).values(id=pairing_id, tenant_id=tenant_id, org_unit_id=branch_id, mentor_id=mentor_id,
                         target_kind=kind, target_person_id=person_id, target_class=class_name,
                         started_on=started_on, next_due_on=started_on + timedelta(days=every))
        .on_conflict_do_nothing(index_elements=[p.c.tenant_id, p.c.mentor_id, p.c.target_kind],
                                index_where=p.c.ended_on.is_(None))
        .returning(p.c.id)
    ).first()
    if created is None:
        raise Conflict(f"target_kind: this mentor already has an active {kind} pairing; end or change it first",
                       [{"field": "target_kind", "reason": f"already has an active {kind} pairing"}])
    return pairing_id


def _formed(uow: UnitOfWork, tenant_id, pairing_id) -> dict:
    row = _pairing_row(uow.session, tenant_id, pairing_id)
    uow.publish(PairingFormed(
        tenant_id=tenant_id, pairing_id=row.id, mentor_id=row.mentor_id, org_unit_id=row.org_unit_id,
        target_kind=row.target_kind, target_person_id=row.target_person_id, target_label=label_of(row),
        started_on=row.started_on, next_due_on=row.next_due_on))
    return pairing_dict(row, tenant_today(uow.session, tenant_id))


def create_pairing(uow: UnitOfWork, tenant_id, data: pairing_api.PairingCreate) -> dict:
    today = tenant_today(uow.session, tenant_id)
    started_on = not_future(data.started_on, today, "started_on")
    # Locked: two requests for the same mentor are serialised (the unique index backs this up).
    mentor = lookups.named_person(uow.session, tenant_id, data.mentor_id, "mentor_id", lock=True)
    if mentor.category != "staff" or mentor.political_status not in statuses.PARTY_MEMBERS:
        raise InvalidInput.field("mentor_id", "a mentor is a teacher who is a Party member (probationary or full)")
    person_id, class_name = _check_target(uow.session, tenant_id, data.target_kind, data.mentor_id,
                                          data.target_person_id, data.target_class)
    branch = branch_of(uow.session, tenant_id, mentor.org_unit_id)
    pairing_id = _insert_pairing(uow, tenant_id, branch, data.mentor_id, data.target_kind, person_id, class_name,
                                 started_on)
    return _formed(uow, tenant_id, pairing_id)


def _end(uow: UnitOfWork, tenant_id, row, ended_on: date, reason: str, field: str) -> None:
    if row.ended_on is not None:
        raise Conflict(f"{field}: this pairing already ended on {row.ended_on.isoformat()}",
                       [{"field": field, "reason": "pairing already ended"}])
    if ended_on < row.started_on:
        raise InvalidInput.field(field, f"must not precede the pairing's start {row.started_on.isoformat()}")
    p = models.pairings
    uow.session.execute(p.update().where(p.c.id == row.id).values(ended_on=ended_on, end_reason=reason))
    uow.publish(PairingEnded(tenant_id=tenant_id, pairing_id=row.id, mentor_id=row.mentor_id,
                             org_unit_id=row.org_unit_id, target_kind=row.target_kind, ended_on=ended_on,
                             reason=reason))


def end_for_leaver(uow: UnitOfWork, tenant_id, person_id, left_on: date) -> int:
    """A person who leaves the roster ends every active pairing they are in, as mentor or as
    target: otherwise the overdue scan would keep asking a mentor who is gone for contacts."""
    p = models.pairings
    rows = uow.session.execute(select(p).where(
        p.c.tenant_id == tenant_id, p.c.ended_on.is_(None),
        (p.c.mentor_id == person_id) | (p.c.target_person_id == person_id)).with_for_update()).all()
    for row in rows:
        _end(uow, tenant_id, row, max(left_on, row.started_on), "left the roster", "left_on")
    return len(rows)


def end_pairing(uow: UnitOfWork, tenant_id, pairing_id, data: pairing_api.PairingEnd) -> dict:
    row = _pairing_row(uow.session, tenant_id, pairing_id, lock=True)
    ended_on = not_future(data.ended_on, tenant_today(uow.session, tenant_id), "ended_on")
    _end(uow, tenant_id, row, ended_on, data.reason, "ended_on")
    return pairing_dict(_pairing_row(uow.session, tenant_id, pairing_id))


def change_target(uow: UnitOfWork, tenant_id, pairing_id, data: pairing_api.PairingChange) -> dict:
    """End the pairing and start one of the same kind with the new target, from `changed_on`."""
    row = _pairing_row(uow.session, tenant_id, pairing_id, lock=True)
    changed_on = not_future(data.changed_on, tenant_today(uow.session, tenant_id), "changed_on")
    person_id, class_name = _check_target(uow.session, tenant_id, row.target_kind, row.mentor_id,
                                          data.target_person_id, data.target_class)
    if (person_id, class_name) == (row.target_person_id, row.target_class):
        field = "target_class" if row.target_kind == "class" else "target_person_id"
        raise InvalidInput.field(field, "is already this pairing's target")
    _end(uow, tenant_id, row, changed_on, data.reason, "changed_on")
    new_pairing = _insert_pairing(uow, tenant_id, row.org_unit_id, row.mentor_id, row.target_kind, person_id,
                                  class_name, changed_on)
    return _formed(uow, tenant_id, new_pairing)
