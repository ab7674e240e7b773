"""三会一课 norms per branch: how often each kind is due (data with defaults, in meeting_rules),
and the compliance view of a quarter: what was held and what is missing. A meeting counts as
held once it is closed (its attendance and minutes recorded)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from services.activities import meeting_rules as rules
from services.activities import models
from services.activities.read_model import tree
from services.common.contracts.api.activities import NormsUpdate
from services.common.db import UnitOfWork
from services.common.errors import InvalidInput, NotFound
from services.common.tenancy import Caller


def _branch(session, tenant_id, org_unit_id):
    org_tree = tree(session, tenant_id)
    if org_tree.kind(org_unit_id) is None:
        raise NotFound("org unit not found")
    if org_tree.kind(org_unit_id) != "branch":
        raise InvalidInput.field("org_unit_id", "norms and compliance are kept per branch")
    return org_tree


def norms_for(session, tenant_id, branch_id) -> dict[str, str]:
    n = models.meeting_norms
    stored = dict(session.execute(select(n.c.kind, n.c.frequency).where(
        n.c.tenant_id == tenant_id, n.c.org_unit_id == branch_id)).all())
    return {**rules.DEFAULT_NORMS, **stored}


def read_norms(session, tenant_id, branch_id) -> dict:
    _branch(session, tenant_id, branch_id)
    return {"org_unit_id": str(branch_id), "norms": norms_for(session, tenant_id, branch_id)}


def save_norms(uow: UnitOfWork, tenant_id, branch_id, data: NormsUpdate, caller: Caller) -> dict:
    caller.require_manages(branch_id)
    _branch(uow.session, tenant_id, branch_id)
    n = models.meeting_norms
    for kind, frequency in data.norms.items():
        stmt = insert(n).values(tenant_id=tenant_id, org_unit_id=branch_id, kind=kind, frequency=frequency,
                                updated_by=caller.caller_id)
        uow.session.execute(stmt.on_conflict_do_update(
            constraint="pk_meeting_norms", set_={"frequency": frequency, "updated_by": caller.caller_id}))
    return read_norms(uow.session, tenant_id, branch_id)


def compliance_view(session, tenant_id, branch_id, quarter: str) -> dict:
    org_tree = _branch(session, tenant_id, branch_id)
    groups = [u for u in org_tree.closing_units(branch_id) if org_tree.kind(u) == "group"]
    m = models.meetings
    year = quarter[:4]
    held = session.execute(select(m.c.kind, m.c.org_unit_id, m.c.period, m.c.id).where(
        m.c.tenant_id == tenant_id, m.c.org_unit_id.in_([branch_id, *groups]), m.c.status == rules.CLOSED,
        m.c.period.like(f"{year}-%"))).all()
    rows = rules.compliance(norms_for(session, tenant_id, branch_id), quarter, branch_id, groups,
                            [tuple(row) for row in held])
    return {"org_unit_id": str(branch_id), "quarter": quarter, "kinds": rows,
            "missing": sum(len(r["missing"]) for r in rows)}
