"""A branch's group-chat robots (WeCom, DingTalk): their configuration, and which are enabled
where a notice is sent. Sending to them is services.notify.channels."""
from __future__ import annotations

import uuid

from sqlalchemy import func, select, tuple_
from sqlalchemy.dialects.postgresql import insert

from services.common.db import UnitOfWork, new_id
from services.common.errors import InvalidInput
from services.notify import models


def enabled_robots(session, units: set[tuple]) -> dict[tuple, dict]:
    """The enabled robots of each (tenant, unit) pair, by kind, in one read."""
    if not units:
        return {}
    r = models.robots
    found: dict[tuple, dict] = {}
    for row in session.execute(select(r).where(tuple_(r.c.tenant_id, r.c.org_unit_id).in_(list(units)),
                                               r.c.enabled.is_(True))).all():
        found.setdefault((row.tenant_id, row.org_unit_id), {})[row.kind] = row
    return found


def _robot_dict(row) -> dict:
    return {"id": str(row.id), "org_unit_id": str(row.org_unit_id), "kind": row.kind,
            "webhook_url": row.webhook_url, "signed": bool(row.secret), "enabled": row.enabled}


def put_robot(uow: UnitOfWork, tenant_id: uuid.UUID, org_unit_id: uuid.UUID, kind: str, robot) -> dict:
    if kind == "dingtalk" and not robot.secret:
        raise InvalidInput.field("secret", "required for a DingTalk robot (its requests are signed)")
    r = models.robots
    values = {"webhook_url": robot.webhook_url, "secret": robot.secret, "enabled": robot.enabled}
    row = uow.session.execute(
        insert(r).values(id=new_id(), tenant_id=tenant_id, org_unit_id=org_unit_id, kind=kind, **values)
        .on_conflict_do_update(constraint="uq_robots_branch_kind", set_={**values, "updated_at": func.now()})
        .returning(r)
    ).first()
    return _robot_dict(row)


def list_robots(session, tenant_id: uuid.UUID, org_unit_id: uuid.UUID) -> list[dict]:
    r = models.robots
    rows = session.execute(
        select(r).where(r.c.tenant_id == tenant_id, r.c.org_unit_id == org_unit_id).order_by(r.c.kind)
    ).all()
    return [_robot_dict(row) for row in rows]
