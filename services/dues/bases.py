"""Dues bases (缴费基数): set yearly per Party member, entered or imported from the college's
payroll file, every change dated; and the reliefs the branch committee approved.

Payroll file (XLSX, or CSV with the same headers; columns in any order, others ignored):

    工号          the member's staff number (required; matched to the roster)
    姓名          the member's name (required; must agree with the roster)
    年度          the year the base is for (required)
    人员类别      在职 / 离退休 / 学生 / 失业 / 低保 (required)
    月收入（元）   monthly income after tax and social insurance, or the pension, in yuan with at
                  most two decimals (required for 在职 and 离退休, empty for the others)
    起始月份      the month the base applies from, YYYY-MM (optional; default January)
    备注          a note kept with the base (optional)

Every row is checked before anything is written; the report names each bad row, the column as
headed in the file, and the reason. `all_or_nothing` (default) writes nothing when a row is bad;
`valid_rows` writes the good rows and reports the rest.
"""
from __future__ import annotations

import re
import uuid

from sqlalchemy import select

from services.common.contracts import PERIOD_PATTERN, Period
from services.common.db import UnitOfWork, new_id
from services.common.errors import InvalidInput
from services.common.contracts.api import dues as dues_api
from services.dues import files, models, rate_tables, rates, read_model

CATEGORY_NAMES = {"在职": "employed", "离退休": "retired", "退休": "retired", "离休": "retired", "学生": "student",
                  "失业": "unemployed", "下岗失业": "unemployed", "低保": "subsistence",
                  "享受最低生活保障": "subsistence"} | {c: c for c in dues_api.CATEGORIES}
PAYROLL_COLUMNS = {"工号": "external_no", "姓名": "name", "年度": "year", "人员类别": "category",
                   "类别": "category", "月收入（元）": "income", "月收入(元)": "income", "月收入": "income",
                   "税后月收入（元）": "income", "税后月收入": "income", "起始月份": "effective_from",
                   "备注": "reason"}
PAYROLL_REQUIRED = {"external_no": "工号", "name": "姓名", "year": "年度", "category": "人员类别"}


def parse_year(value, field: str = "year") -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise InvalidInput.field(field, "expected a year between 2000 and 2100") from None
    if isinstance(value, bool) or not 2000 <= year <= 2100:
        raise InvalidInput.field(field, "expected a year between 2000 and 2100")
    return year


def base_dict(row) -> dict:
    return {"id": str(row.id), "member_id": str(row.member_id), "year": row.year,
            "effective_from": row.effective_from, "category": row.category,
            "monthly_income_fen": row.monthly_income_fen, "source": row.source, "reason": row.reason,
            "recorded_at": row.recorded_at.isoformat() if row.recorded_at else None}


def record(uow: UnitOfWork, tenant_id, member_id: uuid.UUID, data: dues_api.BaseCreate, caller_id,
           source: str = "entered") -> dict:
    effective_from = data.effective_from or f"{data.year:04d}-01"
    read_model.require_party_member(uow.session, tenant_id, member_id, Period(effective_from).last_day)
    row = dict(id=new_id(), tenant_id=tenant_id, member_id=member_id, year=data.year,
               effective_from=effective_from, category=data.category, monthly_income_fen=data.monthly_income_fen,
               source=source, reason=data.reason, recorded_by=caller_id)
    inserted = uow.session.execute(models.dues_bases.insert().values(**row).returning(models.dues_bases)).first()
    price = rates.monthly_dues(_table_for(uow.session, tenant_id, effective_from), data.category,
                               data.monthly_income_fen)
    return {**base_dict(inserted), "monthly_dues_fen": price.amount_fen, "rate_bp": price.rate_bp}


def _table_for(session, tenant_id, period: str) -> rates.RateTable:
    return rate_tables.resolve(session, tenant_id, Period(period).first_day).table


def history(session, tenant_id, member_id) -> list[dict]:
    b = models.dues_bases
    rows = session.execute(select(b).where(b.c.tenant_id == tenant_id, b.c.member_id == member_id)
                           .order_by(b.c.effective_from, b.c.recorded_at)).all()
    return [base_dict(r) for r in rows]


def in_force(session, tenant_id, member_ids, period: str) -> dict:
    """member_id -> the base row in force for `period`: the latest dated change of that year not
    after it, and of two with the same date the one recorded last."""
    b = models.dues_bases
    rows = session.execute(select(b).where(
        b.c.tenant_id == tenant_id, b.c.member_id.in_(list(member_ids)), b.c.year == int(period[:4]),
        b.c.effective_from <= period).order_by(b.c.member_id, b.c.effective_from, b.c.recorded_at, b.c.id)).all()
    return {r.member_id: r for r in rows}  # ordered, so the last one per member wins


# --- reliefs ---------------------------------------------------------------------------------------

def record_relief(uow: UnitOfWork, tenant_id, member_id, data: dues_api.ReliefCreate, caller_id) -> dict:
    read_model.require_party_member(uow.session, tenant_id, member_id, data.from_period.last_day)
    row = dict(id=new_id(), tenant_id=tenant_id, member_id=member_id, kind=data.kind, from_period=data.from_period,
               to_period=data.to_period, reduced_to_fen=data.reduced_to_fen, reason=data.reason,
               approved_on=data.approved_on, recorded_by=caller_id)
    uow.session.execute(models.reliefs.insert().values(**row))
    return {**{k: str(v) if isinstance(v, uuid.UUID) else v for k, v in row.items() if k != "tenant_id"},
            "approved_on": data.approved_on.isoformat()}


