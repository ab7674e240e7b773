"""Tenant-scoped reads every part of members starts from: a tenant, a person, an org unit, a subtree.

Each lookup filters by tenant, so a row of another college answers exactly as a missing one does.
The ones named after a request field (`named_person`, `open_unit`) turn "not there" into bad input
naming that field, since the caller sent an id that cannot be used; the others answer 404.
"""
from __future__ import annotations

import uuid

from sqlalchemy import select

from services.common.errors import Conflict, InvalidInput, NotFound
from services.members import models


def tenant(session, tenant_id: uuid.UUID):
    row = session.execute(select(models.tenants).where(models.tenants.c.id == tenant_id)).first()
    if row is None:
        raise NotFound("tenant not found")
    return row


# -- people -------------------------------------------------------------------------------------

def person(session, tenant_id, member_id, *, lock: bool = False):
    query = select(models.people).where(models.people.c.id == member_id, models.people.c.tenant_id == tenant_id)
    if lock:
        query = query.with_for_update()
    row = session.execute(query).first()
    if row is None:
        raise NotFound("member not found")
    return row


def active_person(session, tenant_id, member_id, field: str = "member_id"):
    """The person a change is about, locked for it; one who has left is not changed any more."""
    row = person(session, tenant_id, member_id, lock=True)
    if row.left_at is not None:
        raise Conflict(f"{field}: this person has left the roster", [{"field": field, "reason": "has left"}])
    return row


def named_person(session, tenant_id, person_id, field: str, *, lock: bool = False):
    """A person a request names in `field` (a mentor, a target, an assignee), still on the roster."""
    try:
        row = person(session, tenant_id, person_id, lock=lock)
    except NotFound:
        raise InvalidInput.field(field, "no such person in this tenant") from None
    if row.left_at is not None:
        raise InvalidInput.field(field, "this person has left the roster")
    return row


# -- org units ----------------------------------------------------------------------------------

def org_unit(session, tenant_id, org_unit_id):
    """The unit, or None: callers decide whether a missing unit is a 404 or a bad field."""
    return session.execute(select(models.org_units).where(
        models.org_units.c.id == org_unit_id, models.org_units.c.tenant_id == tenant_id)).first()


def org_unit_or_404(session, tenant_id, org_unit_id, *, lock: bool = False):
    query = select(models.org_units).where(models.org_units.c.id == org_unit_id,
                                           models.org_units.c.tenant_id == tenant_id)
    row = session.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound("org unit not found")
    return row


def open_unit(session, tenant_id, org_unit_id, field: str):
    """A unit a request names in `field` to put something in: it must exist and not be closed."""
    unit = org_unit(session, tenant_id, org_unit_id)
    if unit is None:
        raise InvalidInput.field(field, "no such org unit in this tenant")
    if unit.closed_at is not None:
        raise InvalidInput.field(field, "this org unit is closed")
    return unit


def subtree_ids(session, tenant_id, root_id) -> list:
    """The unit and everything under it; empty when the unit is not in this tenant."""
    units = models.org_units
    tree = select(units.c.id).where(units.c.id == root_id, units.c.tenant_id == tenant_id).cte(recursive=True)
    tree = tree.union_all(select(units.c.id).where(units.c.parent_id == tree.c.id, units.c.tenant_id == tenant_id))
    return [r.id for r in session.execute(select(tree.c.id))]
