"""Rule sets: the stored layers (a tenant's default, a branch's own, versioned by effective date),
the rules of kinds a tenant added, and the rule set in force for a branch on a day."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert

from services.common.contracts.activities import ActivityKindAdded
from services.common.db import UnitOfWork, new_id
from services.common.errors import Conflict
from services.points import models, rules
from services.points.read_model import tree


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


def remember_kind(uow: UnitOfWork, event: ActivityKindAdded) -> None:
    """A kind a tenant added gets the rule activities announced with it."""
    uow.session.execute(insert(models.custom_rules).values(
        tenant_id=event.tenant_id, key=event.key, points_per_unit=event.points_per_unit,
        monthly_cap=event.monthly_cap, requires_approval=event.requires_approval, dimension=event.dimension,
    ).on_conflict_do_nothing())
