"""The payment record (缴纳): append-only, like the points ledger.

A payment is recorded for the month it pays for; paying a month not assessed yet is paying in
advance, paying less than is due is a partial payment, and whatever is paid beyond what is due
stays with that month as voluntary extra: never refused, never moved to another month. A wrong
entry is answered by a compensating entry (`kind` correction, `corrects` the entry's id), so the
record only grows and every total is a plain sum of it.

Statements (CSV, from the bank or from WeChat Pay; columns in any order, others ignored):

    交易时间      when it was paid: YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS] (required)
    交易单号      the statement's transaction number (required; importing it twice adds nothing)
    付款人        the payer's name (required)
    工号          the payer's staff number (optional; matched first when given)
    金额（元）     the amount in yuan, more than 0, at most two decimals (required)
    所属月份      the month it pays for, YYYY-MM (optional; else a month written in 备注 such as
                  2026-10 or 2026年10月, else the month of 交易时间)
    备注          kept as the payment's note (optional)

A row is matched to a Party member of the branch by 工号, else by name; a row that matches no
one, or whose name matches two people, is reported and not written.
"""
from __future__ import annotations

import re
import uuid
from datetime import date

from sqlalchemy import func, select, text

from services.common.contracts import PERIOD_PATTERN, Period
from services.common.contracts.dues import DuesPaid
from services.common.db import UnitOfWork, new_id
from services.common.errors import Conflict, InvalidInput, NotFound
from services.dues import files, models, rates, read_model

STATEMENT_COLUMNS = {"交易时间": "paid_at", "付款时间": "paid_at", "交易单号": "external_ref", "交易号": "external_ref",
                     "流水号": "external_ref", "付款人": "payer", "付款人姓名": "payer", "姓名": "payer",
                     "工号": "external_no", "金额（元）": "amount", "金额(元)": "amount", "金额": "amount",
                     "所属月份": "period", "备注": "note"}
STATEMENT_REQUIRED = {"paid_at": "交易时间", "external_ref": "交易单号", "payer": "付款人", "amount": "金额（元）"}


def standing(due_fen: int | None, paid_fen: int) -> dict:
    """A month's position from what is due (None: not assessed yet) and what was paid. Pure."""
    if due_fen is None:
        return {"due_fen": None, "paid_fen": paid_fen, "outstanding_fen": 0, "extra_fen": 0,
                "advance_fen": max(paid_fen, 0)}
    return {"due_fen": due_fen, "paid_fen": paid_fen, "outstanding_fen": max(due_fen - paid_fen, 0),
            "extra_fen": max(paid_fen - due_fen, 0), "advance_fen": 0}


def _lock_member(session, tenant_id, member_id) -> None:
    # A month's running total in the event is read then written: one member's entries in turn.
    session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
                    {"k": f"dues-pay:{tenant_id}:{member_id}"})


def month_position(session, tenant_id, member_id, period: str) -> dict:
    p, a = models.payments, models.assessments
    paid = session.execute(select(func.coalesce(func.sum(p.c.amount_fen), 0)).where(
        p.c.tenant_id == tenant_id, p.c.member_id == member_id, p.c.period == period)).scalar_one()
    due = session.execute(select(a.c.amount_fen).where(
        a.c.tenant_id == tenant_id, a.c.member_id == member_id, a.c.period == period)).scalar_one_or_none()
    return standing(due, int(paid))


def entry_dict(row) -> dict:
    return {"id": str(row.id), "member_id": str(row.member_id), "org_unit_id": str(row.org_unit_id),
            "period": row.period, "amount_fen": row.amount_fen, "kind": row.kind, "method": row.method,
            "paid_on": row.paid_on.isoformat(), "corrects": str(row.corrects) if row.corrects else None,
            "source": row.source, "external_ref": row.external_ref, "note": row.note,
            "recorded_at": row.recorded_at.isoformat() if row.recorded_at else None}


