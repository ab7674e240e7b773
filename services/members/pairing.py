"""Pairings (手拉手、一帮一): who mentors whom, the follow-up clock, and the daily overdue scan.

A Party-member teacher (the mentor) has at most one active pairing per target kind: a non-Party
teacher, a class, a student Party member. Ending a pairing or changing its target keeps the old
row (ended) and starts a new one, so the rows are the history.

The clock: `next_due_on` is the last contact (or the start) plus the branch's cadence. Contacts
arrive only as `pairing_contact` activities, through activity events; the overdue scan claims one
row per (pairing, due date, level) before publishing, so a repeated run, a restart or a second
replica never announces the same overdue twice.
"""
from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import aliased

from services.common.contracts.activities import ActivityApproved, ActivityLogged, ActivityRejected
from services.common.contracts.pairing import PairingContactOverdue, PairingEnded, PairingFormed
from services.common.db import UnitOfWork, new_id
from services.common.errors import Conflict, InvalidInput, NotFound
from services.common.roster import DEFAULT_TIMEZONE, today_in
from services.members import lookups, models, statuses
from services.members import pairing_schemas as schemas

CONTACT_KIND = "pairing_contact"
DEFAULT_CONTACT_EVERY_DAYS = 30
DEFAULT_NEED_OVERDUE_DAYS = 14
TARGET_KINDS = models.PAIRING_TARGET_KINDS


# -- shared lookups ---------------------------------------------------------------------------

def tenant_today(session, tenant_id: uuid.UUID) -> date:
    zone = session.execute(select(models.tenants.c.timezone).where(models.tenants.c.id == tenant_id)).scalar()
    return today_in(zone or DEFAULT_TIMEZONE)


def branch_of(session, tenant_id: uuid.UUID, org_unit_id: uuid.UUID) -> uuid.UUID:
    """The branch whose rhythm applies: a group's parent branch, otherwise the unit itself."""
    unit = lookups.org_unit(session, tenant_id, org_unit_id)
    if unit is not None and unit.kind == "group" and unit.parent_id is not None:
        return unit.parent_id
    return org_unit_id


def branch_settings(session, tenant_id: uuid.UUID, branch_id: uuid.UUID) -> tuple[int, int]:
    s = models.pairing_settings
    row = session.execute(select(s).where(s.c.tenant_id == tenant_id, s.c.org_unit_id == branch_id)).first()
    if row is None:
        return DEFAULT_CONTACT_EVERY_DAYS, DEFAULT_NEED_OVERDUE_DAYS
    return row.contact_every_days, row.need_overdue_days


def secretaries(session, tenant_id: uuid.UUID, branch_id: uuid.UUID) -> list[uuid.UUID]:
    r = models.role_assignments
    return list(session.execute(
        select(r.c.person_id).where(r.c.tenant_id == tenant_id, r.c.org_unit_id == branch_id,
                                    r.c.role == "secretary", r.c.ended_on.is_(None)).order_by(r.c.person_id)
    ).scalars())


def _not_future(value: date | None, today: date, field: str) -> date:
    if value is None:
        return today
    if value > today:
        raise InvalidInput.field(field, f"must not be after today ({today.isoformat()})")
    return value


# -- reading ----------------------------------------------------------------------------------

_mentor = aliased(models.people, name="mentor")
_target = aliased(models.people, name="target")


def _pairing_query():
    p = models.pairings
    return (select(p, _mentor.c.name.label("mentor_name"), _target.c.name.label("target_name"))
            .join(_mentor, _mentor.c.id == p.c.mentor_id)
            .outerjoin(_target, _target.c.id == p.c.target_person_id))


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
    row = session.execute(_pairing_query().where(p.c.id == pairing_id, p.c.tenant_id == tenant_id)).first()
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
    query = _pairing_query().where(p.c.tenant_id == tenant_id, p.c.mentor_id == member_id)
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
    rows = session.execute(_pairing_query().where(p.c.tenant_id == tenant_id, p.c.org_unit_id == branch,
                                                  p.c.ended_on.is_(None))
                           .order_by(p.c.next_due_on, _mentor.c.name, p.c.target_kind)).all()
    items = [pairing_dict(r, today) for r in rows]
    return {"org_unit_id": str(branch), "on": today.isoformat(), "items": items,
            "overdue": sum(1 for i in items if i["days_overdue"] > 0)}


# -- forming, ending, changing ------------------------------------------------------------------

