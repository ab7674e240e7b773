"""Four-duties completion (四个一): which of the four monthly duties a member, or each member of
a branch, has done in a month. Rejected activities do not count."""
from __future__ import annotations

import uuid

from sqlalchemy import select

from services.activities import models, statuses
from services.activities.read_model import tree
from services.common import roster as common_roster
from services.common.contracts import FOUR_DUTIES, Period
from services.common.errors import NotFound


def _done_by_member(session, tenant_id, period: str, member_ids) -> dict:
    table = models.activities
    rows = session.execute(select(table.c.member_id, table.c.kind).distinct().where(
        table.c.tenant_id == tenant_id, table.c.period == period, table.c.kind.in_(FOUR_DUTIES),
        table.c.status != statuses.REJECTED, table.c.member_id.in_(member_ids))).all()
    done: dict = {m: set() for m in member_ids}
    for member_id, kind in rows:
        done[member_id].add(kind)
    return done


def completion(member_id, name, done: set) -> dict:
    """One member's month: the duties done and missing, in the catalogue's order."""
    return {"member_id": str(member_id), "name": name,
            "done": [k for k in FOUR_DUTIES if k in done], "missing": [k for k in FOUR_DUTIES if k not in done],
            "complete": len(done) == len(FOUR_DUTIES)}


def member_four_duties(session, tenant_id, member: dict, period: str) -> dict:
    member_id = uuid.UUID(member["id"])
    done = _done_by_member(session, tenant_id, period, [member_id])[member_id]
    return {"period": period, **completion(member_id, member["name"], done)}


def branch_four_duties(session, tenant_id, org_unit_id, period: str) -> dict:
    # The branch's own members and its groups', as the month close counts them: Party members on
    # the roster (in their current unit) who had not left by the month's end.
    units = tree(session, tenant_id).closing_units(org_unit_id)
    r = models.roster
    roster = session.execute(select(r.c.member_id, r.c.name).where(
        r.c.tenant_id == tenant_id, r.c.org_unit_id.in_(units), common_roster.counted_on(r, Period(period).last_day))
        .order_by(r.c.name, r.c.member_id)).all()
    if not roster:
        raise NotFound("no members known in this org unit")
    done = _done_by_member(session, tenant_id, period, [m for m, _ in roster])
    members = [completion(m, name, done[m]) for m, name in roster]
    missing = {k: sum(1 for m in members if k in m["missing"]) for k in FOUR_DUTIES}
    return {"org_unit_id": str(org_unit_id), "period": period, "members": members,
            "complete": sum(1 for m in members if m["complete"]), "missing_by_duty": missing}