def append(uow: UnitOfWork, tenant_id, member, period: str, amount_fen: int, paid_on: date, *, kind: str = "payment",
           method: str, source: str = "entered", external_ref: str | None = None, note: str | None = None,
           corrects: uuid.UUID | None = None, org_unit_id=None, caller_id=None) -> dict:
    """One entry and its dues_paid event, in the caller's transaction."""
    session = uow.session
    _lock_member(session, tenant_id, member.member_id)
    row = session.execute(models.payments.insert().values(
        id=new_id(), tenant_id=tenant_id, member_id=member.member_id, org_unit_id=org_unit_id or member.org_unit_id,
        period=period, amount_fen=amount_fen, kind=kind, method=method, paid_on=paid_on, corrects=corrects,
        source=source, external_ref=external_ref, note=note, recorded_by=caller_id,
    ).returning(models.payments)).first()
    position = month_position(session, tenant_id, member.member_id, period)
    uow.publish(DuesPaid(tenant_id=tenant_id, payment_id=row.id, member_id=row.member_id, org_unit_id=row.org_unit_id,
                         period=period, amount_fen=amount_fen, kind=kind, paid_on=paid_on,
                         paid_fen=position["paid_fen"], due_fen=position["due_fen"]))
    return {**entry_dict(row), "month": position}


def record(uow: UnitOfWork, tenant_id, data, caller_id) -> dict:
    member = read_model.member(uow.session, tenant_id, data.member_id)
    if data.paid_on > read_model.tenant_today(uow.session, tenant_id):
        raise InvalidInput.field("paid_on", "is in the future; record a payment once it is made")
    read_model.require_party_member(uow.session, tenant_id, data.member_id, data.period.last_day)
    return append(uow, tenant_id, member, data.period, data.amount_fen, data.paid_on, method=data.method,
                  note=data.note, caller_id=caller_id)


def find(session, tenant_id, payment_id) -> object:
    p = models.payments
    row = session.execute(select(p).where(p.c.tenant_id == tenant_id, p.c.id == payment_id)).first()
    if row is None:
        raise NotFound("payment not found")
    return row


def correct(uow: UnitOfWork, tenant_id, original, amount_fen: int, reason: str, today: date, caller_id) -> dict:
    """Bring an entry (with the corrections already made to it) to `amount_fen` by appending the
    difference; 0 reverses it. The entry itself is never changed."""
    session, p = uow.session, models.payments
    if original.kind != "payment":
        raise InvalidInput.field("payment_id", "correct the original payment, not a correction")
    _lock_member(session, tenant_id, original.member_id)
    corrected = session.execute(select(func.coalesce(func.sum(p.c.amount_fen), 0)).where(
        p.c.tenant_id == tenant_id, p.c.corrects == original.id)).scalar_one()
    current = original.amount_fen + int(corrected)
    if amount_fen == current:
        raise Conflict(f"the payment already stands at {amount_fen} fen")
    member = read_model.member(session, tenant_id, original.member_id)
    entry = append(uow, tenant_id, member, original.period, amount_fen - current, today, kind="correction",
                   method=original.method, note=f"correction: {reason}"[:200], corrects=original.id,
                   org_unit_id=original.org_unit_id, caller_id=caller_id)
    return {**entry, "payment_now_fen": amount_fen}


def entries(session, tenant_id, member_id, year: int | None = None) -> list:
    p = models.payments
    query = select(p).where(p.c.tenant_id == tenant_id, p.c.member_id == member_id)
    if year is not None:
        query = query.where(p.c.period.like(f"{year:04d}-%"))
    return session.execute(query.order_by(p.c.period, p.c.recorded_at, p.c.id)).all()


# --- statement import ------------------------------------------------------------------------------