def reliefs_for(session, tenant_id, member_ids, period: str) -> dict:
    """member_id -> the relief covering `period` (the one approved last where several do)."""
    r = models.reliefs
    rows = session.execute(select(r).where(
        r.c.tenant_id == tenant_id, r.c.member_id.in_(list(member_ids)), r.c.from_period <= period,
        r.c.to_period >= period).order_by(r.c.approved_on, r.c.recorded_at)).all()
    return {row.member_id: row for row in rows}


def deferred_periods(session, tenant_id, member_ids) -> set[tuple]:
    """(member_id, from, to) of every deferral: months with an approved reason for not paying."""
    r = models.reliefs
    return set(session.execute(select(r.c.member_id, r.c.from_period, r.c.to_period).where(
        r.c.tenant_id == tenant_id, r.c.member_id.in_(list(member_ids)), r.c.kind == "deferred")).all())


# --- payroll import ------------------------------------------------------------------------------

def check_payroll_row(raw: dict) -> tuple[dict | None, list[tuple[str, str]]]:
    """A payroll row's values, or the (field, reason) problems that stop it. Pure."""
    text, problems = files.row_texts(raw, PAYROLL_REQUIRED)
    category = CATEGORY_NAMES.get(text.get("category") or "")
    if text.get("category") and category is None:
        problems.append(("category", "expected 在职, 离退休, 学生, 失业 or 低保"))
    year = None
    if text.get("year"):
        try:
            year = parse_year(text["year"].removesuffix("年"))
        except InvalidInput as exc:
            problems.append(("year", exc.details[0]["reason"]))
    income = None
    if text.get("income"):
        income, why = rates.checked_fen(raw["income"], 0, "a monthly income cannot be negative")
        if why:
            problems.append(("income", why))
    if category in dues_api.INCOME_CATEGORIES and not text.get("income"):
        problems.append(("income", f"required for {text['category']}"))
    if category in dues_api.FLAT_CATEGORIES and text.get("income"):
        problems.append(("income", f"{text['category']} members pay a flat amount: leave it empty"))
    effective_from = text.get("effective_from")
    if effective_from:
        effective_from = re.sub(r"^(\d{4})[/.年](\d{1,2})月?$", lambda m: f"{m[1]}-{int(m[2]):02d}", effective_from)
        if not re.fullmatch(PERIOD_PATTERN, effective_from):
            problems.append(("effective_from", "expected a month YYYY-MM"))
        elif year is not None and int(effective_from[:4]) != year:
            problems.append(("effective_from", "must be a month of 年度"))
    if problems:
        return None, problems
    return {"external_no": text["external_no"], "name": text["name"], "year": year, "category": category,
            "monthly_income_fen": income if category in dues_api.INCOME_CATEGORIES else None,
            "effective_from": effective_from, "reason": (text.get("reason") or "")[:200] or None}, []


def import_payroll(uow: UnitOfWork, tenant_id, branch_id, content: bytes, fmt: str, mode: str, caller_id) -> dict:
    session = uow.session
    read_model.require_branch(session, tenant_id, branch_id)
    header_of, rows = files.rows_by_field(content, fmt, PAYROLL_COLUMNS, PAYROLL_REQUIRED)
    units = set(read_model.tree(session, tenant_id).closing_units(branch_id))
    numbers = dict(session.execute(select(models.member_numbers.c.external_no, models.member_numbers.c.member_id)
                                   .where(models.member_numbers.c.tenant_id == tenant_id)).all())
    errors, accepted = [], []

    def problem(number, field, reason):
        errors.append({"row": number, "column": header_of.get(field, PAYROLL_REQUIRED.get(field, field)),
                       "reason": reason})

    for number, raw in rows:
        values, problems = check_payroll_row(raw)
        for field, reason in problems:
            problem(number, field, reason)
        if values is None:
            continue
        member_id = numbers.get(values["external_no"])
        known = session.execute(select(models.members_view).where(
            models.members_view.c.member_id == member_id)).first() if member_id else None
        effective_from = values["effective_from"] or f"{values['year']:04d}-01"
        if known is None or known.org_unit_id not in units:
            problem(number, "external_no", "no member of this branch has this staff number")
        elif known.name != values["name"]:
            problem(number, "name", f"does not match the roster ({known.name}) for this staff number")
        elif not read_model.is_party_member_on(session, tenant_id, member_id, Period(effective_from).last_day):
            problem(number, "external_no", "is not a Party member (probationary or full); dues are owed by "
                                           "Party members only")
        else:
            accepted.append((member_id, values))
    errors.sort(key=lambda e: e["row"])
    report = {"rows": len(rows), "valid": len(accepted), "written": 0, "errors": errors, "mode": mode}
    if errors and mode == "all_or_nothing":
        return {**report, "status": "rejected"}
    for member_id, values in accepted:
        data = dues_api.BaseCreate(year=values["year"], effective_from=values["effective_from"],
                                  category=values["category"], monthly_income_fen=values["monthly_income_fen"],
                                  reason=values["reason"])
        record(uow, tenant_id, member_id, data, caller_id, source="payroll")
    return {**report, "written": len(accepted), "status": "imported"}
