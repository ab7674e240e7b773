"""What a member and a branch read: balances, statements, and the leaderboards of members and of
org units."""
from __future__ import annotations

import uuid

from sqlalchemy import func, select

from services.points import models
from services.points.read_model import tree


def balance(session, tenant_id: uuid.UUID, member_id: uuid.UUID, period: str | None) -> dict:
    ledger = models.ledger_entries
    query = select(ledger.c.period, func.sum(ledger.c.delta), func.count()).where(
        ledger.c.tenant_id == tenant_id, ledger.c.member_id == member_id).group_by(ledger.c.period)
    if period:
        query = query.where(ledger.c.period == period)
    by_period = {p: {"points": int(total), "entries": int(n)} for p, total, n in session.execute(query)}
    years: dict = {}
    for p, value in by_period.items():
        years[p[:4]] = years.get(p[:4], 0) + value["points"]
    bal = models.balances
    dims = {d: int(v) for d, v in session.execute(select(bal.c.dimension, bal.c.points).where(
        bal.c.tenant_id == tenant_id, bal.c.member_id == member_id, bal.c.period == period,
        bal.c.dimension != "total"))} if period else {}
    return {"member_id": str(member_id), "total": sum(v["points"] for v in by_period.values()),
            "periods": dict(sorted(by_period.items())), "years": dict(sorted(years.items())), "dimensions": dims}


def statement(session, tenant_id: uuid.UUID, member_id: uuid.UUID, period: str | None = None) -> list[dict]:
    ledger = models.ledger_entries
    query = select(ledger).where(ledger.c.tenant_id == tenant_id, ledger.c.member_id == member_id)
    if period:
        query = query.where(ledger.c.period == period)
    rows = session.execute(query.order_by(ledger.c.created_at, ledger.c.id)).all()
    return [{"id": str(r.id), "period": r.period, "org_unit_id": str(r.org_unit_id), "kind": r.kind, "delta": r.delta,
             "rule": r.rule_key,
             "rule_version": r.rule_version, "rule_set_id": str(r.rule_set_id) if r.rule_set_id else None,
             "dimension": r.dimension, "occurred_on": r.occurred_on.isoformat() if r.occurred_on else None,
             "activity_id": str(r.activity_id) if r.activity_id else None, "source_event_id": str(r.source_event_id),
             "reason": r.reason, "at": r.created_at.isoformat()} for r in rows]


def _ranks(scores: list) -> list[int]:
    """Competition ranks (1, 2, 2, 4) of scores sorted best first: equal scores share a rank."""
    ranks, rank, previous = [], 0, None
    for index, score in enumerate(scores, start=1):
        if score != previous:
            rank, previous = index, score
        ranks.append(rank)
    return ranks


def leaderboard(session, tenant_id, period: str, dimension: str, org_unit_id=None, limit: int = 20) -> dict:
    bal, names = models.balances, models.members_view
    query = select(bal.c.member_id, bal.c.org_unit_id, bal.c.points, names.c.name).outerjoin(
        names, names.c.member_id == bal.c.member_id).where(
        bal.c.tenant_id == tenant_id, bal.c.period == period, bal.c.dimension == dimension)
    if org_unit_id:
        # A branch's board includes its groups' members.
        units = tree(session, tenant_id).subtree(org_unit_id)
        query = query.where(bal.c.org_unit_id == units[0] if len(units) == 1 else bal.c.org_unit_id.in_(units))
    rows = session.execute(query.order_by(bal.c.points.desc(), bal.c.member_id).limit(limit)).all()
    board = [{"rank": rank, "member_id": str(r.member_id), "name": r.name, "org_unit_id": str(r.org_unit_id),
              "points": r.points} for rank, r in zip(_ranks([r.points for r in rows]), rows)]
    return {"period": period, "dimension": dimension, "org_unit_id": str(org_unit_id) if org_unit_id else None,
            "entries": board}


def unit_leaderboard(session, tenant_id, period: str, dimension: str) -> dict:
    """Org units (branches, groups) compared by their members' average points."""
    bal = models.balances
    rows = session.execute(select(bal.c.org_unit_id, func.count(), func.sum(bal.c.points)).where(
        bal.c.tenant_id == tenant_id, bal.c.period == period, bal.c.dimension == dimension)
        .group_by(bal.c.org_unit_id)).all()
    ou = models.org_units
    known = {u: (k, name) for u, k, name in session.execute(select(ou.c.org_unit_id, ou.c.kind, ou.c.name).where(
        ou.c.tenant_id == tenant_id))}
    units = sorted(({"org_unit_id": str(u), "kind": known.get(u, (None, None))[0],
                     "name": known.get(u, (None, None))[1], "members": int(n), "points": int(total),
                     "average": round(int(total) / int(n), 2)} for u, n, total in rows),
                   key=lambda u: (-u["average"], u["org_unit_id"]))
    for rank, unit in zip(_ranks([u["average"] for u in units]), units):
        unit["rank"] = rank
    return {"period": period, "dimension": dimension, "entries": units}
