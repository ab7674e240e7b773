"""Branch roles (支部书记, 组织委员, 党小组长, ...): one holder per role and unit, each term dated."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from services.common.contracts.api import members as member_api
from services.common.contracts.members import RoleAssigned
from services.common.db import UnitOfWork, new_id
from services.common.errors import InvalidInput, NotFound
from services.members import lookups, models, statuses
from services.members.accounts import sessions


def assign_role(uow: UnitOfWork, tenant_id, member_id, data: member_api.RoleAssign) -> dict:
    person = lookups.active_person(uow.session, tenant_id, member_id)
    unit = lookups.open_unit(uow.session, tenant_id, data.org_unit_id, "org_unit_id")
    wanted_kind = ("group",) if data.role == "group_leader" else ("branch", "general_branch", "committee")
    if unit.kind not in wanted_kind:
        raise InvalidInput.field("org_unit_id", f"a {data.role} is appointed in a {' or '.join(wanted_kind)}")
    if person.political_status not in statuses.PARTY_MEMBERS:
        raise InvalidInput.field("member_id", "branch roles are held by Party members (probationary or full)")
    r = models.role_assignments
    # One holder per role and unit: the previous holder's term ends when the new one starts.
    replaced = uow.session.execute(
        r.update().where(r.c.tenant_id == tenant_id, r.c.org_unit_id == data.org_unit_id, r.c.role == data.role,
                         r.c.ended_on.is_(None)).values(ended_on=data.started_on).returning(r.c.person_id)).scalars()
    # Credentials carry roles: the new holder's and the previous holder's are renewed at once.
    for holder in {*replaced, member_id}:
        sessions.roles_changed(uow, tenant_id, holder)
    role_id = new_id()
    uow.session.execute(r.insert().values(id=role_id, tenant_id=tenant_id, person_id=member_id,
                                          org_unit_id=data.org_unit_id, role=data.role, started_on=data.started_on))
    uow.publish(RoleAssigned(tenant_id=tenant_id, member_id=member_id, org_unit_id=data.org_unit_id,
                             role=data.role, started_on=data.started_on))
    return {"id": str(role_id), "member_id": str(member_id), "org_unit_id": str(data.org_unit_id),
            "role": data.role, "started_on": data.started_on.isoformat()}


def unit_roles(session, tenant_id, org_unit_id) -> list[dict]:
    if lookups.org_unit(session, tenant_id, org_unit_id) is None:
        raise NotFound("org unit not found")
    r = models.role_assignments
    rows = session.execute(select(r, models.people.c.name).join(models.people, models.people.c.id == r.c.person_id)
                           .where(r.c.tenant_id == tenant_id, r.c.org_unit_id == org_unit_id, r.c.ended_on.is_(None))
                           .order_by(r.c.role)).all()
    return [{"member_id": str(x.person_id), "name": x.name, "role": x.role,
             "started_on": x.started_on.isoformat()} for x in rows]


def end_roles(uow: UnitOfWork, tenant_id, member_id, on: date, org_unit_id=None) -> None:
    """End the person's current roles (only those in `org_unit_id` when given) on `on`."""
    r = models.role_assignments
    where = [r.c.tenant_id == tenant_id, r.c.person_id == member_id, r.c.ended_on.is_(None)]
    if org_unit_id is not None:
        where.append(r.c.org_unit_id == org_unit_id)
    if uow.session.execute(r.update().where(*where).values(ended_on=on)).rowcount:
        sessions.roles_changed(uow, tenant_id, member_id)


def end_unit_roles(uow: UnitOfWork, tenant_id, org_unit_id, on: date) -> None:
    """A closed unit has no officers any more."""
    r = models.role_assignments
    ended = uow.session.execute(r.update().where(r.c.tenant_id == tenant_id, r.c.org_unit_id == org_unit_id,
                                                 r.c.ended_on.is_(None)).values(ended_on=on).returning(r.c.person_id))
    for holder in set(ended.scalars()):
        sessions.roles_changed(uow, tenant_id, holder)
