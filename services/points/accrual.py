"""Accrual: activities' events priced into the ledger and the balances.

`accrue_all` is the hot path: a batch of logged activities in a fixed number of statements,
whatever its size. Approval, rejection and correction arrive one at a time. The arithmetic (the
caps, counting the batch's own earlier entries) is decided in `rules`; here are the reads under
the members' locks and the writes that carry it out.
"""
from __future__ import annotations

import uuid
from datetime import date
from typing import NamedTuple

from sqlalchemy import Date, Text, and_, func, select
from sqlalchemy.dialects.postgresql import UUID, insert

from services.common.contracts.activities import (
    ActivityApproved, ActivityCorrected, ActivityLogged, ActivityRejected,
)
from services.common.contracts.points import PointsAwarded
from services.common.db import UnitOfWork, new_id
from services.common.errors import DomainError
from services.points import models, rules
from services.points.read_model import unit_on, units_at, unnest
from services.points.rule_sets import resolve


class NoRuleForKind(DomainError):
    """No rule covers this kind; retrying cannot help, so the event is dead-lettered."""

    code = "no_rule"


class Planned(NamedTuple):
    """One ledger entry decided and about to be written."""

    event: object  # the event that caused it: its id keys the entry, its context the notice
    facts: dict
    rule: rules.Rule
    rule_set: rules.RuleSet
    award: rules.Award
    month_before: int  # the member's month total before this entry, for the notice


def earned(session, tenant_id, member_id, period: str, rule_key: str | None = None, *,
           day: date | None = None, year: bool = False, activity_id: uuid.UUID | None = None) -> int:
    ledger = models.ledger_entries
    query = select(func.coalesce(func.sum(ledger.c.delta), 0)).where(
        ledger.c.tenant_id == tenant_id, ledger.c.member_id == member_id)
    query = query.where(ledger.c.period.like(f"{period[:4]}-%") if year else ledger.c.period == period)
    if rule_key is not None:
        query = query.where(ledger.c.rule_key == rule_key)
    if day is not None:
        query = query.where(ledger.c.occurred_on == day)
    if activity_id is not None:
        query = query.where(ledger.c.activity_id == activity_id)
    return int(session.execute(query).scalar_one())


def _lock_members(session, members) -> None:
    """Serialise accruals per member: caps are read-then-write, so two activities arriving together
    must not both fit under the same remaining cap. (tenant, member) pairs, locked in one
    statement and one order everywhere, so two batches sharing members cannot deadlock."""
    ordered_members = sorted(set(members), key=lambda tm: (str(tm[0]), str(tm[1])))
    keys = unnest(k=(Text, [f"{tenant_id}:{member_id}" for tenant_id, member_id in ordered_members]))
    ordered = select(keys.c.k).order_by(keys.c.i).offset(0).subquery()  # OFFSET 0: lock in this order
    session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(ordered.c.k, 0)))).all()


def _rule_for(uow: UnitOfWork, event, facts: dict) -> tuple[rules.Rule, rules.RuleSet]:
    key = ("rule_set", event.tenant_id, facts["org_unit_id"], facts["occurred_on"])
    rs = uow.remember(key, lambda: resolve(uow.session, event.tenant_id, facts["org_unit_id"], facts["occurred_on"]))
    rule = rs.rules.get(facts["kind"])
    if rule is None:
        raise NoRuleForKind(f"kind {facts['kind']!r} has no points rule")
    return rule, rs


def _facts(event, unit) -> dict:
    """What points records of an activity; it counts in `unit`, where the member was on its day."""
    return dict(activity_id=event.activity_id, tenant_id=event.tenant_id, member_id=event.member_id,
                org_unit_id=unit, kind=event.kind, variant=event.variant, period=event.period,
                occurred_on=event.occurred_on, quantity=event.quantity)


def _claim(event, facts: dict, rule: rules.Rule) -> rules.Claim:
    return rules.Claim(member=(event.tenant_id, event.member_id), rule=rule, period=facts["period"],
                       occurred_on=facts["occurred_on"], quantity=facts["quantity"], variant=facts.get("variant"))


def _standings(session, events: list, facts: list[dict], rule_list: list) -> list[rules.Standing]:
    """Each event's standing, for a whole batch in one read; what was committed before the batch,
    so the caller adds the batch's own earlier entries."""
    ledger = models.ledger_entries
    w = unnest(t=(UUID, [e.tenant_id for e in events]), m=(UUID, [e.member_id for e in events]),
               r=(Text, [rule.key for rule in rule_list]), p=(Text, [f["period"] for f in facts]),
               d=(Date, [f["occurred_on"] for f in facts]), y=(Text, [f["period"][:4] for f in facts]))
    same_rule, same_month = ledger.c.rule_key == w.c.r, ledger.c.period == w.c.p

    def total(*where):
        return func.coalesce(func.sum(ledger.c.delta).filter(and_(*where)), 0)

    rows = session.execute(select(
        w.c.i, total(same_rule, same_month).label("rule_month"),
        total(same_rule, same_month, ledger.c.occurred_on == w.c.d).label("rule_day"),
        total(same_rule).label("rule_year"), total(same_month).label("month"),
    ).select_from(w.outerjoin(ledger, and_(
        ledger.c.tenant_id == w.c.t, ledger.c.member_id == w.c.m,
        ledger.c.period.between(w.c.y + "-01", w.c.y + "-12")))).group_by(w.c.i)).all()
    by_index = {row.i: rules.Standing(**{k: int(v) for k, v in row._mapping.items() if k != "i"}) for row in rows}
    return [by_index[i] for i in range(1, len(events) + 1)]


