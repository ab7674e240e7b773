"""Month close: once per branch and month, deductions for missing duties and for an activity day
missed without leave, and which branches are due for the scheduled close.

Who loses what is decided by `rules.plan_close`; here are the reads that feed it (who the close
counts, what they did, whether the branch held its activity day) and the writes that carry it
out in the closing transaction: the claim, the ledger entries, the balances and the notices.
"""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.dialects.postgresql import insert

from services.common import roster
from services.common.contracts import FOUR_DUTIES
from services.common.contracts.activities import ActivityDayScheduled
from services.common.contracts.points import MonthClosed, PointsAwarded
from services.common.db import UnitOfWork, new_id
from services.common.errors import InvalidInput, NotFound
from services.points import models, rules, schedule
from services.points.read_model import members_on, tenant_today, tree
from services.points.rule_sets import resolve

CLOSE_NAMESPACE = uuid.UUID("6d7c1c52-3f7e-4c1e-9a51-0c3f1f1d9a10")


def remember_activity_day(uow: UnitOfWork, event: ActivityDayScheduled) -> None:
    """A branch's activity day, so its close knows who missed it."""
    stmt = insert(models.activity_days).values(
        day_id=event.day_id, tenant_id=event.tenant_id, org_unit_id=event.org_unit_id, period=event.period,
        held_on=event.held_on)
    uow.session.execute(stmt.on_conflict_do_update(index_elements=["day_id"], set_={"held_on": event.held_on}))


def close_members(session, tenant_id, org_unit_id, period: str) -> list[tuple]:
    """Who a unit's month close counts: the members of the branch and of its groups on the
    month's last day, Party members then and not left by then."""
    units = tree(session, tenant_id).closing_units(org_unit_id)
    return members_on(session, tenant_id, units, rules.period_end(period))


def kinds_done(session, tenant_id, period: str, member_ids: list, kinds: tuple[str, ...]) -> dict:
    """member id -> the `kinds` that member logged in `period` and did not have rejected."""
    facts = models.activity_facts
    done: dict = {}
    for member_id, kind in session.execute(select(facts.c.member_id, facts.c.kind).distinct().where(
            facts.c.tenant_id == tenant_id, facts.c.period == period, facts.c.status != "rejected",
            facts.c.kind.in_(kinds), facts.c.member_id.in_(member_ids))):
        done.setdefault(member_id, set()).add(kind)
    return done


def _activity_day_held(session, tenant_id, org_unit_id, period: str) -> bool:
    days = models.activity_days
    return session.execute(select(days.c.day_id).where(
        days.c.tenant_id == tenant_id, days.c.org_unit_id == org_unit_id, days.c.period == period)).first() is not None


def _check_closable(session, tenant_id, org_unit_id, period: str) -> None:
    if rules.period_end(period) >= tenant_today(session, tenant_id):
        raise InvalidInput.field("period", "a month can be closed only after it has ended")
    if tree(session, tenant_id).branch_of(org_unit_id) != org_unit_id:
        raise InvalidInput.field("org_unit_id", "a group's month is closed with its branch")


def close_month(uow: UnitOfWork, tenant_id, org_unit_id, period: str) -> dict:
    """Deduct for missing duties and unexcused activity-day absence, once per branch and month."""
    session = uow.session
    _check_closable(session, tenant_id, org_unit_id, period)
    unit_of = dict(close_members(session, tenant_id, org_unit_id, period))
    members = list(unit_of)
    if not members:
        raise NotFound("no members known in this org unit")
    close_id = uuid.uuid5(CLOSE_NAMESPACE, f"{tenant_id}:{org_unit_id}:{period}")
    claimed = session.execute(insert(models.month_closes).values(
        tenant_id=tenant_id, org_unit_id=org_unit_id, period=period, close_id=close_id, members=len(members),
        deductions=0, missing_duties=0, unexcused_absences=0,
    ).on_conflict_do_nothing().returning(models.month_closes.c.close_id)).first()
    if claimed is None:
        return {**get_close(session, tenant_id, org_unit_id, period), "already_closed": True}

    rs = resolve(session, tenant_id, org_unit_id, rules.period_end(period))
    done = kinds_done(session, tenant_id, period, members, FOUR_DUTIES + rules.DAY_KINDS)
    plan = rules.plan_close(members, done, _activity_day_held(session, tenant_id, org_unit_id, period), rs.settings)
    entries = _ledger_rows(plan, tenant_id, period, unit_of, rs, close_id)
    if entries:
        session.execute(models.ledger_entries.insert(), entries)
        _add_to_balances(session, tenant_id, period, unit_of, entries)
        _tell_members(uow, session, tenant_id, period, entries, plan.deductions)
    session.execute(models.month_closes.update().where(models.month_closes.c.close_id == close_id).values(
        deductions=plan.total, missing_duties=plan.missing_duties, unexcused_absences=plan.unexcused_absences))
    uow.publish(MonthClosed(tenant_id=tenant_id, org_unit_id=org_unit_id, period=period, members=len(members),
                            deductions=plan.total, missing_duties=plan.missing_duties,
                            unexcused_absences=plan.unexcused_absences))
    return {**get_close(session, tenant_id, org_unit_id, period), "already_closed": False}


