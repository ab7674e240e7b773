"""Assessing a month: what each Party member of a branch owes for it, fixed once.

Who: the Party members (probationary or full) of the branch and its groups on the month's
first day. What: the standard dues from their base in force and the rate table in force that
day, then any relief the branch committee approved. A member with no base for the year is not
assessed and is listed, so the secretary can enter one and assess again: assessing is
idempotent per member and month (a second run adds only who was missing), and the scheduled run
is claimed per (tenant, branch, month), so several replicas assess each month once.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from services.common.contracts import Period
from services.common.contracts.dues import DuesAssessed
from services.common.db import UnitOfWork, new_id
from services.dues import bases, models, rate_tables, rates, read_model


def price_member(table: rates.RateTable, base, relief) -> rates.Price:
    """A member's month from their base and relief rows (either may be None). Pure."""
    price = rates.monthly_dues(table, base.category, base.monthly_income_fen)
    if relief is None:
        return price
    return rates.apply_relief(price, relief.kind, relief.reduced_to_fen)


def assess(uow: UnitOfWork, tenant_id, branch_id, period: str) -> dict:
    session = uow.session
    read_model.require_branch(session, tenant_id, branch_id)
    members = read_model.branch_members(session, tenant_id, branch_id, Period(period).first_day)
    ids = [m.member_id for m in members]
    in_force = rate_tables.resolve(session, tenant_id, Period(period).first_day)
    base_of = bases.in_force(session, tenant_id, ids, period)
    relief_of = bases.reliefs_for(session, tenant_id, ids, period)
    rows, missing = [], []
    for member in members:
        base = base_of.get(member.member_id)
        if base is None:
            missing.append({"member_id": str(member.member_id), "name": member.name})
            continue
        relief = relief_of.get(member.member_id)
        standard = rates.monthly_dues(in_force.table, base.category, base.monthly_income_fen)
        price = price_member(in_force.table, base, relief)
        rows.append(dict(id=new_id(), tenant_id=tenant_id, member_id=member.member_id, org_unit_id=member.org_unit_id,
                         period=period, category=base.category, monthly_income_fen=base.monthly_income_fen,
                         rate_bp=price.rate_bp, standard_fen=standard.amount_fen, amount_fen=price.amount_fen,
                         relief=relief.kind if relief else None, base_id=base.id,
                         rate_table_version=in_force.version, reason=price.reason[:200]))
    a = models.assessments
    fresh = set()
    if rows:
        fresh = set(session.execute(insert(a).on_conflict_do_nothing(constraint="uq_assessments_member_period")
                                    .returning(a.c.id), rows).scalars())
    uow.publish_many([DuesAssessed(tenant_id=tenant_id, assessment_id=r["id"], member_id=r["member_id"],
                                   org_unit_id=r["org_unit_id"], period=period, amount_fen=r["amount_fen"],
                                   category=r["category"], rate_bp=r["rate_bp"]) for r in rows if r["id"] in fresh])
    session.execute(insert(models.assessment_runs).values(
        tenant_id=tenant_id, org_unit_id=branch_id, period=period, assessed=len(fresh)).on_conflict_do_update(
        constraint="pk_assessment_runs", set_={"assessed": models.assessment_runs.c.assessed + len(fresh)}))
    return {"org_unit_id": str(branch_id), "period": period, "rate_table_version": in_force.version,
            "assessed": len(fresh), "already_assessed": len(rows) - len(fresh), "missing_base": missing,
            "total_fen": sum(r["amount_fen"] for r in rows if r["id"] in fresh)}


def claim_scheduled(session, tenant_id, branch_id, period: str) -> bool:
    """Take the scheduled run of (tenant, branch, month); False when another replica or an
    earlier tick has it. Committed with the assessment itself."""
    return session.execute(insert(models.assessment_runs).values(
        tenant_id=tenant_id, org_unit_id=branch_id, period=period, assessed=0).on_conflict_do_nothing()
        .returning(models.assessment_runs.c.period)).first() is not None


def open_branches(session) -> list[tuple]:
    """(tenant_id, branch_id) of every open branch the read model knows."""
    ou = models.org_units
    return session.execute(select(ou.c.tenant_id, ou.c.org_unit_id).where(
        ou.c.kind == "branch", ou.c.closed.is_(False)).order_by(ou.c.tenant_id, ou.c.org_unit_id)).all()


def due_runs(session, now: datetime, table) -> list[tuple]:
    """(tenant, branch, period) whose scheduled run for the tenant's current month (assessment)
    or month just ended (arrears check, `table` arrears_checks) has not happened yet."""
    # Only recent runs can matter: every tenant's current month is within a day of UTC's.
    recent = Period.of(now.date()).shifted(-2)
    done = set(session.execute(select(table.c.tenant_id, table.c.org_unit_id, table.c.period).where(
        table.c.period >= recent)).all())
    due, today_of = [], {}
    for tenant_id, branch_id in open_branches(session):
        if tenant_id not in today_of:
            today_of[tenant_id] = read_model.tenant_today(session, tenant_id, now)
        today = today_of[tenant_id]
        period = Period.of(today) if table is models.assessment_runs else Period.of(today).previous()
        if (tenant_id, branch_id, period) not in done:
            due.append((tenant_id, branch_id, period))
    return due


def of_member(session, tenant_id, member_id, year: int | None = None) -> list:
    a = models.assessments
    query = select(a).where(a.c.tenant_id == tenant_id, a.c.member_id == member_id)
    if year is not None:
        query = query.where(a.c.period.like(f"{year:04d}-%"))
    return session.execute(query.order_by(a.c.period)).all()


def assessment_dict(row) -> dict:
    return {"id": str(row.id), "period": row.period, "org_unit_id": str(row.org_unit_id), "category": row.category,
            "monthly_income_fen": row.monthly_income_fen, "rate_bp": row.rate_bp, "standard_fen": row.standard_fen,
            "amount_fen": row.amount_fen, "relief": row.relief, "rate_table_version": row.rate_table_version,
            "reason": row.reason}