def _check_target(session, tenant_id, kind: str, mentor_id, person_id, class_name):
    """(target_person_id, target_class) for `kind`, or InvalidInput naming the field."""
    if kind == "class":
        if person_id is not None:
            raise InvalidInput.field("target_person_id", "a class pairing names target_class, not a person")
        if not class_name:
            raise InvalidInput.field("target_class", "required for a class pairing")
        return None, class_name
    if class_name is not None:
        raise InvalidInput.field("target_class", f"only a class pairing has one; {kind} names target_person_id")
    if person_id is None:
        raise InvalidInput.field("target_person_id", f"required for a {kind} pairing")
    if person_id == mentor_id:
        raise InvalidInput.field("target_person_id", "a mentor cannot be paired with themself")
    try:
        person = lookups.person(session, tenant_id, person_id)
    except NotFound:
        raise InvalidInput.field("target_person_id", "no such person in this tenant") from None
    if person.left_at is not None:
        raise InvalidInput.field("target_person_id", "this person has left the roster")
    if kind == "staff_non_party" and (person.category != "staff" or person.political_status in statuses.PARTY_MEMBERS):
        raise InvalidInput.field("target_person_id", "a staff_non_party pairing needs a staff member who is not "
                                                     "a Party member")
    if kind == "student_member" and (person.category != "student"
                                     or person.political_status not in statuses.PARTY_MEMBERS):
        raise InvalidInput.field("target_person_id", "a student_member pairing needs a student who is a Party "
                                                     "member (probationary or full)")
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


def create_pairing(uow: UnitOfWork, tenant_id, data: schemas.PairingCreate) -> dict:
    today = tenant_today(uow.session, tenant_id)
    started_on = _not_future(data.started_on, today, "started_on")
    try:
        # Locked: two requests for the same mentor are serialised (the unique index backs this up).
        mentor = lookups.person(uow.session, tenant_id, data.mentor_id, lock=True)
    except NotFound:
        raise InvalidInput.field("mentor_id", "no such person in this tenant") from None
    if mentor.left_at is not None:
        raise InvalidInput.field("mentor_id", "this person has left the roster")
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


def end_pairing(uow: UnitOfWork, tenant_id, pairing_id, data: schemas.PairingEnd) -> dict:
    row = _pairing_row(uow.session, tenant_id, pairing_id, lock=True)
    ended_on = _not_future(data.ended_on, tenant_today(uow.session, tenant_id), "ended_on")
    _end(uow, tenant_id, row, ended_on, data.reason, "ended_on")
    return pairing_dict(_pairing_row(uow.session, tenant_id, pairing_id))


def change_target(uow: UnitOfWork, tenant_id, pairing_id, data: schemas.PairingChange) -> dict:
    """End the pairing and start one of the same kind with the new target, from `changed_on`."""
    row = _pairing_row(uow.session, tenant_id, pairing_id, lock=True)
    changed_on = _not_future(data.changed_on, tenant_today(uow.session, tenant_id), "changed_on")
    person_id, class_name = _check_target(uow.session, tenant_id, row.target_kind, row.mentor_id,
                                          data.target_person_id, data.target_class)
    if (person_id, class_name) == (row.target_person_id, row.target_class):
        field = "target_class" if row.target_kind == "class" else "target_person_id"
        raise InvalidInput.field(field, "is already this pairing's target")
    _end(uow, tenant_id, row, changed_on, data.reason, "changed_on")
    new_pairing = _insert_pairing(uow, tenant_id, row.org_unit_id, row.mentor_id, row.target_kind, person_id,
                                  class_name, changed_on)
    return _formed(uow, tenant_id, new_pairing)


# -- the branch's rhythm ------------------------------------------------------------------------

def _settings_dict(branch_id, every: int, need_days: int) -> dict:
    return {"org_unit_id": str(branch_id), "contact_every_days": every, "need_overdue_days": need_days}


def get_settings(session, tenant_id, org_unit_id) -> dict:
    if lookups.org_unit(session, tenant_id, org_unit_id) is None:
        raise NotFound("org unit not found")
    branch = branch_of(session, tenant_id, org_unit_id)
    return _settings_dict(branch, *branch_settings(session, tenant_id, branch))


def set_settings(uow: UnitOfWork, tenant_id, org_unit_id, data: schemas.PairingSettingsIn) -> dict:
    unit = lookups.org_unit(uow.session, tenant_id, org_unit_id)
    if unit is None:
        raise NotFound("org unit not found")
    if unit.kind != "branch":
        raise InvalidInput.field("org_unit_id", "the follow-up rhythm is set per branch")
    every, need_days = branch_settings(uow.session, tenant_id, org_unit_id)
    every = data.contact_every_days or every
    need_days = data.need_overdue_days or need_days
    s = models.pairing_settings
    values = {"contact_every_days": every, "need_overdue_days": need_days}
    uow.session.execute(insert(s).values(tenant_id=tenant_id, org_unit_id=org_unit_id, **values)
                        .on_conflict_do_update(index_elements=[s.c.tenant_id, s.c.org_unit_id],
                                               set_={**values, "updated_at": func.now()}))
    # Active pairings follow the new cadence from their last contact (or start).
    p = models.pairings
    uow.session.execute(p.update().where(p.c.tenant_id == tenant_id, p.c.org_unit_id == org_unit_id,
                                         p.c.ended_on.is_(None))
                        .values(next_due_on=func.coalesce(p.c.last_contact_on, p.c.started_on) + every))
    return _settings_dict(org_unit_id, every, need_days)


