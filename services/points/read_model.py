"""What points keeps of the roster, from members' events, and the questions it asks of it.

The tables and how each members event applies to them are shared (`services.common.roster`).
Points adds its own part (`PointsRoster`): every transfer with its date (`unit_changes`), so an activity counts in
the unit the member was in on its day, a month already over is closed with the units members had
then, and the balances of periods ending after a transfer move with the member.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, bindparam, cast, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY, UUID, insert

from services.common import roster
from services.common.contracts.members import MemberTransferred
from services.common.db import UnitOfWork
from services.points import models
from services.points.rules import period_end


class PointsRoster(roster.RosterReadModel):
    """The roster read model, plus each transfer's date and its effect on balances."""

    def follow_transfer(self, uow: UnitOfWork, event: MemberTransferred) -> None:
        """Later activities count in the new unit; the ledger keeps the units entries were made in,
        and balances of periods ending on or after the transfer move with the member."""
        super().follow_transfer(uow, event)
        session = uow.session
        session.execute(insert(models.unit_changes).values(
            event_id=event.event_id, tenant_id=event.tenant_id, member_id=event.member_id,
            from_org_unit_id=event.from_org_unit_id, to_org_unit_id=event.to_org_unit_id,
            effective_on=event.effective_on, recorded_at=event.occurred_at,
        ).on_conflict_do_nothing())
        bal = models.balances
        periods = session.execute(select(bal.c.period).distinct().where(
            bal.c.tenant_id == event.tenant_id, bal.c.member_id == event.member_id)).scalars().all()
        for period in periods:
            if period_end(period) >= event.effective_on:
                session.execute(bal.update().where(
                    bal.c.tenant_id == event.tenant_id, bal.c.member_id == event.member_id, bal.c.period == period,
                ).values(org_unit_id=unit_on(session, event.tenant_id, event.member_id, period_end(period),
                                             event.to_org_unit_id)))


HANDLERS = PointsRoster(models.members_view, models.org_units, models.tenants)


def tree(session, tenant_id) -> roster.OrgTree:
    return roster.OrgTree.load(session, models.org_units, tenant_id)


def tenant_today(session, tenant_id, now: datetime | None = None) -> date:
    return roster.today_in(roster.timezone_of(session, models.tenants, tenant_id), now)


def unnest(**arrays):
    """Rows from parallel arrays, one per batch item: unnest(...) WITH ORDINALITY, `i` from 1.
    The statement's text does not depend on the batch's size, so SQLAlchemy compiles it once."""
    return func.unnest(*(cast(bindparam(name, values), ARRAY(type_)) for name, (type_, values) in arrays.items())) \
        .table_valued(*arrays, with_ordinality="i").render_derived()


def _unit_at(tenant_id, member_id, day: date):
    """SQL: the unit a member was in on `day` from the transfers known (null when none bear on it):
    the latest transfer in force by then, else where the first later transfer moved them from."""
    c = models.unit_changes
    mine = (c.c.tenant_id == tenant_id, c.c.member_id == member_id)
    after = select(c.c.to_org_unit_id).where(*mine, c.c.effective_on <= day).order_by(
        c.c.effective_on.desc(), c.c.recorded_at.desc()).limit(1).scalar_subquery()
    before = select(c.c.from_org_unit_id).where(*mine, c.c.effective_on > day).order_by(
        c.c.effective_on, c.c.recorded_at).limit(1).scalar_subquery()
    return func.coalesce(after, before)


def units_at(session, wanted: list[tuple]) -> dict[tuple, uuid.UUID]:
    """The unit each (tenant, member, day) of `wanted` was in by the transfers known, in one
    read; missing where no transfer bears on it (see `_unit_at`)."""
    wanted = list(dict.fromkeys(wanted))
    w = unnest(t=(UUID, [t for t, _, _ in wanted]), m=(UUID, [m for _, m, _ in wanted]),
               d=(Date, [d for _, _, d in wanted]))
    rows = session.execute(select(w.c.i, _unit_at(w.c.t, w.c.m, w.c.d))).all()
    return {wanted[i - 1]: unit for i, unit in rows if unit is not None}


def unit_on(session, tenant_id, member_id, day: date, fallback):
    return units_at(session, [(tenant_id, member_id, day)]).get((tenant_id, member_id, day)) or fallback


def members_on(session, tenant_id, units: list | None, day: date, tenant_ids=None):
    """(member_id, unit on `day`) of the members counted on `day` whose unit then is in `units`;
    with `units` None, (tenant_id, member_id, unit) of every member counted on `day`, across
    `tenant_ids` (every tenant when None)."""
    mv, c = models.members_view, models.unit_changes
    at = func.coalesce(_unit_at(mv.c.tenant_id, mv.c.member_id, day), mv.c.org_unit_id).label("unit")
    query = select(mv.c.tenant_id, mv.c.member_id, at).where(roster.counted_on(mv, day))
    if units is None:
        return session.execute(query.where(mv.c.tenant_id.in_(tenant_ids)) if tenant_ids is not None else query).all()
    moved = select(c.c.member_id).where(c.c.tenant_id == tenant_id, or_(
        c.c.to_org_unit_id.in_(units), c.c.from_org_unit_id.in_(units)))
    rows = session.execute(query.where(mv.c.tenant_id == tenant_id, or_(
        mv.c.org_unit_id.in_(units), mv.c.member_id.in_(moved)))).all()
    wanted = set(units)
    return [(m, u) for _, m, u in rows if u in wanted]
