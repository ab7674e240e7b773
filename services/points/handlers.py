"""The points service's use cases."""
from __future__ import annotations

import calendar
import uuid
from dataclasses import replace
from datetime import date, datetime

from sqlalchemy import Date, Text, and_, bindparam, cast, func, or_, select, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID, insert

from services.common.contracts.activities import (
    ActivityApproved, ActivityKindAdded, ActivityCorrected, ActivityDayScheduled, ActivityLogged, ActivityRejected,
)
from services.common import roster
from services.common.contracts.members import (
    MemberJoined, MemberLeft, MemberStatusChanged, MemberTransferred, MemberUpdated, OrgUnitChanged,
    TenantConfigured,
)
from services.common.contracts.points import MonthClosed, PointsAwarded
from services.common.db import UnitOfWork, new_id
from services.common.errors import Conflict, DomainError, InvalidInput, NotFound
from services.points import models, rules, schedule

FOUR_DUTIES = ("opinion_listening", "activist_followup", "theory_reading", "volunteer_service")
DAY_KINDS = ("activity_day_attendance", "activity_day_leave")
CLOSE_NAMESPACE = uuid.UUID("6d7c1c52-3f7e-4c1e-9a51-0c3f1f1d9a10")


class NoRuleForKind(DomainError):
    """No rule covers this kind; retrying cannot help, so the event is dead-lettered."""

    code = "no_rule"


def _lock_member(session, tenant_id: uuid.UUID, member_id: uuid.UUID) -> None:
    _lock_members(session, [(tenant_id, member_id)])


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


# --- rule sets ---------------------------------------------------------------------------------

def _layer(session, tenant_id, scope: str, on: date):
    table = models.rule_sets
    return session.execute(select(table).where(
        table.c.tenant_id == tenant_id, table.c.scope == scope, table.c.effective_from <= on)
        .order_by(table.c.effective_from.desc()).limit(1)).first()


def resolve(session, tenant_id, org_unit_id, on: date) -> rules.RuleSet:
    """The rule set in force for a branch on a day: built-in <- tenant default <- branch."""
    resolved = rules.DEFAULT_RULE_SET
    custom = models.custom_rules
    added = session.execute(select(custom).where(custom.c.tenant_id == tenant_id)).all()
    if added:
        extra = {r.key: rules.Rule(r.key, r.points_per_unit, monthly_cap=r.monthly_cap, dimension=r.dimension,
                                   requires_approval=r.requires_approval) for r in added}
        resolved = replace(resolved, rules={**extra, **resolved.rules})
    # Rule sets are per branch: a group's members are priced by the branch above it.
    branch = tree(session, tenant_id).branch_of(org_unit_id) if org_unit_id else None
    for scope in ("default", str(branch) if branch else None):
        row = scope and _layer(session, tenant_id, scope, on)
        if row:
            resolved = rules.apply_layer(resolved, rules.Layer.model_validate(row.body), row.version, row.id)
    return resolved


def rule_set_dict(rs: rules.RuleSet, on: date) -> dict:
    return {"on": on.isoformat(), "version": rs.version,
            "rule_set_id": str(rs.rule_set_id) if rs.rule_set_id else None,
            "settings": rs.settings, "rules": {k: rules.rule_dict(r) for k, r in sorted(rs.rules.items())}}


def save_rule_set(uow: UnitOfWork, tenant_id, org_unit_id, effective_from: date, layer: rules.Layer,
                  caller_id) -> dict:
    table = models.rule_sets
    scope = str(org_unit_id) if org_unit_id else "default"
    session = uow.session
    session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": f"rules:{tenant_id}:{scope}"})
    latest = session.execute(select(table.c.version, table.c.effective_from).where(
        table.c.tenant_id == tenant_id, table.c.scope == scope).order_by(table.c.version.desc()).limit(1)).first()
    if latest is not None and effective_from <= latest.effective_from:
        raise Conflict(f"effective_from must be after the latest version's date ({latest.effective_from})")
    version = (latest.version if latest else rules.RULE_SET_VERSION) + 1
    rule_set_id = new_id()
    session.execute(table.insert().values(
        id=rule_set_id, tenant_id=tenant_id, scope=scope, version=version, effective_from=effective_from,
        body=layer.model_dump(mode="json", exclude_none=True), created_by=caller_id))
    return {"id": str(rule_set_id), "scope": scope, "version": version, "effective_from": effective_from.isoformat(),
            "body": layer.model_dump(mode="json", exclude_none=True)}