def check_statement_row(raw: dict) -> tuple[dict | None, list[tuple[str, str]]]:
    """A statement row's values, or the (field, reason) problems that stop it. Pure."""
    text_of, problems = files.row_texts(raw, STATEMENT_REQUIRED)
    paid_on = None
    if text_of.get("paid_at"):
        match = re.match(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$", text_of["paid_at"])
        try:
            paid_on = date(int(match[1]), int(match[2]), int(match[3])) if match else None
        except ValueError:
            paid_on = None
        if paid_on is None:
            problems.append(("paid_at", "expected a date YYYY-MM-DD, with or without a time"))
    amount = None
    if text_of.get("amount"):
        amount, why = rates.checked_fen(raw["amount"], 1, "must be more than 0 (a refund is entered as a correction)")
        if why:
            problems.append(("amount", why))
    period = text_of.get("period")
    if period:
        if not re.fullmatch(PERIOD_PATTERN, period):
            problems.append(("period", "expected a month YYYY-MM"))
    elif text_of.get("note"):
        found = re.search(r"(\d{4})(?:-|年)(\d{1,2})月?", text_of["note"])
        if found and 1 <= int(found[2]) <= 12:
            period = f"{found[1]}-{int(found[2]):02d}"
    if text_of.get("external_ref") and len(text_of["external_ref"]) > 128:
        problems.append(("external_ref", "longer than 128 characters"))
    if problems:
        return None, problems
    return {"paid_on": paid_on, "external_ref": text_of["external_ref"], "payer": text_of["payer"],
            "external_no": text_of.get("external_no"), "amount_fen": amount,
            "period": period or Period.of(paid_on), "note": (text_of.get("note") or "")[:200] or None}, []


def match_payer(values: dict, by_number: dict, by_name: dict) -> tuple[object | None, str | None]:
    """(member row, None) or (None, why not): by staff number, else by a name only one member has. Pure."""
    if values["external_no"]:
        member = by_number.get(values["external_no"])
        if member is None:
            return None, "no Party member of this branch has this staff number"
        if member.name != values["payer"]:
            return None, f"the payer's name does not match the member with this staff number ({member.name})"
        return member, None
    found = by_name.get(values["payer"], [])
    if not found:
        return None, "no Party member of this branch has this name"
    if len(found) > 1:
        return None, f"the name matches {len(found)} members of this branch; add 工号 to the row"
    return found[0], None


def import_statement(uow: UnitOfWork, tenant_id, branch_id, content: bytes, source: str, mode: str, caller_id) -> dict:
    session = uow.session
    read_model.require_branch(session, tenant_id, branch_id)
    header_of, rows = files.rows_by_field(content, "csv", STATEMENT_COLUMNS, STATEMENT_REQUIRED)
    day = read_model.tenant_today(session, tenant_id)
    members = read_model.branch_members(session, tenant_id, branch_id, day)
    mv = models.members_view
    rows_of = {r.member_id: r for r in session.execute(select(mv).where(
        mv.c.member_id.in_([m.member_id for m in members]))).all()}
    numbers = dict(session.execute(select(models.member_numbers.c.external_no, models.member_numbers.c.member_id)
                                   .where(models.member_numbers.c.tenant_id == tenant_id)).all())
    by_number = {no: rows_of[m] for no, m in numbers.items() if m in rows_of}
    by_name: dict = {}
    for row in rows_of.values():
        by_name.setdefault(row.name, []).append(row)
    p = models.payments
    recorded = set(session.execute(select(p.c.external_ref).where(
        p.c.tenant_id == tenant_id, p.c.source == source, p.c.external_ref.isnot(None))).scalars())

    errors, unmatched, accepted, already, seen = [], [], [], 0, set()
    for number, raw in rows:
        values, problems = check_statement_row(raw)
        for field, reason in problems:
            errors.append({"row": number, "column": header_of.get(field, STATEMENT_REQUIRED.get(field, field)),
                           "reason": reason})
        if values is None:
            continue
        if values["external_ref"] in recorded:
            already += 1
            continue
        if values["external_ref"] in seen:
            errors.append({"row": number, "column": header_of["external_ref"],
                           "reason": "this transaction number appears twice in the file"})
            continue
        seen.add(values["external_ref"])
        member, why = match_payer(values, by_number, by_name)
        if member is None:
            unmatched.append({"row": number, "payer": values["payer"], "amount_fen": values["amount_fen"],
                              "external_ref": values["external_ref"], "reason": why})
            continue
        accepted.append((member, values))
    report = {"rows": len(rows), "valid": len(accepted), "written": 0, "already_recorded": already,
              "errors": errors, "unmatched": unmatched, "mode": mode, "source": source,
              "total_fen": sum(v["amount_fen"] for _, v in accepted)}
    if (errors or unmatched) and mode == "all_or_nothing":
        return {**report, "status": "rejected", "total_fen": 0}
    for member, values in accepted:
        append(uow, tenant_id, member, values["period"], values["amount_fen"], values["paid_on"], method=source,
               source=source, external_ref=values["external_ref"], note=values["note"], caller_id=caller_id)
    return {**report, "written": len(accepted), "status": "imported"}
