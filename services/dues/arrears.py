"""Arrears (欠缴): who owes for which consecutive months, and who is told.

A month is in arrears when it was assessed above zero, less than is due was paid for it, and the
branch approved no deferral covering it. Counting back from the month checked, the consecutive
months in arrears decide the level: from the first the member is reminded, from the third the
branch's secretary is told, and from the sixth the branch is asked to review the case (the Party
Constitution treats six months unpaid without an approved reason as leaving the Party). Nothing
is ever done to the member automatically: the flag is a notice and a list, the decision is the
branch's.

The check of a month runs once it has ended, claimed per (tenant, branch, month) in the
transaction that sends its notices, so several replicas send each notice once.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from services.common.contracts import Period
from services.common.contracts.dues import DuesOverdue
from services.common.db import UnitOfWork
from services.common.errors import InvalidInput
from services.dues import bases, models, read_model

SECRETARY_AFTER_MONTHS = 3
BRANCH_REVIEW_AFTER_MONTHS = 6
LOOK_BACK_MONTHS = 24


@dataclass(frozen=True)
class Month:
    period: str
    due_fen: int | None  # None: not assessed
    paid_fen: int
    deferred: bool = False

    @property
    def in_arrears(self) -> bool:
        return bool(self.due_fen) and self.paid_fen < self.due_fen and not self.deferred


@dataclass(frozen=True)
class Arrears:
    periods: tuple[str, ...]  # consecutive months in arrears, oldest first, ending at the month checked
    outstanding_fen: int

    @property
    def months(self) -> int:
        return len(self.periods)

    @property
    def level(self) -> str | None:
        if not self.periods:
            return None
        if self.months >= BRANCH_REVIEW_AFTER_MONTHS:
            return "branch_review"
        if self.months >= SECRETARY_AFTER_MONTHS:
            return "secretary"
        return "member"


def consecutive_arrears(months: list[Month], upto: str) -> Arrears:
    """The run of months in arrears ending at `upto`, from a member's months in any order. Pure."""
    by_period = {m.period: m for m in months}
    run, period = [], upto
    while (month := by_period.get(period)) is not None and month.in_arrears:
        run.append(month)
        period = Period(period).previous()
    run.reverse()
    return Arrears(tuple(m.period for m in run), sum(m.due_fen - m.paid_fen for m in run))


def _months_of(session, tenant_id, member_ids, upto: str) -> dict:
    """member_id -> [Month] for the LOOK_BACK_MONTHS ending at `upto`."""
    first = Period(upto).shifted(-(LOOK_BACK_MONTHS - 1))
    a, p = models.assessments, models.payments
    due = {(m, per): amount for m, per, amount in session.execute(select(a.c.member_id, a.c.period, a.c.amount_fen).where(
        a.c.tenant_id == tenant_id, a.c.member_id.in_(member_ids), a.c.period.between(first, upto)))}
    paid = {(m, per): int(total) for m, per, total in session.execute(
        select(p.c.member_id, p.c.period, func.sum(p.c.amount_fen)).where(
            p.c.tenant_id == tenant_id, p.c.member_id.in_(member_ids), p.c.period.between(first, upto))
        .group_by(p.c.member_id, p.c.period))}
    deferrals = bases.deferred_periods(session, tenant_id, member_ids)
    found: dict = {m: [] for m in member_ids}
    for member_id, period in due:
        deferred = any(d_member == member_id and start <= period <= end for d_member, start, end in deferrals)
        found[member_id].append(Month(period, due[(member_id, period)], paid.get((member_id, period), 0), deferred))
    return found


def standing(session, tenant_id, branch_id, upto: str) -> list[dict]:
    """Each member of the branch in arrears at `upto`, with the level it has reached."""
    read_model.require_branch(session, tenant_id, branch_id)
    members = read_model.branch_members(session, tenant_id, branch_id, Period(upto).last_day)
    months = _months_of(session, tenant_id, [m.member_id for m in members], upto) if members else {}
    found = []
    for member in members:
        arrears = consecutive_arrears(months.get(member.member_id, []), upto)
        if arrears.level:
            found.append({"member_id": str(member.member_id), "name": member.name,
                          "org_unit_id": str(member.org_unit_id), "months_unpaid": arrears.months,
                          "unpaid_periods": list(arrears.periods), "outstanding_fen": arrears.outstanding_fen,
                          "level": arrears.level})
    return found


def check(uow: UnitOfWork, tenant_id, branch_id, period: str) -> dict:
    """Send the month's notices, once per (tenant, branch, month)."""
    session = uow.session
    if Period(period).last_day >= read_model.tenant_today(session, tenant_id):
        raise InvalidInput.field("period", "a month's arrears are checked only after it has ended")
    found = standing(session, tenant_id, branch_id, period)
    claimed = session.execute(insert(models.arrears_checks).values(
        tenant_id=tenant_id, org_unit_id=branch_id, period=period, notices=len(found),
    ).on_conflict_do_nothing().returning(models.arrears_checks.c.period)).first()
    if claimed is None:
        return {"org_unit_id": str(branch_id), "period": period, "already_checked": True, "members": found}
    n = models.arrears_notices
    for item in found:
        fresh = session.execute(insert(n).values(
            tenant_id=tenant_id, member_id=item["member_id"], period=period, level=item["level"],
            org_unit_id=item["org_unit_id"], months_unpaid=item["months_unpaid"],
            outstanding_fen=item["outstanding_fen"]).on_conflict_do_nothing().returning(n.c.period)).first()
        if fresh:
            uow.publish(DuesOverdue(tenant_id=tenant_id, member_id=item["member_id"], org_unit_id=item["org_unit_id"],
                                    period=period, months_unpaid=item["months_unpaid"],
                                    unpaid_periods=item["unpaid_periods"], outstanding_fen=item["outstanding_fen"],
                                    level=item["level"]))
    return {"org_unit_id": str(branch_id), "period": period, "already_checked": False, "members": found}


def flags(session, tenant_id, branch_id) -> list[dict]:
    """The branch-review flags raised for the branch's members, latest month first."""
    n = models.arrears_notices
    units = read_model.tree(session, tenant_id).closing_units(branch_id)
    rows = session.execute(select(n).where(n.c.tenant_id == tenant_id, n.c.org_unit_id.in_(units),
                                           n.c.level == "branch_review").order_by(n.c.period.desc())).all()
    names = read_model.names(session, tenant_id, [r.member_id for r in rows])
    return [{"member_id": str(r.member_id), "name": names.get(r.member_id), "period": r.period,
             "months_unpaid": r.months_unpaid, "outstanding_fen": r.outstanding_fen} for r in rows]
