"""Activity days without anybody asking: every open branch has its 4th Thursdays for the current
and the next year, in the tenant's time zone.

They are scheduled when the branch comes to exist (its org_unit_changed) or its tenant's zone is
learnt (tenant_configured; whichever of the two arrives last finds both), and at the year's turn
by a timer every replica runs (ACTIVITY_DAY_SCHEDULE_INTERVAL_SECONDS, 3600). Each (tenant,
branch, year) is claimed once, in the transaction that schedules it, so replicas and repeated
events schedule a year once; a branch that comes to exist mid-year gets the days from today on
(nobody is marked absent from a day before their branch existed). Days already there, moved
ones included, are kept as they are.
"""
from __future__ import annotations

import os
from datetime import date, datetime

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert

from services.activities import models
from services.activities.activity_days import fourth_thursday, schedule_days
from services.common import roster as common_roster
from services.common.contracts.members import OrgUnitChanged, TenantConfigured
from services.common.db import UnitOfWork
from services.common.settings import _int

INTERVAL_SECONDS = _int(os.environ, "ACTIVITY_DAY_SCHEDULE_INTERVAL_SECONDS", 3600, 1, 86400)


def days_from(year: int, today: date) -> list[date]:
    """The 4th Thursdays of `year` not already past on `today`."""
    return [day for day in (fourth_thursday(year, month) for month in range(1, 13)) if day >= today]


def ensure_year(uow: UnitOfWork, tenant_id, branch_id, year: int, today: date, zone: str) -> int:
    """Schedule a branch's year once (the claim commits with the days); days created."""
    claimed = uow.session.execute(insert(models.activity_day_years).values(
        tenant_id=tenant_id, org_unit_id=branch_id, year=year).on_conflict_do_nothing()
        .returning(models.activity_day_years.c.year)).first()
    return schedule_days(uow, tenant_id, branch_id, days_from(year, today), zone) if claimed else 0


def _tenant_zone(session, tenant_id) -> str | None:
    t = models.tenants
    return session.execute(select(t.c.timezone).where(t.c.tenant_id == tenant_id)).scalar_one_or_none()


def _ensure_branches(uow: UnitOfWork, tenant_id, branch_ids, now: datetime | None = None) -> int:
    zone = _tenant_zone(uow.session, tenant_id)
    if zone is None:
        return 0  # the tenant's zone comes with tenant_configured, which schedules then
    today = common_roster.today_in(zone, now)
    return sum(ensure_year(uow, tenant_id, branch, year, today, zone)
               for branch in branch_ids for year in (today.year, today.year + 1))


def open_branches(session, tenant_id=None) -> list[tuple]:
    ou = models.org_units
    query = select(ou.c.tenant_id, ou.c.org_unit_id).where(ou.c.kind == "branch", ou.c.closed.is_(False))
    if tenant_id is not None:
        query = query.where(ou.c.tenant_id == tenant_id)
    return session.execute(query.order_by(ou.c.tenant_id, ou.c.org_unit_id)).all()


def _one_at_a_time(uow: UnitOfWork, tenant_id) -> None:
    """A tenant's branch and its zone may be learnt by two transactions at once, each not seeing
    the other's row: taken in turn (the lock is the transaction's), the second sees the first."""
    uow.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"activity-days:{tenant_id}"})


def due(session, now: datetime) -> list[tuple]:
    """(tenant, branch) of every open branch missing the claim of its current or next year."""
    y = models.activity_day_years
    claimed = {(t, b, year) for t, b, year in session.execute(
        select(y.c.tenant_id, y.c.org_unit_id, y.c.year).where(y.c.year >= now.year - 1))}
    zones = dict(session.execute(select(models.tenants.c.tenant_id, models.tenants.c.timezone)).all())
    found = []
    for tenant_id, branch_id in open_branches(session):
        if tenant_id not in zones:
            continue
        this_year = common_roster.today_in(zones[tenant_id], now).year
        if {(tenant_id, branch_id, this_year), (tenant_id, branch_id, this_year + 1)} - claimed:
            found.append((tenant_id, branch_id))
    return found


def run(uow: UnitOfWork, tenant_id, branch_id, now: datetime) -> int:
    return _ensure_branches(uow, tenant_id, [branch_id], now)


class ActivitiesRoster(common_roster.RosterReadModel):
    """The roster read model as activities follows it: a branch it learns of, and a tenant whose
    time zone it learns, get their activity days at once."""

    def remember_org_unit(self, uow: UnitOfWork, event: OrgUnitChanged) -> None:
        _one_at_a_time(uow, event.tenant_id)
        super().remember_org_unit(uow, event)
        if event.kind == "branch" and not event.closed:
            _ensure_branches(uow, event.tenant_id, [event.org_unit_id])

    def remember_tenant(self, uow: UnitOfWork, event: TenantConfigured) -> None:
        _one_at_a_time(uow, event.tenant_id)
        super().remember_tenant(uow, event)
        _ensure_branches(uow, event.tenant_id, [b for _, b in open_branches(uow.session, event.tenant_id)])


ROSTER_HANDLERS = ActivitiesRoster(models.roster, models.org_units, models.tenants)


def missing(session, tenant_id, months: list[str]) -> list[dict]:
    """The board: each open branch with a month of `months` that has no activity day, and which."""
    ou, m = models.org_units, models.meetings
    branches = session.execute(select(ou.c.org_unit_id, ou.c.name).where(
        ou.c.tenant_id == tenant_id, ou.c.kind == "branch", ou.c.closed.is_(False)).order_by(ou.c.name)).all()
    held = {tuple(row) for row in session.execute(select(m.c.org_unit_id, m.c.period).where(
        m.c.tenant_id == tenant_id, m.c.kind == "activity_day", m.c.period.in_(months)))}
    board = []
    for branch_id, name in branches:
        gaps = [period for period in months if (branch_id, period) not in held]
        if gaps:
            board.append({"org_unit_id": str(branch_id), "name": name, "periods_without_day": gaps})
    return board