def _standing(session, event, facts: dict, rule: rules.Rule) -> rules.Standing:
    return _standings(session, [event], [facts], [rule])[0]


def _stored_status(session, activity_id) -> str | None:
    return session.execute(select(models.activity_facts.c.status).where(
        models.activity_facts.c.activity_id == activity_id)).scalar_one_or_none()


def _has_entries(session, tenant_id, activity_id) -> bool:
    ledger = models.ledger_entries
    return session.execute(select(ledger.c.id).where(
        ledger.c.tenant_id == tenant_id, ledger.c.activity_id == activity_id).limit(1)).first() is not None


def accrue_for_activity(uow: UnitOfWork, event: ActivityLogged) -> None:
    accrue_all(uow, [event])


def accrue_all(uow: UnitOfWork, events: list[ActivityLogged]) -> None:
    """Price a batch of logged activities in a fixed number of statements, whatever its size.

    Event by event this is what the one-event handlers do (lock the member, record the facts,
    read the standing, append an entry, bump the balances); here each step is one statement for
    the whole batch. Caps stay exact: each member's standing is read once, under that member's
    lock, and `rules.price_in_order` adds the batch's own entries to it as they are decided.
    """
    session = uow.session
    units = units_at(session, [(e.tenant_id, e.member_id, day) for e in events
                               for day in (e.occurred_on, rules.period_end(e.period), rules.period_end(e.period[:4]))])
    facts = [_facts(e, units.get((e.tenant_id, e.member_id, e.occurred_on)) or e.org_unit_id) for e in events]
    priced = [_rule_for(uow, e, f) for e, f in zip(events, facts)]
    rule_list = [rule for rule, _ in priced]
    _lock_members(session, [(e.tenant_id, e.member_id) for e in events])
    # A decision may overtake the log on another queue: never let the log overwrite it.
    af = models.activity_facts
    first = set(session.execute(insert(af).on_conflict_do_nothing().returning(af.c.activity_id),
                                [dict(status=e.status, **f) for e, f in zip(events, facts)]).scalars())
    standings = _standings(session, events, facts, rule_list)
    earning = _earning(session, events, rule_list, first)
    decisions = rules.price_in_order((_claim(events[i], facts[i], rule_list[i]), standings[i]) for i in earning)
    _append_all(uow, [Planned(events[i], facts[i], *priced[i], award, month_before)
                      for i, (award, month_before) in zip(earning, decisions)], units)


def _earning(session, events: list[ActivityLogged], rule_list: list[rules.Rule], first: set) -> list[int]:
    """The positions in the batch of the activities to price now: each activity once (its first
    copy decides it), only if its status pays, and not again if it already has entries."""
    earning, seen = [], set()
    for index, (event, rule) in enumerate(zip(events, rule_list)):
        if event.activity_id in seen:
            continue  # the same activity twice in one batch: the first copy decided it
        seen.add(event.activity_id)
        # Only an event about this activity that came first (a decision) can have left ledger entries.
        is_first = event.activity_id in first
        status = event.status if is_first else _stored_status(session, event.activity_id)
        if not rules.pays(rule, status):
            continue
        if not is_first and _has_entries(session, event.tenant_id, event.activity_id):
            continue
        earning.append(index)
    return earning


def _append(uow: UnitOfWork, event, facts: dict, rule: rules.Rule, rs: rules.RuleSet, award: rules.Award,
            month_before: int | None = None) -> None:
    """Write one ledger entry, its balances and its notice. `month_before`, when the caller has
    it (read under the member's lock), is the month's total before this entry."""
    session, t, m, period = uow.session, event.tenant_id, facts["member_id"], facts["period"]
    if month_before is None:
        month_before = earned(session, t, m, period)
    units = units_at(session, [(t, m, rules.period_end(p)) for p in (period, period[:4])])
    _append_all(uow, [Planned(event, facts, rule, rs, award, month_before)], units)


