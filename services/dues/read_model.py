"""The roster as dues keeps it, from the members service's events (services/common/roster.py),
and the questions the dues use cases ask of it."""
from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from services.common import roster
from services.common.contracts.members import MemberJoined
from services.common.db import UnitOfWork
from services.common.errors import InvalidInput, NotFound
from services.dues import models


class DuesRoster(roster.RosterReadModel):
    """The roster read model, plus each joiner's staff number."""

    def remember_member(self, uow: UnitOfWork, event: MemberJoined) -> None:
        super().remember_member(uow, event)
        if event.external_no:
            uow.session.execute(insert(models.member_numbers).values(
                member_id=event.member_id, tenant_id=event.tenant_id, external_no=event.external_no,
            ).on_conflict_do_nothing())


HANDLERS = DuesRoster(models.members_view, models.org_units, models.tenants)


# --- reading it ----------------------------------------------------------------------------------

def tree(session, tenant_id) -> roster.OrgTree:
    return roster.OrgTree.load(session, models.org_units, tenant_id)


def tenant_today(session, tenant_id, now: datetime | None = None) -> date:
    return roster.today_in(roster.timezone_of(session, models.tenants, tenant_id), now)


def member(session, tenant_id, member_id: uuid.UUID):
    """The member as the read model knows them; another tenant's (or an unknown) id is NotFound."""
    mv = models.members_view
    row = session.execute(select(mv).where(mv.c.tenant_id == tenant_id, mv.c.member_id == member_id)).first()
    if row is None:
        raise NotFound("member not found")
    return row


def is_party_member_on(session, tenant_id, member_id, day: date) -> bool:
    mv = models.members_view
    return session.execute(select(mv.c.member_id).where(
        mv.c.tenant_id == tenant_id, mv.c.member_id == member_id, roster.counted_on(mv, day),
        mv.c.political_status.isnot(None))).first() is not None


def require_party_member(session, tenant_id, member_id, day: date, field: str = "member_id") -> None:
    if not is_party_member_on(session, tenant_id, member_id, day):
        raise InvalidInput.field(field, f"is not a Party member (probationary or full) on {day.isoformat()}; "
                                        "dues are owed by Party members only")


def branch_members(session, tenant_id, branch_id, day: date) -> list:
    """(member_id, org_unit_id, name) of the Party members of a branch and its groups on `day`."""
    mv = models.members_view
    units = tree(session, tenant_id).closing_units(branch_id)
    return session.execute(select(mv.c.member_id, mv.c.org_unit_id, mv.c.name).where(
        mv.c.tenant_id == tenant_id, mv.c.org_unit_id.in_(units), roster.counted_on(mv, day),
        mv.c.political_status.isnot(None)).order_by(mv.c.name, mv.c.member_id)).all()


def require_branch(session, tenant_id, org_unit_id) -> uuid.UUID:
    """`org_unit_id` as a branch of this tenant: 404 when unknown here, 400 for a group."""
    known = tree(session, tenant_id)
    kind = known.kind(org_unit_id)
    if kind is None:
        raise NotFound("org unit not found")
    if known.branch_of(org_unit_id) != org_unit_id:
        raise InvalidInput.field("org_unit_id", "dues are assessed, imported and reported per branch; "
                                                "a group's members are in its branch")
    return org_unit_id


def names(session, tenant_id, member_ids) -> dict:
    mv = models.members_view
    ids = list(set(member_ids))
    if not ids:
        return {}
    return dict(session.execute(select(mv.c.member_id, mv.c.name).where(
        mv.c.tenant_id == tenant_id, mv.c.member_id.in_(ids))).all())