# --- accrual -----------------------------------------------------------------------------------

def _append(uow: UnitOfWork, event, facts: dict, rule: rules.Rule, rs: rules.RuleSet, delta: int, reason: str,
            month_before: int | None = None) -> None:
    """Write one ledger entry, its balances and its notice. `month_before`, when the caller has
    it (read under the member's lock), is the month's total before this entry."""
    session, t, m, period = uow.session, event.tenant_id, facts["member_id"], facts["period"]
    if month_before is None:
        month_before = earned(session, t, m, period)
    units = _units_at(session, [(t, m, period_end(p)) for p in (period, period[:4])])
    _append_all(uow, [(event, facts, rule, rs, rules.Award(delta, reason), month_before)], units)


def _rule_for(uow: UnitOfWork, event, facts: dict) -> tuple[rules.Rule, rules.RuleSet]:
    key = ("rule_set", event.tenant_id, facts["org_unit_id"], facts["occurred_on"])
    rs = uow.remember(key, lambda: resolve(uow.session, event.tenant_id, facts["org_unit_id"], facts["occurred_on"]))
    rule = rs.rules.get(facts["kind"])
    if rule is None:
        raise NoRuleForKind(f"kind {facts['kind']!r} has no points rule")
    return rule, rs


def _standing(session, event, facts: dict, rule: rules.Rule) -> dict:
    """What the member has earned so far, in one read: under this rule this month, on the
    activity's day and this year (for the caps), and in all this month (for the notice)."""
    return _standings(session, [event], [facts], [rule])[0]


def _value(standing: dict, facts: dict, rule: rules.Rule, exclude_current: int = 0) -> rules.Award:
    return rules.award(
        rule, facts["quantity"], standing["rule_month"] - exclude_current, variant=facts.get("variant"),
        earned_today=standing["rule_day"] - exclude_current,
        earned_this_year=standing["rule_year"] - exclude_current)