# -- contacts, from activity events --------------------------------------------------------------

def _refresh(uow: UnitOfWork, tenant_id, pairing_id) -> None:
    p, c = models.pairings, models.pairing_contacts
    row = uow.session.execute(select(p).where(p.c.id == pairing_id)).first()
    last = uow.session.execute(select(func.max(c.c.occurred_on)).where(c.c.pairing_id == pairing_id)).scalar()
    every, _ = branch_settings(uow.session, tenant_id, row.org_unit_id)
    uow.session.execute(p.update().where(p.c.id == pairing_id).values(
        last_contact_on=last, next_due_on=(last or row.started_on) + timedelta(days=every)))


def count_contact(uow: UnitOfWork, event: ActivityLogged | ActivityApproved) -> None:
    """A pairing_contact moves the clock of the mentor's pairing(s) it was about.

    `variant` names the target kind when the activities service sends it; without it the contact
    counts for every active pairing of the mentor (the catalogue's `target_type` detail does not
    travel on the event yet)."""
    if event.kind != CONTACT_KIND:
        return
    if isinstance(event, ActivityLogged) and event.status != "approved":
        return  # counted when approved
    p = models.pairings
    where = [p.c.tenant_id == event.tenant_id, p.c.mentor_id == event.member_id, p.c.ended_on.is_(None),
             p.c.started_on <= event.occurred_on]
    if event.variant in TARGET_KINDS:
        where.append(p.c.target_kind == event.variant)
    pairing_ids = uow.session.execute(select(p.c.id).where(*where).order_by(p.c.id).with_for_update()).scalars().all()
    c = models.pairing_contacts
    for pairing_id in pairing_ids:
        uow.session.execute(insert(c).values(pairing_id=pairing_id, activity_id=event.activity_id,
                                             tenant_id=event.tenant_id, occurred_on=event.occurred_on)
                            .on_conflict_do_nothing())
        _refresh(uow, event.tenant_id, pairing_id)


def withdraw_contact(uow: UnitOfWork, event: ActivityRejected) -> None:
    if event.kind != CONTACT_KIND:
        return
    c = models.pairing_contacts
    removed = uow.session.execute(c.delete().where(c.c.tenant_id == event.tenant_id,
                                                   c.c.activity_id == event.activity_id)
                                  .returning(c.c.pairing_id)).scalars().all()
    for pairing_id in sorted(removed):
        _refresh(uow, event.tenant_id, pairing_id)


# -- the overdue scan ---------------------------------------------------------------------------

def tenants_to_scan(session, tenant_id: uuid.UUID | None) -> list[tuple[uuid.UUID, str]]:
    t = models.tenants
    query = select(t.c.id, t.c.timezone).order_by(t.c.id)
    if tenant_id is not None:
        query = query.where(t.c.id == tenant_id)
    return [(r.id, r.timezone) for r in session.execute(query)]


def scan_pairings(uow: UnitOfWork, tenant_id: uuid.UUID, today: date) -> int:
    """Announce every pairing of the tenant whose contact is overdue on `today`; returns how many
    announcements this run made (0 when another run already made them)."""
    p, s, claims = models.pairings, models.pairing_settings, models.pairing_overdue_claims
    every = func.coalesce(s.c.contact_every_days, DEFAULT_CONTACT_EVERY_DAYS).label("every")
    rows = uow.session.execute(
        _pairing_query().add_columns(every)
        .outerjoin(s, and_(s.c.tenant_id == p.c.tenant_id, s.c.org_unit_id == p.c.org_unit_id))
        .where(p.c.tenant_id == tenant_id, p.c.ended_on.is_(None), p.c.next_due_on < today,
               _mentor.c.left_at.is_(None))
        .order_by(p.c.next_due_on, p.c.id)
    ).all()
    announced = 0
    for row in rows:
        days_overdue = (today - row.next_due_on).days
        levels = ["mentor"] + (["secretary"] if days_overdue >= row.every else [])
        for level in levels:
            claimed = uow.session.execute(
                insert(claims).values(pairing_id=row.id, due_on=row.next_due_on, level=level, tenant_id=tenant_id,
                                      scanned_on=today)
                .on_conflict_do_nothing().returning(claims.c.pairing_id)
            ).first()
            if claimed is None:
                continue
            uow.publish(PairingContactOverdue(
                tenant_id=tenant_id, pairing_id=row.id, mentor_id=row.mentor_id, mentor_name=row.mentor_name,
                org_unit_id=row.org_unit_id, target_kind=row.target_kind, target_label=label_of(row),
                due_on=row.next_due_on, on=today, days_overdue=days_overdue, level=level,
                secretary_ids=secretaries(uow.session, tenant_id, row.org_unit_id) if level == "secretary" else [],
            ))
            announced += 1
    return announced