def _ledger_rows(plan: rules.ClosePlan, tenant_id, period: str, unit_of: dict, rs: rules.RuleSet,
                 close_id: uuid.UUID) -> list[dict]:
    """The plan's deductions as ledger entries, in the units members had at the month's end; each
    member's entries are keyed by the close and the member, so a rerun cannot repeat them."""
    return [dict(id=new_id(), tenant_id=tenant_id, member_id=d.member_id, org_unit_id=unit_of[d.member_id],
                 period=period, rule_version=rs.version, rule_set_id=rs.rule_set_id, activity_id=None,
                 source_event_id=uuid.uuid5(close_id, str(d.member_id)), occurred_on=rules.period_end(period),
                 kind=d.kind, rule_key=d.rule_key, delta=d.delta, reason=d.reason, dimension=d.dimension)
            for d in plan.deductions]


def _add_to_balances(session, tenant_id, period: str, unit_of: dict, entries: list[dict]) -> None:
    totals: dict = {}
    for e in entries:
        for p, d in rules.balance_keys(period, e["dimension"]):
            key = (e["member_id"], p, d)
            totals[key] = totals.get(key, 0) + e["delta"]
    bal = models.balances
    stmt = insert(bal)
    session.execute(stmt.on_conflict_do_update(
        constraint="pk_balances", set_={"points": bal.c.points + stmt.excluded.points}),
        [dict(tenant_id=tenant_id, member_id=m, org_unit_id=unit_of[m], period=p, dimension=d, points=v)
         for (m, p, d), v in totals.items()])


def _tell_members(uow: UnitOfWork, session, tenant_id, period: str, entries: list[dict],
                  deductions: list[rules.Deduction]) -> None:
    """One points_awarded per deduction, in the closing transaction, so each member is told.
    `entries` are the ledger rows of `deductions`, in the same order; the missed duties travel
    beside them, not in them, since the rows are inserted as they are."""
    bal = models.balances
    deducted = list({e["member_id"] for e in entries})
    totals = dict(session.execute(select(bal.c.member_id, bal.c.points).where(
        bal.c.tenant_id == tenant_id, bal.c.period == period, bal.c.dimension == "total",
        bal.c.member_id.in_(deducted))).all())
    uow.publish_many([PointsAwarded(
        tenant_id=tenant_id, entry_id=e["id"], member_id=e["member_id"], org_unit_id=e["org_unit_id"],
        activity_id=None, kind=e["kind"], delta=e["delta"], period=period,
        period_total=int(totals.get(e["member_id"], 0)), reason=e["reason"],
        missed_duties=list(d.missed_duties) or None) for e, d in zip(entries, deductions, strict=True)])


def get_close(session, tenant_id, org_unit_id, period: str) -> dict:
    table = models.month_closes
    row = session.execute(select(table).where(and_(
        table.c.tenant_id == tenant_id, table.c.org_unit_id == org_unit_id, table.c.period == period))).first()
    if row is None:
        raise NotFound("this month is not closed")
    return {"org_unit_id": str(org_unit_id), "period": period, "members": row.members, "deductions": row.deductions,
            "missing_duties": row.missing_duties, "unexcused_absences": row.unexcused_absences}


def branches_to_close(session, period: str, tenant_ids=None) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Every (tenant, branch) with members counted in `period` that is not closed yet. A group's
    members make its branch due; a unit with no branch above it stands for itself."""
    closes = models.month_closes
    done = set(session.execute(select(closes.c.tenant_id, closes.c.org_unit_id).where(
        closes.c.period == period)).all())
    units = {(t, u) for t, _, u in members_on(session, None, None, rules.period_end(period), tenant_ids)}
    trees: dict = {}
    due = set()
    for tenant_id, unit in units:
        if tenant_id not in trees:
            trees[tenant_id] = tree(session, tenant_id)
        key = (tenant_id, trees[tenant_id].branch_of(unit))
        if key not in done:
            due.add(key)
    return sorted(due)


def due_closes(session, now: datetime) -> list[tuple[uuid.UUID, uuid.UUID, str]]:
    """(tenant, branch, period) to close at `now`: each tenant's month ends in its own time zone."""
    mv, t = models.members_view, models.tenants
    zones = dict(session.execute(select(t.c.tenant_id, t.c.timezone)).all())
    by_period: dict = {}
    for tenant_id in session.execute(select(mv.c.tenant_id).distinct()).scalars():
        period = schedule.due_period(roster.today_in(zones.get(tenant_id, roster.DEFAULT_TIMEZONE), now))
        if period is not None:
            by_period.setdefault(period, []).append(tenant_id)
    return [(tenant_id, unit, period) for period, tenants in sorted(by_period.items())
            for tenant_id, unit in branches_to_close(session, period, tenants)]