def _facts(session, event) -> dict:
    # The activity counts in the unit the member was in on its day, as far as transfers are known.
    unit = unit_on(session, event.tenant_id, event.member_id, event.occurred_on, event.org_unit_id)
    return dict(activity_id=event.activity_id, tenant_id=event.tenant_id, member_id=event.member_id,
                org_unit_id=unit, kind=event.kind, variant=event.variant, period=event.period,
                occurred_on=event.occurred_on, quantity=event.quantity)


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
    lock, and the batch's own entries are added to it in Python as they are decided, in order.
    """
    session = uow.session
    units = _units_at(session, [(e.tenant_id, e.member_id, day) for e in events
                                for day in (e.occurred_on, period_end(e.period), period_end(e.period[:4]))])
    facts = [dict(activity_id=e.activity_id, tenant_id=e.tenant_id, member_id=e.member_id,
                  org_unit_id=units.get((e.tenant_id, e.member_id, e.occurred_on)) or e.org_unit_id,
                  kind=e.kind, variant=e.variant, period=e.period, occurred_on=e.occurred_on, quantity=e.quantity)
             for e in events]
    priced = [_rule_for(uow, e, f) for e, f in zip(events, facts)]
    _lock_members(session, [(e.tenant_id, e.member_id) for e in events])
    # A decision may overtake the log on another queue: never let the log overwrite it.
    af = models.activity_facts
    first = set(session.execute(insert(af).on_conflict_do_nothing().returning(af.c.activity_id),
                                [dict(status=e.status, **f) for e, f in zip(events, facts)]).scalars())
    standings = _standings(session, events, facts, [rule for rule, _ in priced])
    planned: list[tuple[ActivityLogged, dict, rules.Rule, rules.RuleSet, rules.Award, int]] = []
    planned_for: dict[tuple, list] = {}  # (tenant, member) -> that member's entries so far in this batch
    seen = set()
    for event, f, (rule, rs), standing in zip(events, facts, priced, standings):
        if event.activity_id in seen:
            continue  # the same activity twice in one batch: the first copy decided it
        seen.add(event.activity_id)
        # Only an event about this activity that came first (a decision) can have left ledger entries.
        is_first = event.activity_id in first
        status = event.status if is_first else _stored_status(session, event.activity_id)
        if status == "rejected" or (rule.requires_approval and status != "approved"):
            continue
        if not is_first and _has_entries(session, event.tenant_id, event.activity_id):
            continue
        mine = planned_for.setdefault((event.tenant_id, event.member_id), [])
        for _, earlier, earlier_rule, _, award, _ in mine:
            _add_to_standing(standing, f, rule, earlier, earlier_rule, award.delta)
        planned.append((event, f, rule, rs, _value(standing, f, rule), standing["month"]))
        mine.append(planned[-1])
    _append_all(uow, planned, units)


def _units_at(session, wanted: list[tuple]) -> dict[tuple, uuid.UUID]:
    """The unit each (tenant, member, day) of `wanted` was in by the transfers known, in one
    read; missing where no transfer bears on it (see `_unit_at`)."""
    wanted = list(dict.fromkeys(wanted))
    w = _unnest(t=(UUID, [t for t, _, _ in wanted]), m=(UUID, [m for _, m, _ in wanted]),
                d=(Date, [d for _, _, d in wanted]))
    rows = session.execute(select(w.c.i, _unit_at(w.c.t, w.c.m, w.c.d))).all()
    return {wanted[i - 1]: unit for i, unit in rows if unit is not None}


def _unnest(**arrays):
    """Rows from parallel arrays, one per batch item: unnest(...) WITH ORDINALITY, `i` from 1.
    The statement's text does not depend on the batch's size, so SQLAlchemy compiles it once."""
    return func.unnest(*(cast(bindparam(name, values), ARRAY(type_)) for name, (type_, values) in arrays.items())) \
        .table_valued(*arrays, with_ordinality="i").render_derived()


def _lock_members(session, members) -> None:
    """Serialise accruals per member: caps are read-then-write, so two activities arriving together
    must not both fit under the same remaining cap. (tenant, member) pairs, locked in one
    statement and one order everywhere, so two batches sharing members cannot deadlock."""
    ordered_members = sorted(set(members), key=lambda tm: (str(tm[0]), str(tm[1])))
    keys = _unnest(k=(Text, [f"{tenant_id}:{member_id}" for tenant_id, member_id in ordered_members]))
    ordered = select(keys.c.k).order_by(keys.c.i).offset(0).subquery()  # OFFSET 0: lock in this order
    session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(ordered.c.k, 0)))).all()


def _standings(session, events: list, facts: list[dict], rule_list: list) -> list[dict]:
    """Each event's standing (see `_standing`), for a whole batch in one read; what was committed
    before the batch, so the caller adds the batch's own earlier entries."""
    ledger = models.ledger_entries
    w = _unnest(t=(UUID, [e.tenant_id for e in events]), m=(UUID, [e.member_id for e in events]),
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
    by_index = {row.i: {k: int(v) for k, v in row._mapping.items() if k != "i"} for row in rows}
    return [by_index[i] for i in range(1, len(events) + 1)]


def _add_to_standing(standing: dict, facts: dict, rule, earlier: dict, earlier_rule, delta: int) -> None:
    """Count an entry decided earlier in the same batch (same member) into a standing."""
    if earlier["period"][:4] != facts["period"][:4]:
        return
    same_month = earlier["period"] == facts["period"]
    if same_month:
        standing["month"] += delta
    if earlier_rule.key == rule.key:
        standing["rule_year"] += delta
        if same_month:
            standing["rule_month"] += delta
            if earlier["occurred_on"] == facts["occurred_on"]:
                standing["rule_day"] += delta


def _append_all(uow: UnitOfWork, planned: list, units: dict) -> None:
    """`_append` for a batch: its ledger entries in one insert, its balances in one upsert, and a
    notice per entry, published in the context of the event that caused it."""
    if not planned:
        return
    session = uow.session
    rows = [dict(id=new_id(), tenant_id=e.tenant_id, member_id=f["member_id"], org_unit_id=f["org_unit_id"],
                 period=f["period"], kind=f["kind"], delta=award.delta, rule_key=rule.key, rule_version=rs.version,
                 rule_set_id=rs.rule_set_id, activity_id=f["activity_id"], source_event_id=e.event_id,
                 reason=award.reason[:200], occurred_on=f["occurred_on"], dimension=rule.dimension)
            for e, f, rule, rs, award, _ in planned]
    ledger = models.ledger_entries
    inserted = set(session.execute(insert(ledger).on_conflict_do_nothing(
        constraint="uq_ledger_source_rule").returning(ledger.c.id), rows).scalars())
    bumps: dict[tuple, dict] = {}
    for row, (event, f, rule, _, award, month_before) in zip(rows, planned):
        if row["id"] not in inserted:
            continue
        for period in (f["period"], f["period"][:4]):
            unit = units.get((event.tenant_id, f["member_id"], period_end(period))) or f["org_unit_id"]
            for dimension in (rule.dimension, "total"):
                key = (event.tenant_id, f["member_id"], period, dimension)
                bump = bumps.setdefault(key, dict(zip(("tenant_id", "member_id", "period", "dimension"), key), points=0))
                bump.update(org_unit_id=unit, points=bump["points"] + award.delta)
        uow.on_behalf_of(event)
        uow.publish(PointsAwarded(
            tenant_id=event.tenant_id, entry_id=row["id"], member_id=f["member_id"], org_unit_id=f["org_unit_id"],
            activity_id=f["activity_id"], kind=f["kind"], delta=award.delta, period=f["period"],
            period_total=month_before + award.delta, reason=row["reason"], correlation_id=event.correlation_id))
    if bumps:
        # INSERT ... SELECT FROM unnest: one statement and one round trip for every row (an
        # executemany of an upsert would be a round trip per row).
        table, rows = models.balances, list(bumps.values())
        columns = ("tenant_id", "member_id", "org_unit_id", "period", "dimension", "points")
        given = _unnest(**{c: (table.c[c].type, [row[c] for row in rows]) for c in columns})
        stmt = insert(table).from_select(columns, select(*(given.c[c] for c in columns)))
        session.execute(stmt.on_conflict_do_update(
            constraint="pk_balances",
            set_={"points": table.c.points + stmt.excluded.points, "org_unit_id": stmt.excluded.org_unit_id}))


def on_approved(uow: UnitOfWork, event: ActivityApproved) -> None:
    session = uow.session
    facts = _facts(session, event)
    rule, rs = _rule_for(uow, event, facts)
    _lock_member(session, event.tenant_id, event.member_id)
    stmt = insert(models.activity_facts).values(status="approved", **facts)
    session.execute(stmt.on_conflict_do_update(
        index_elements=["activity_id"], set_={"status": "approved"},
        where=models.activity_facts.c.status != "rejected"))
    if _stored_status(session, event.activity_id) != "approved" or _has_entries(session, event.tenant_id, event.activity_id):
        return
    standing = _standing(session, event, facts, rule)
    decision = _value(standing, facts, rule)
    _append(uow, event, facts, rule, rs, decision.delta, decision.reason, month_before=standing["month"])


def on_rejected(uow: UnitOfWork, event: ActivityRejected) -> None:
    session = uow.session
    facts = _facts(session, event)
    rule, rs = _rule_for(uow, event, facts)
    _lock_member(session, event.tenant_id, event.member_id)
    stmt = insert(models.activity_facts).values(status="rejected", **facts)
    session.execute(stmt.on_conflict_do_update(index_elements=["activity_id"], set_={"status": "rejected"}))
    current = earned(session, event.tenant_id, event.member_id, event.period, activity_id=event.activity_id)
    if current:
        _append(uow, event, facts, rule, rs, -current, f"{rule.key}: {-current:+d} (rejected: {event.reason})")


def on_corrected(uow: UnitOfWork, event: ActivityCorrected) -> None:
    session = uow.session
    facts = _facts(session, event)
    rule, rs = _rule_for(uow, event, facts)
    _lock_member(session, event.tenant_id, event.member_id)
    stmt = insert(models.activity_facts).values(status="approved", **facts)
    session.execute(stmt.on_conflict_do_update(index_elements=["activity_id"], set_={"quantity": event.quantity}))
    status = _stored_status(session, event.activity_id)
    if status == "rejected" or (rule.requires_approval and status != "approved"):
        return
    current = earned(session, event.tenant_id, event.member_id, event.period, activity_id=event.activity_id)
    decision = _value(_standing(session, event, facts, rule), facts, rule, exclude_current=current)
    diff = decision.delta - current
    if diff:
        _append(uow, event, facts, rule, rs, diff,
                f"{rule.key}: {diff:+d} (corrected {event.previous_quantity} -> {event.quantity}: {event.reason})")


# --- read models -------------------------------------------------------------------------------

def remember_member(uow: UnitOfWork, event: MemberJoined) -> None:
    roster.remember_member(uow.session, models.members_view, event)


def follow_transfer(uow: UnitOfWork, event: MemberTransferred) -> None:
    """Later activities count in the new unit; the ledger keeps the units entries were made in,
    and balances of periods ending on or after the transfer move with the member."""
    session = uow.session
    roster.follow_transfer(session, models.members_view, event)
    session.execute(insert(models.unit_changes).values(
        event_id=event.event_id, tenant_id=event.tenant_id, member_id=event.member_id,
        from_org_unit_id=event.from_org_unit_id, to_org_unit_id=event.to_org_unit_id,
        effective_on=event.effective_on, recorded_at=event.occurred_at,
    ).on_conflict_do_nothing())
    bal = models.balances
    periods = session.execute(select(bal.c.period).distinct().where(
        bal.c.tenant_id == event.tenant_id, bal.c.member_id == event.member_id)).scalars().all()
    for period in periods:
        if period_end(period) >= event.effective_on:
            session.execute(bal.update().where(
                bal.c.tenant_id == event.tenant_id, bal.c.member_id == event.member_id, bal.c.period == period,
            ).values(org_unit_id=unit_on(session, event.tenant_id, event.member_id, period_end(period),
                                         event.to_org_unit_id)))


def follow_status(uow: UnitOfWork, event: MemberStatusChanged) -> None:
    roster.follow_status(uow.session, models.members_view, event)


def follow_update(uow: UnitOfWork, event: MemberUpdated) -> None:
    roster.follow_update(uow.session, models.members_view, event)


def follow_leaving(uow: UnitOfWork, event: MemberLeft) -> None:
    roster.follow_leaving(uow.session, models.members_view, event)


def remember_org_unit(uow: UnitOfWork, event: OrgUnitChanged) -> None:
    roster.remember_org_unit(uow.session, models.org_units, event)


def remember_tenant(uow: UnitOfWork, event: TenantConfigured) -> None:
    roster.remember_tenant(uow.session, models.tenants, event)


def tree(session, tenant_id) -> roster.OrgTree:
    return roster.OrgTree.load(session, models.org_units, tenant_id)


def tenant_today(session, tenant_id, now: datetime | None = None) -> date:
    return roster.today_in(roster.timezone_of(session, models.tenants, tenant_id), now)


def _unit_at(tenant_id, member_id, day: date):
    """SQL: the unit a member was in on `day` from the transfers known (null when none bear on it):
    the latest transfer in force by then, else where the first later transfer moved them from."""
    c = models.unit_changes
    mine = (c.c.tenant_id == tenant_id, c.c.member_id == member_id)
    after = select(c.c.to_org_unit_id).where(*mine, c.c.effective_on <= day).order_by(
        c.c.effective_on.desc(), c.c.recorded_at.desc()).limit(1).scalar_subquery()
    before = select(c.c.from_org_unit_id).where(*mine, c.c.effective_on > day).order_by(
        c.c.effective_on, c.c.recorded_at).limit(1).scalar_subquery()
    return func.coalesce(after, before)


def unit_on(session, tenant_id, member_id, day: date, fallback):
    return _units_at(session, [(tenant_id, member_id, day)]).get((tenant_id, member_id, day)) or fallback


def _members_on(session, tenant_id, units: list, day: date, tenant_ids=None):
    """(member_id, unit on `day`) of the members counted on `day` whose unit then is in `units`
    (every unit when `units` is None, across `tenant_ids`)."""
    mv, c = models.members_view, models.unit_changes
    at = func.coalesce(_unit_at(mv.c.tenant_id, mv.c.member_id, day), mv.c.org_unit_id).label("unit")
    query = select(mv.c.tenant_id, mv.c.member_id, at).where(roster.counted_on(mv, day))
    if units is None:
        return session.execute(query.where(mv.c.tenant_id.in_(tenant_ids)) if tenant_ids is not None else query).all()
    moved = select(c.c.member_id).where(c.c.tenant_id == tenant_id, or_(
        c.c.to_org_unit_id.in_(units), c.c.from_org_unit_id.in_(units)))
    rows = session.execute(query.where(mv.c.tenant_id == tenant_id, or_(
        mv.c.org_unit_id.in_(units), mv.c.member_id.in_(moved)))).all()
    wanted = set(units)
    return [(m, u) for _, m, u in rows if u in wanted]


def remember_kind(uow: UnitOfWork, event: ActivityKindAdded) -> None:
    uow.session.execute(insert(models.custom_rules).values(
        tenant_id=event.tenant_id, key=event.key, points_per_unit=event.points_per_unit,
        monthly_cap=event.monthly_cap, requires_approval=event.requires_approval, dimension=event.dimension,
    ).on_conflict_do_nothing())


def remember_activity_day(uow: UnitOfWork, event: ActivityDayScheduled) -> None:
    stmt = insert(models.activity_days).values(
        day_id=event.day_id, tenant_id=event.tenant_id, org_unit_id=event.org_unit_id, period=event.period,
        held_on=event.held_on)
    uow.session.execute(stmt.on_conflict_do_update(index_elements=["day_id"], set_={"held_on": event.held_on}))


# --- month close -------------------------------------------------------------------------------

def period_end(period: str) -> date:
    """The last day of a month (YYYY-MM) or a year (YYYY)."""
    if len(period) == 4:
        return date(int(period), 12, 31)
    year, month = int(period[:4]), int(period[5:])
    return date(year, month, calendar.monthrange(year, month)[1])


def close_members(session, tenant_id, org_unit_id, period: str) -> list[tuple]:
    """Who a unit's month close counts: the members of the branch and of its groups on the
    month's last day, Party members then and not left by then."""
    units = tree(session, tenant_id).closing_units(org_unit_id)
    return _members_on(session, tenant_id, units, period_end(period))


def close_month(uow: UnitOfWork, tenant_id, org_unit_id, period: str) -> dict:
    """Deduct for missing duties and unexcused activity-day absence, once per branch and month."""
    session = uow.session
    if period_end(period) >= tenant_today(session, tenant_id):
        raise InvalidInput.field("period", "a month can be closed only after it has ended")
    branch = tree(session, tenant_id).branch_of(org_unit_id)
    if branch != org_unit_id:
        raise InvalidInput.field("org_unit_id", "a group's month is closed with its branch")
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

    rs = resolve(session, tenant_id, org_unit_id, period_end(period))
    facts = models.activity_facts
    in_branch = facts.c.member_id.in_(members)
    done: dict = {}
    for member_id, kind in session.execute(select(facts.c.member_id, facts.c.kind).distinct().where(
            facts.c.tenant_id == tenant_id, facts.c.period == period, facts.c.status != "rejected",
            facts.c.kind.in_(FOUR_DUTIES + DAY_KINDS), in_branch)):
        done.setdefault(member_id, set()).add(kind)
    has_day = session.execute(select(models.activity_days.c.day_id).where(
        models.activity_days.c.tenant_id == tenant_id, models.activity_days.c.org_unit_id == org_unit_id,
        models.activity_days.c.period == period)).first() is not None

    duty_penalty, absence_penalty = rs.settings["duty_missing_penalty"], rs.settings["absence_penalty"]
    entries, missing_total, absences = [], 0, 0
    for member_id in members:
        kinds = done.get(member_id, set())
        missing = [k for k in FOUR_DUTIES if k not in kinds]
        base = dict(tenant_id=tenant_id, member_id=member_id, org_unit_id=unit_of[member_id], period=period,
                    rule_version=rs.version, rule_set_id=rs.rule_set_id, activity_id=None,
                    source_event_id=uuid.uuid5(close_id, str(member_id)), occurred_on=period_end(period), dimension="ability")
        if missing and duty_penalty:
            missing_total += len(missing)
            entries.append(dict(base, id=new_id(), kind="four_duties", rule_key="four_duties_missing",
                                delta=duty_penalty * len(missing),
                                reason=f"month close: {len(missing)} duties missing ({', '.join(missing)})"[:200]))
        if has_day and not kinds & set(DAY_KINDS):
            absences += 1
            if absence_penalty:
                entries.append(dict(base, id=new_id(), kind="activity_day", rule_key="activity_day_absence",
                                    delta=absence_penalty, reason="month close: activity day missed without leave",
                                    dimension="service"))
    if entries:
        session.execute(models.ledger_entries.insert(), entries)
        totals: dict = {}
        for e in entries:
            for p in (period, period[:4]):
                for d in (e["dimension"], "total"):
                    key = (e["member_id"], p, d)
                    totals[key] = totals.get(key, 0) + e["delta"]
        bal = models.balances
        stmt = insert(bal)
        session.execute(stmt.on_conflict_do_update(
            constraint="pk_balances", set_={"points": bal.c.points + stmt.excluded.points}),
            [dict(tenant_id=tenant_id, member_id=m, org_unit_id=unit_of[m], period=p, dimension=d, points=v)
             for (m, p, d), v in totals.items()])
        _tell_members(uow, session, tenant_id, period, entries)
    deductions = sum(e["delta"] for e in entries)
    session.execute(models.month_closes.update().where(models.month_closes.c.close_id == close_id).values(
        deductions=deductions, missing_duties=missing_total, unexcused_absences=absences))
    uow.publish(MonthClosed(tenant_id=tenant_id, org_unit_id=org_unit_id, period=period, members=len(members),
                            deductions=deductions, missing_duties=missing_total, unexcused_absences=absences))
    return {**get_close(session, tenant_id, org_unit_id, period), "already_closed": False}


def _tell_members(uow: UnitOfWork, session, tenant_id, period: str, entries: list[dict]) -> None:
    """One points_awarded per deduction, in the closing transaction, so each member is told."""
    bal = models.balances
    deducted = list({e["member_id"] for e in entries})
    totals = dict(session.execute(select(bal.c.member_id, bal.c.points).where(
        bal.c.tenant_id == tenant_id, bal.c.period == period, bal.c.dimension == "total",
        bal.c.member_id.in_(deducted))).all())
    uow.publish_many([PointsAwarded(
        tenant_id=tenant_id, entry_id=e["id"], member_id=e["member_id"], org_unit_id=e["org_unit_id"],
        activity_id=None, kind=e["kind"], delta=e["delta"], period=period,
        period_total=int(totals.get(e["member_id"], 0)), reason=e["reason"]) for e in entries])


def get_close(session, tenant_id, org_unit_id, period: str) -> dict:
    table = models.month_closes
    row = session.execute(select(table).where(and_(
        table.c.tenant_id == tenant_id, table.c.org_unit_id == org_unit_id, table.c.period == period))).first()
    if row is None:
        raise NotFound("this month is not closed")
    return {"org_unit_id": str(org_unit_id), "period": period, "members": row.members, "deductions": row.deductions,
            "missing_duties": row.missing_duties, "unexcused_absences": row.unexcused_absences}


# --- balances, statements, leaderboards, assessment ----------------------------------------------

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
    board, rank, previous = [], 0, None
    for index, r in enumerate(rows, start=1):
        if r.points != previous:
            rank, previous = index, r.points
        board.append({"rank": rank, "member_id": str(r.member_id), "name": r.name, "org_unit_id": str(r.org_unit_id),
                      "points": r.points})
    return {"period": period, "dimension": dimension, "org_unit_id": str(org_unit_id) if org_unit_id else None,
            "entries": board}


def assessment(session, tenant_id, org_unit_id, year: int) -> dict:
    rs = resolve(session, tenant_id, org_unit_id, date(year, 12, 31))
    names, bal = models.members_view, models.balances
    # The members of the branch and its groups who are Party members at the year's end.
    units = tree(session, tenant_id).closing_units(org_unit_id)
    rows = session.execute(select(names.c.member_id, names.c.name, bal.c.points).outerjoin(bal, and_(
        bal.c.member_id == names.c.member_id, bal.c.tenant_id == names.c.tenant_id,
        bal.c.period == f"{year:04d}", bal.c.dimension == "total")).where(
        names.c.tenant_id == tenant_id, names.c.org_unit_id.in_(units),
        roster.counted_on(names, date(year, 12, 31))).order_by(names.c.name, names.c.member_id)).all()
    if not rows:
        raise NotFound("no members known in this org unit")
    base = rs.settings["yearly_base"]
    members = [{"member_id": str(r.member_id), "name": r.name, "points": int(r.points or 0),
                "score": base + int(r.points or 0), "grade": rs.grade(base + int(r.points or 0))} for r in rows]
    return {"org_unit_id": str(org_unit_id), "year": year, "yearly_base": base, "thresholds": rs.settings["grades"],
            "rule_set_version": rs.version, "members": members}


def monthly_report(session, tenant_id, org_unit_id, period: str) -> dict:
    """A branch's month: each member's points by dimension, duties done, and the close if any."""
    names, bal, facts = models.members_view, models.balances, models.activity_facts
    ids = [m for m, _ in close_members(session, tenant_id, org_unit_id, period)]
    if not ids:
        raise NotFound("no members known in this org unit")
    listed = session.execute(select(names.c.member_id, names.c.name).where(
        names.c.member_id.in_(ids)).order_by(names.c.name, names.c.member_id)).all()
    points: dict = {}
    for member_id, dimension, value in session.execute(select(bal.c.member_id, bal.c.dimension, bal.c.points).where(
            bal.c.tenant_id == tenant_id, bal.c.period == period, bal.c.member_id.in_(ids))):
        points.setdefault(member_id, {})[dimension] = int(value)
    done: dict = {}
    for member_id, kind in session.execute(select(facts.c.member_id, facts.c.kind).distinct().where(
            facts.c.tenant_id == tenant_id, facts.c.period == period, facts.c.status != "rejected",
            facts.c.kind.in_(FOUR_DUTIES), facts.c.member_id.in_(ids))):
        done.setdefault(member_id, set()).add(kind)
    try:
        close = get_close(session, tenant_id, org_unit_id, period)
    except NotFound:
        close = None
    members = []
    for member_id, name in listed:
        mine = points.get(member_id, {})
        members.append({"member_id": str(member_id), "name": name,
                        **{d: mine.get(d, 0) for d in rules.DIMENSIONS}, "total": mine.get("total", 0),
                        "duties_done": [k for k in FOUR_DUTIES if k in done.get(member_id, set())]})
    return {"org_unit_id": str(org_unit_id), "period": period, "closed": close, "members": members}


def report_xlsx(title: str, header: list[str], rows: list[list]) -> bytes:
    import io

    from openpyxl import Workbook

    from services.common.exports import xlsx_row

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(xlsx_row(sheet, header))
    for row in rows:
        sheet.append(xlsx_row(sheet, row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def monthly_report_rows(report: dict) -> tuple[list[str], list[list]]:
    header = ["姓名", "能力", "服务", "业绩", "合计", "四个一完成"]
    return header, [[m["name"], m["ability"], m["service"], m["results"], m["total"],
                     f"{len(m['duties_done'])}/4"] for m in report["members"]]


def assessment_rows(report: dict) -> tuple[list[str], list[list]]:
    labels = {"excellent": "优秀", "qualified": "合格", "basically_qualified": "基本合格", "unqualified": "不合格"}
    header = ["姓名", "年度积分", "基础分", "总分", "评议等次"]
    return header, [[m["name"], m["points"], report["yearly_base"], m["score"], labels[m["grade"]]]
                    for m in report["members"]]


def branches_to_close(session, period: str, tenant_ids=None) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Every (tenant, branch) with members counted in `period` that is not closed yet. A group's
    members make its branch due; a unit with no branch above it stands for itself."""
    closes = models.month_closes
    done = set(session.execute(select(closes.c.tenant_id, closes.c.org_unit_id).where(
        closes.c.period == period)).all())
    units = {(t, u) for t, _, u in _members_on(session, None, None, period_end(period), tenant_ids)}
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


def unit_leaderboard(session, tenant_id, period: str, dimension: str) -> dict:
    """Org units (branches, groups) compared by their members' average points."""
    bal = models.balances
    rows = session.execute(select(bal.c.org_unit_id, func.count(), func.sum(bal.c.points)).where(
        bal.c.tenant_id == tenant_id, bal.c.period == period, bal.c.dimension == dimension)
        .group_by(bal.c.org_unit_id)).all()
    ou = models.org_units
    known = {u: (k, name) for u, k, name in session.execute(select(ou.c.org_unit_id, ou.c.kind, ou.c.name).where(
        ou.c.tenant_id == tenant_id))}
    units = sorted(({"org_unit_id": str(u), "kind": known.get(u, (None, None))[0], "name": known.get(u, (None, None))[1],
                     "members": int(n), "points": int(total),
                     "average": round(int(total) / int(n), 2)} for u, n, total in rows),
                   key=lambda u: (-u["average"], u["org_unit_id"]))
    rank, previous = 0, None
    for index, unit in enumerate(units, start=1):
        if unit["average"] != previous:
            rank, previous = index, unit["average"]
        unit["rank"] = rank
    return {"period": period, "dimension": dimension, "entries": units}
