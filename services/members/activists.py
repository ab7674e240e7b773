"""Activists and candidates (入党积极分子, 发展对象) and the Party members who follow each one up."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from services.common.contracts.api import members as member_api
from services.common.contracts.members import ActivistAssigned
from services.common.db import UnitOfWork, new_id
from services.common.errors import Conflict, InvalidInput, NotFound
from services.members import lookups, models, statuses

def assign_activist(uow: UnitOfWork, tenant_id, activist_id, data: member_api.ActivistAssign) -> dict:
    activist = lookups.active_person(uow.session, tenant_id, activist_id)
    if activist.political_status not in statuses.FOLLOWED_UP:
        raise InvalidInput.field("member_id", "only activists and candidates are followed up")
    if data.follower_id == activist_id:
        raise InvalidInput.field("follower_id", "an activist cannot follow themself")
    try:
        follower = lookups.active_person(uow.session, tenant_id, data.follower_id, "follower_id")
    except NotFound:
        raise InvalidInput.field("follower_id", "no such person in this tenant") from None
    if follower.political_status not in statuses.PARTY_MEMBERS:
        raise InvalidInput.field("follower_id", "the follower must be a Party member (probationary or full)")
    f = models.activist_followers
    existing = uow.session.execute(select(f.c.id).where(
        f.c.tenant_id == tenant_id, f.c.activist_id == activist_id, f.c.follower_id == data.follower_id,
        f.c.ended_on.is_(None))).first()
    if existing:
        raise Conflict("follower_id: already follows this activist",
                       [{"field": "follower_id", "reason": "already assigned"}])
    link_id = new_id()
    uow.session.execute(f.insert().values(id=link_id, tenant_id=tenant_id, activist_id=activist_id,
                                          follower_id=data.follower_id, assigned_on=data.assigned_on))
    uow.publish(ActivistAssigned(tenant_id=tenant_id, activist_id=activist_id, follower_id=data.follower_id,
                                 org_unit_id=activist.org_unit_id, assigned_on=data.assigned_on))
    return {"id": str(link_id), "activist_id": str(activist_id), "follower_id": str(data.follower_id),
            "assigned_on": data.assigned_on.isoformat()}


def followers(session, tenant_id, activist_id) -> list[dict]:
    lookups.person(session, tenant_id, activist_id)
    f = models.activist_followers
    rows = session.execute(select(f, models.people.c.name).join(models.people, models.people.c.id == f.c.follower_id)
                           .where(f.c.tenant_id == tenant_id, f.c.activist_id == activist_id,
                                  f.c.ended_on.is_(None))).all()
    return [{"follower_id": str(x.follower_id), "name": x.name, "assigned_on": x.assigned_on.isoformat()}
            for x in rows]


def end_follow_ups(uow: UnitOfWork, tenant_id, person_id, on: date) -> None:
    """End every current follow-up the person is in, as the activist or as the follower."""
    f = models.activist_followers
    uow.session.execute(f.update().where(
        f.c.tenant_id == tenant_id, f.c.ended_on.is_(None),
        (f.c.activist_id == person_id) | (f.c.follower_id == person_id)).values(ended_on=on))
