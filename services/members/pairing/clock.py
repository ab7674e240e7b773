"""The follow-up clock: `next_due_on` is the last contact (or the start) plus the branch's cadence.

Contacts arrive only as `pairing_contact` activities, through activity events; the overdue scan
claims one row per (pairing, due date, level) before publishing, so a repeated run, a restart or
a second replica never announces the same overdue twice.
"""
from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.dialects.postgresql import insert

from services.common.contracts.activities import ActivityApproved, ActivityLogged, ActivityRejected
from services.common.contracts.pairing import PairingContactOverdue
from services.common.db import UnitOfWork
from services.members import models
from services.members.pairing.pairings import label_of, mentors, pairing_query
from services.members.pairing.rhythm import DEFAULT_CONTACT_EVERY_DAYS, branch_settings, secretaries

CONTACT_KIND = "pairing_contact"
TARGET_KINDS = models.PAIRING_TARGET_KINDS


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
        pairing_query().add_columns(every)
        .outerjoin(s, and_(s.c.tenant_id == p.c.tenant_id, s.c.org_unit_id == p.c.org_unit_id))
        .where(p.c.tenant_id == tenant_id, p.c.ended_on.is_(None), p.c.next_due_on < today,
               mentors.c.left_at.is_(None))
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
