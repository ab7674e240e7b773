"""The organisation tree (党委 / 党总支 / 党支部 / 党小组) of a tenant: create, rename, move, close."""
from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func, select

from services.common.contracts.api import members as member_api
from services.common.contracts.members import OrgUnitChanged
from services.common.db import UnitOfWork, new_id, utcnow
from services.common.errors import Conflict, InvalidInput
from services.members import lookups, models, roles

# A branch or group may sit under these kinds; a committee only at the top.
ALLOWED_PARENTS = {
    "committee": (None,),
    "general_branch": (None, "committee"),
    "branch": (None, "committee", "general_branch"),
    "group": ("branch",),
}


def publish_org_unit(uow: UnitOfWork, tenant_id, row, change: str) -> None:
    uow.publish(OrgUnitChanged(tenant_id=tenant_id, org_unit_id=row.id, parent_id=row.parent_id, kind=row.kind,
                               name=row.name, closed=row.closed_at is not None, change=change))


def org_unit_dict(row) -> dict:
    return {"id": str(row.id), "kind": row.kind, "name": row.name,
            "parent_id": str(row.parent_id) if row.parent_id else None,
            "closed_at": row.closed_at.isoformat() if row.closed_at else None}


def _check_parent(session, tenant_id, kind: str, parent_id, moving_id=None) -> None:
    """`parent_id` may hold a unit of `kind` (the unit `moving_id`, when one moves)."""
    parent_kind = None
    if parent_id is not None:
        parent = lookups.open_unit(session, tenant_id, parent_id, "parent_id")
        if moving_id is not None and parent_id in lookups.subtree_ids(session, tenant_id, moving_id):
            raise InvalidInput.field("parent_id", "an org unit cannot move under itself or its own descendants")
        parent_kind = parent.kind
    if parent_kind not in ALLOWED_PARENTS[kind]:
        allowed = ", ".join(k or "none" for k in ALLOWED_PARENTS[kind])
        raise InvalidInput.field("parent_id", f"a {kind} must sit under: {allowed}")


def create_org_unit(uow: UnitOfWork, tenant_id: uuid.UUID, data: member_api.OrgUnitCreate) -> dict:
    _check_parent(uow.session, tenant_id, data.kind, data.parent_id)
    row = uow.session.execute(models.org_units.insert().values(
        id=new_id(), tenant_id=tenant_id, parent_id=data.parent_id, kind=data.kind, name=data.name)
        .returning(models.org_units)).first()
    publish_org_unit(uow, tenant_id, row, "created")
    return org_unit_dict(row)


def list_org_units(session, tenant_id) -> list[dict]:
    u = models.org_units
    rows = session.execute(select(u).where(u.c.tenant_id == tenant_id).order_by(u.c.created_at, u.c.name)).all()
    return [org_unit_dict(r) for r in rows]


def rename_org_unit(uow: UnitOfWork, tenant_id, org_unit_id, data: member_api.OrgUnitRename) -> dict:
    unit = lookups.org_unit_or_404(uow.session, tenant_id, org_unit_id, lock=True)
    if unit.name == data.name:
        return org_unit_dict(unit)
    row = uow.session.execute(models.org_units.update().where(models.org_units.c.id == org_unit_id)
                              .values(name=data.name).returning(models.org_units)).first()
    publish_org_unit(uow, tenant_id, row, "renamed")
    return org_unit_dict(row)


def move_org_unit(uow: UnitOfWork, tenant_id, org_unit_id, data: member_api.OrgUnitMove) -> dict:
    unit = lookups.org_unit_or_404(uow.session, tenant_id, org_unit_id, lock=True)
    _check_parent(uow.session, tenant_id, unit.kind, data.parent_id, moving_id=org_unit_id)
    if unit.parent_id == data.parent_id:
        return org_unit_dict(unit)
    row = uow.session.execute(models.org_units.update().where(models.org_units.c.id == org_unit_id)
                              .values(parent_id=data.parent_id).returning(models.org_units)).first()
    publish_org_unit(uow, tenant_id, row, "moved")
    return org_unit_dict(row)


def close_org_unit(uow: UnitOfWork, tenant_id, org_unit_id) -> dict:
    unit = lookups.org_unit_or_404(uow.session, tenant_id, org_unit_id, lock=True)
    if unit.closed_at is not None:
        raise Conflict("org unit: already closed", [{"field": "org_unit_id", "reason": "already closed"}])
    u, p = models.org_units, models.people
    open_children = uow.session.execute(select(func.count()).select_from(u).where(
        u.c.tenant_id == tenant_id, u.c.parent_id == org_unit_id, u.c.closed_at.is_(None))).scalar_one()
    people_left = uow.session.execute(select(func.count()).select_from(p).where(
        p.c.tenant_id == tenant_id, p.c.org_unit_id == org_unit_id, p.c.left_at.is_(None))).scalar_one()
    if open_children or people_left:
        raise Conflict(f"org unit: still has {open_children} open sub-units and {people_left} people; "
                       "move or close them first",
                       [{"field": "org_unit_id", "reason": "not empty"}])
    roles.end_unit_roles(uow, tenant_id, org_unit_id, date.today())
    row = uow.session.execute(u.update().where(u.c.id == org_unit_id).values(closed_at=utcnow())
                              .returning(u)).first()
    publish_org_unit(uow, tenant_id, row, "closed")
    return org_unit_dict(row)