def _append_all(uow: UnitOfWork, planned: list[Planned], units: dict) -> None:
    """`_append` for a batch: its ledger entries in one insert, its balances in one upsert, and a
    notice per entry, published in the context of the event that caused it."""
    if not planned:
        return
    rows = [dict(id=new_id(), tenant_id=p.event.tenant_id, member_id=p.facts["member_id"],
                 org_unit_id=p.facts["org_unit_id"], period=p.facts["period"], kind=p.facts["kind"],
                 delta=p.award.delta, rule_key=p.rule.key, rule_version=p.rule_set.version,
                 rule_set_id=p.rule_set.rule_set_id, activity_id=p.facts["activity_id"],
                 source_event_id=p.event.event_id, reason=p.award.reason[:200], occurred_on=p.facts["occurred_on"],
                 dimension=p.rule.dimension)
            for p in planned]
    ledger = models.ledger_entries
    inserted = set(uow.session.execute(insert(ledger).on_conflict_do_nothing(
        constraint="uq_ledger_source_rule").returning(ledger.c.id), rows).scalars())
    bumps: dict[tuple, dict] = {}
    for row, p in zip(rows, planned):
        if row["id"] not in inserted:
            continue
        for period, dimension in rules.balance_keys(p.facts["period"], p.rule.dimension):
            unit = units.get((p.event.tenant_id, p.facts["member_id"], rules.period_end(period))) \
                or p.facts["org_unit_id"]
            key = (p.event.tenant_id, p.facts["member_id"], period, dimension)
            bump = bumps.setdefault(key, dict(zip(("tenant_id", "member_id", "period", "dimension"), key), points=0))
            bump.update(org_unit_id=unit, points=bump["points"] + p.award.delta)
        uow.on_behalf_of(p.event)
        uow.publish(PointsAwarded(
            tenant_id=p.event.tenant_id, entry_id=row["id"], member_id=p.facts["member_id"],
            org_unit_id=p.facts["org_unit_id"], activity_id=p.facts["activity_id"], kind=p.facts["kind"],
            delta=p.award.delta, period=p.facts["period"], period_total=p.month_before + p.award.delta,
            reason=row["reason"], correlation_id=p.event.correlation_id))
    _bump_balances(uow.session, list(bumps.values()))


def _bump_balances(session, rows: list[dict]) -> None:
    """Add each row's points to its balance, and move the balance to the row's unit.

    INSERT ... SELECT FROM unnest: one statement and one round trip for every row (an
    executemany of an upsert would be a round trip per row)."""
    if not rows:
        return
    table = models.balances
    columns = ("tenant_id", "member_id", "org_unit_id", "period", "dimension", "points")
    given = unnest(**{c: (table.c[c].type, [row[c] for row in rows]) for c in columns})
    stmt = insert(table).from_select(columns, select(*(given.c[c] for c in columns)))
    session.execute(stmt.on_conflict_do_update(
        constraint="pk_balances",
        set_={"points": table.c.points + stmt.excluded.points, "org_unit_id": stmt.excluded.org_unit_id}))


def _record(uow: UnitOfWork, event, status: str, on_conflict: dict,
            where=None) -> tuple[dict, rules.Rule, rules.RuleSet]:
    """Lock the member and record the activity's facts with `status` (or update the stored ones
    with `on_conflict`); gives the facts, the rule and the rule set that price it."""
    session = uow.session
    facts = _facts(event, unit_on(session, event.tenant_id, event.member_id, event.occurred_on, event.org_unit_id))
    rule, rs = _rule_for(uow, event, facts)
    _lock_members(session, [(event.tenant_id, event.member_id)])
    stmt = insert(models.activity_facts).values(status=status, **facts)
    session.execute(stmt.on_conflict_do_update(index_elements=["activity_id"], set_=on_conflict, where=where))
    return facts, rule, rs


def on_approved(uow: UnitOfWork, event: ActivityApproved) -> None:
    session = uow.session
    facts, rule, rs = _record(uow, event, "approved", {"status": "approved"},
                              where=models.activity_facts.c.status != "rejected")
    if _stored_status(session, event.activity_id) != "approved" \
            or _has_entries(session, event.tenant_id, event.activity_id):
        return
    standing = _standing(session, event, facts, rule)
    _append(uow, event, facts, rule, rs, _claim(event, facts, rule).award(standing), month_before=standing.month)


def on_rejected(uow: UnitOfWork, event: ActivityRejected) -> None:
    facts, rule, rs = _record(uow, event, "rejected", {"status": "rejected"})
    current = earned(uow.session, event.tenant_id, event.member_id, event.period, activity_id=event.activity_id)
    if current:
        reversal = rules.Award(-current, f"{rule.key}: {-current:+d} (rejected: {event.reason})")
        _append(uow, event, facts, rule, rs, reversal)


def on_corrected(uow: UnitOfWork, event: ActivityCorrected) -> None:
    session = uow.session
    facts, rule, rs = _record(uow, event, "approved", {"quantity": event.quantity})
    if not rules.pays(rule, _stored_status(session, event.activity_id)):
        return
    current = earned(session, event.tenant_id, event.member_id, event.period, activity_id=event.activity_id)
    decision = _claim(event, facts, rule).award(_standing(session, event, facts, rule), exclude_current=current)
    diff = decision.delta - current
    if diff:
        _append(uow, event, facts, rule, rs, rules.Award(
            diff, f"{rule.key}: {diff:+d} (corrected {event.previous_quantity} -> {event.quantity}: {event.reason})"))
