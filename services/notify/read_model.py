"""What notify learns from other services' events: the directory of people it can reach (from
members), each branch's activity days and the four duties each member did (from activities).

The reminders read these tables; the preferences a person sets themselves are in
services.notify.preferences.
"""
from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert

from services.common.contracts import FOUR_DUTIES
from services.common.contracts.activities import ActivityDayScheduled, ActivityLogged, ActivityRejected
from services.common import roster as common_roster
from services.common.contracts.members import (
    MemberJoined, MemberLeft, MemberStatusChanged, MemberTransferred, MemberUpdated, OrgUnitChanged, RoleAssigned,
)
from services.common.db import UnitOfWork, insert_rows
from services.notify import models


def recipient(session, tenant_id: uuid.UUID, person_id: uuid.UUID):
    r = models.recipients
    return session.execute(select(r).where(r.c.tenant_id == tenant_id, r.c.person_id == person_id)).first()


def recipient_unit(session, tenant_id: uuid.UUID, person_id: uuid.UUID) -> uuid.UUID | None:
    """The person's current org unit, as notify's directory knows it; None for a person it does not know."""
    row = recipient(session, tenant_id, person_id)
    return row.org_unit_id if row is not None else None


def remember_member(uow: UnitOfWork, event: MemberJoined) -> None:
    r = models.recipients
    known = {"org_unit_id": event.org_unit_id, "name": event.name, "political_status": event.political_status}
    uow.session.execute(
        insert(r).values(tenant_id=event.tenant_id, person_id=event.member_id, **known)
        .on_conflict_do_update(index_elements=[r.c.tenant_id, r.c.person_id],
                               set_={**known, "left_on": None, "updated_at": func.now()})
    )


def _update_recipient(uow: UnitOfWork, event, **values) -> None:
    """Set `values` on the directory row of the event's member (none yet: nothing to change)."""
    r = models.recipients
    uow.session.execute(
        update(r).where(r.c.tenant_id == event.tenant_id, r.c.person_id == event.member_id)
        .values(**values, updated_at=func.now())
    )


def follow_status(uow: UnitOfWork, event: MemberStatusChanged) -> None:
    _update_recipient(uow, event, political_status=event.to_status)


def follow_rename(uow: UnitOfWork, event: MemberUpdated) -> None:
    """The name notices greet a person by. Not the email: the directory's address is the one the
    person chose for notices (preferences), which a roster edit must not overwrite."""
    if "name" not in event.fields or event.name is None:
        return
    _update_recipient(uow, event, name=event.name)


def forget_member(uow: UnitOfWork, event: MemberLeft) -> None:
    _update_recipient(uow, event, left_on=event.left_on)


def follow_transfer(uow: UnitOfWork, event: MemberTransferred) -> None:
    _update_recipient(uow, event, org_unit_id=event.to_org_unit_id)


def remember_activity_day(uow: UnitOfWork, event: ActivityDayScheduled) -> None:
    a = models.activity_days
    values = {"org_unit_id": event.org_unit_id, "held_on": event.held_on}
    uow.session.execute(
        insert(a).values(tenant_id=event.tenant_id, day_id=event.day_id, **values)
        .on_conflict_do_update(index_elements=[a.c.tenant_id, a.c.day_id], set_=values)
    )


def mark_duties(uow: UnitOfWork, events: list[ActivityLogged]) -> None:
    """Remember which of the four duties each member did in a month, for a batch in one insert."""
    rows = [dict(tenant_id=e.tenant_id, activity_id=e.activity_id, person_id=e.member_id, period=e.period,
                 kind=e.kind) for e in events if e.kind in FOUR_DUTIES]
    insert_rows(uow.session, insert(models.duty_marks).on_conflict_do_nothing(), rows)


def unmark_duty(uow: UnitOfWork, event: ActivityRejected) -> None:
    m = models.duty_marks
    uow.session.execute(delete(m).where(m.c.tenant_id == event.tenant_id, m.c.activity_id == event.activity_id))


def remember_org_unit(uow: UnitOfWork, event: OrgUnitChanged) -> None:
    common_roster.remember_org_unit(uow.session, models.org_units, event)


def remember_officer(uow: UnitOfWork, event: RoleAssigned) -> None:
    """Who holds a branch role from when. (members announces appointments, not their end: an
    ended appointment stays here until it does.)"""
    uow.session.execute(insert(models.branch_officers).values(
        tenant_id=event.tenant_id, org_unit_id=event.org_unit_id, person_id=event.member_id, role=event.role,
        started_on=event.started_on).on_conflict_do_nothing())


def secretaries_of(session, tenant_id, org_unit_id) -> list[uuid.UUID]:
    o = models.branch_officers
    return list(session.execute(select(o.c.person_id).where(
        o.c.tenant_id == tenant_id, o.c.org_unit_id == org_unit_id, o.c.role == "secretary")
        .order_by(o.c.person_id)).scalars())
