"""Monthly and yearly reports per branch and per tenant, as JSON and XLSX.

Every figure is a sum of integer fen from the assessments and the payment record, and each
report carries the payment record's own total for what it covers (`payments_total_fen`, one
SUM over the entries) beside the sum of its rows, so `reconciled` shows they agree to the fen.
Payments count where they were recorded (the member's unit then); a group's rows count in its
branch.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from services.dues import assessments, files, models, payments, rates, read_model

TOTALS = ("due_fen", "paid_fen", "outstanding_fen", "extra_fen", "advance_fen")
CATEGORY_ZH = {"employed": "在职", "retired": "离退休", "student": "学生", "unemployed": "失业", "subsistence": "低保"}


def _covers(column, span: str):
    return column == span if len(span) == 7 else column.like(f"{span}-%")


def _positions(session, tenant_id, units, span: str) -> dict:
    """(member_id, period) -> {unit, due row or None, paid_fen} for a month or a year, within
    `units` (None: the whole tenant)."""
    a, p = models.assessments, models.payments
    found: dict = {}
    query = select(a).where(a.c.tenant_id == tenant_id, _covers(a.c.period, span))
    if units is not None:
        query = query.where(a.c.org_unit_id.in_(units))
    for row in session.execute(query):
        found[(row.member_id, row.period)] = {"unit": row.org_unit_id, "assessment": row, "paid_fen": 0}
    query = select(p.c.member_id, p.c.period, p.c.org_unit_id, func.sum(p.c.amount_fen)).where(
        p.c.tenant_id == tenant_id, _covers(p.c.period, span)).group_by(p.c.member_id, p.c.period, p.c.org_unit_id)
    if units is not None:
        query = query.where(p.c.org_unit_id.in_(units))
    for member_id, period, unit, paid in session.execute(query):
        item = found.setdefault((member_id, period), {"unit": unit, "assessment": None, "paid_fen": 0})
        item["paid_fen"] += int(paid)
    return found


def _record_total(session, tenant_id, units, span: str) -> int:
    p = models.payments
    query = select(func.coalesce(func.sum(p.c.amount_fen), 0)).where(p.c.tenant_id == tenant_id, _covers(p.c.period, span))
    if units is not None:
        query = query.where(p.c.org_unit_id.in_(units))
    return int(session.execute(query).scalar_one())


def _add(total: dict, position: dict) -> None:
    for key in TOTALS:
        total[key] = total.get(key, 0) + (position[key] or 0)


def _zero() -> dict:
    return dict.fromkeys(TOTALS, 0)


def branch_report(session, tenant_id, branch_id, span: str) -> dict:
    """A branch's month (YYYY-MM) or year (YYYY): each member's position, and the totals."""
    read_model.require_branch(session, tenant_id, branch_id)
    units = read_model.tree(session, tenant_id).closing_units(branch_id)
    found = _positions(session, tenant_id, units, span)
    names = read_model.names(session, tenant_id, [m for m, _ in found])
    members: dict = {}
    totals = _zero()
    for (member_id, period), item in sorted(found.items(), key=lambda kv: kv[0][1]):
        assessed = item["assessment"]
        position = payments.standing(assessed.amount_fen if assessed else None, item["paid_fen"])
        entry = members.setdefault(member_id, {"member_id": str(member_id), "name": names.get(member_id, ""),
                                               "category": None, "monthly_income_fen": None, "rate_bp": None,
                                               "months": {}, **_zero()})
        if assessed is not None:
            entry.update(category=assessed.category, monthly_income_fen=assessed.monthly_income_fen,
                         rate_bp=assessed.rate_bp)
        entry["months"][period] = position
        _add(entry, position)
        _add(totals, position)
    rows = sorted(members.values(), key=lambda m: (m["name"], m["member_id"]))
    record_total = _record_total(session, tenant_id, units, span)
    return {"org_unit_id": str(branch_id), "span": span, "members": rows, "totals": totals,
            "payments_total_fen": record_total, "reconciled": record_total == totals["paid_fen"]}


def tenant_report(session, tenant_id, span: str) -> dict:
    """Every branch of the tenant for a month or a year: totals per branch and for the tenant."""
    tree = read_model.tree(session, tenant_id)
    ou = models.org_units
    unit_names = dict(session.execute(select(ou.c.org_unit_id, ou.c.name).where(ou.c.tenant_id == tenant_id)).all())
    found = _positions(session, tenant_id, None, span)
    branches: dict = {}
    totals = _zero()
    for (member_id, _), item in found.items():
        assessed = item["assessment"]
        position = payments.standing(assessed.amount_fen if assessed else None, item["paid_fen"])
        branch = tree.branch_of(item["unit"])
        entry = branches.setdefault(branch, {"org_unit_id": str(branch), "name": unit_names.get(branch, ""),
                                             "members": set(), **_zero()})
        entry["members"].add(member_id)
        _add(entry, position)
        _add(totals, position)
    rows = sorted(({**b, "members": len(b["members"])} for b in branches.values()), key=lambda b: b["name"])
    record_total = _record_total(session, tenant_id, None, span)
    return {"span": span, "branches": rows, "totals": totals, "payments_total_fen": record_total,
            "reconciled": record_total == totals["paid_fen"]}


# --- XLSX ---------------------------------------------------------------------------------------

def _yuan(fen: int | None):
    return None if fen is None else Decimal(fen).scaleb(-2)


def _rate(rate_bp: int | None) -> str:
    return "" if rate_bp is None else f"{Decimal(rate_bp).scaleb(-2).normalize():f}%"


def branch_xlsx(report: dict) -> bytes:
    header = ["姓名", "人员类别", "月收入（元）", "比例", "应交（元）", "实交（元）", "欠交（元）", "自愿多交（元）", "预交（元）"]
    rows = [[m["name"], CATEGORY_ZH.get(m["category"], ""), _yuan(m["monthly_income_fen"]), _rate(m["rate_bp"]),
             *(_yuan(m[k]) for k in TOTALS)] for m in report["members"]]
    rows.append(["合计", "", None, "", *(_yuan(report["totals"][k]) for k in TOTALS)])
    sheets = [(f"党费 {report['span']}", header, rows)]
    if len(report["span"]) == 4:
        months = [f"{report['span']}-{m:02d}" for m in range(1, 13)]
        sheets.append(("按月实交", ["姓名", *months], [
            [m["name"], *(_yuan(m["months"].get(p, {}).get("paid_fen", 0)) for p in months)]
            for m in report["members"]]))
    return files.write_xlsx(sheets)


def tenant_xlsx(report: dict) -> bytes:
    header = ["党支部", "人数", "应交（元）", "实交（元）", "欠交（元）", "自愿多交（元）", "预交（元）"]
    rows = [[b["name"], b["members"], *(_yuan(b[k]) for k in TOTALS)] for b in report["branches"]]
    rows.append(["合计", sum(b["members"] for b in report["branches"]), *(_yuan(report["totals"][k]) for k in TOTALS)])
    return files.write_xlsx([(f"党费 {report['span']}", header, rows)])


def member_statement(session, tenant_id, member_id, year: int) -> dict:
    """A member's year: each month's position, the assessments and every payment entry."""
    read_model.member(session, tenant_id, member_id)
    assessed = assessments.of_member(session, tenant_id, member_id, year)
    entries = payments.entries(session, tenant_id, member_id, year)
    due = {a.period: a.amount_fen for a in assessed}
    paid: dict = {}
    for e in entries:
        paid[e.period] = paid.get(e.period, 0) + e.amount_fen
    months = {p: payments.standing(due.get(p), paid.get(p, 0)) for p in sorted(set(due) | set(paid))}
    totals = _zero()
    for position in months.values():
        _add(totals, position)
    return {"member_id": str(member_id), "year": year, "months": months, "totals": totals,
            "assessments": [assessments.assessment_dict(a) for a in assessed],
            "payments": [payments.entry_dict(e) for e in entries], "yuan": {k: rates.yuan(v) for k, v in totals.items()}}
