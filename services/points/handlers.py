"""The points service's use cases."""
from __future__ import annotations

import uuid

from sqlalchemy import func, select, text

from services.common.contracts.activities import ActivityLogged
from services.common.contracts.points import PointsAwarded
from services.common.db import UnitOfWork, new_id
from services.common.errors import DomainError
from services.points import models, rules


class NoRuleForKind(DomainError):
    """No rule covers this kind; retrying cannot help, so the event is dead-lettered."""

    code = "no_rule"


def _lock_member(session, tenant_id: uuid.UUID, member_id: uuid.UUID) -> None:
    # Caps are read-then-write: serialise concurrent accruals for one member so two activities
    # arriving together cannot both fit under the same remaining cap.
    session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": f"{tenant_id}:{member_id}"})


def earned(session, tenant_id, member_id, period: str, rule_key: str | None = None) -> int:
    ledger = models.ledger_entries
    query = select(func.coalesce(func.sum(ledger.c.delta), 0)).where(
        ledger.c.tenant_id == tenant_id, ledger.c.member_id == member_id, ledger.c.period == period)
    if rule_key is not None:
        query = query.where(ledger.c.rule_key == rule_key)
    return int(session.execute(query).scalar_one())


def accrue_for_activity(uow: UnitOfWork, event: ActivityLogged) -> None:
    rule = rules.DEFAULT_RULES.get(event.kind)
    if rule is None:
        raise NoRuleForKind(f"kind {event.kind!r} has no points rule")
    session = uow.session
    _lock_member(session, event.tenant_id, event.member_id)
    decision = rules.award(rule, event.quantity, earned(session, event.tenant_id, event.member_id, event.period, rule.key))
    entry_id = new_id()
    session.execute(models.ledger_entries.insert().values(
        id=entry_id, tenant_id=event.tenant_id, member_id=event.member_id, org_unit_id=event.org_unit_id,
        period=event.period, kind=event.kind, delta=decision.delta, rule_key=rule.key,
        rule_version=rules.RULE_SET_VERSION, activity_id=event.activity_id, source_event_id=event.event_id,
        reason=decision.reason,
    ))
    uow.publish(PointsAwarded(
        tenant_id=event.tenant_id, entry_id=entry_id, member_id=event.member_id, org_unit_id=event.org_unit_id,
        activity_id=event.activity_id, kind=event.kind, delta=decision.delta, period=event.period,
        period_total=earned(session, event.tenant_id, event.member_id, event.period), reason=decision.reason,
        correlation_id=event.correlation_id,
    ))


def balance(session, tenant_id: uuid.UUID, member_id: uuid.UUID, period: str | None) -> dict:
    ledger = models.ledger_entries
    query = select(ledger.c.period, func.sum(ledger.c.delta), func.count()).where(
        ledger.c.tenant_id == tenant_id, ledger.c.member_id == member_id).group_by(ledger.c.period)
    if period:
        query = query.where(ledger.c.period == period)
    by_period = {p: {"points": int(total), "entries": int(n)} for p, total, n in session.execute(query)}
    return {"member_id": str(member_id), "total": sum(v["points"] for v in by_period.values()),
            "periods": dict(sorted(by_period.items()))}


def statement(session, tenant_id: uuid.UUID, member_id: uuid.UUID) -> list[dict]:
    ledger = models.ledger_entries
    rows = session.execute(select(ledger).where(ledger.c.tenant_id == tenant_id, ledger.c.member_id == member_id)
                           .order_by(ledger.c.created_at, ledger.c.id)).all()
    return [{"id": str(r.id), "period": r.period, "kind": r.kind, "delta": r.delta, "rule": r.rule_key,
             "rule_version": r.rule_version, "activity_id": str(r.activity_id) if r.activity_id else None,
             "reason": r.reason, "at": r.created_at.isoformat()} for r in rows]
