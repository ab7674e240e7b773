"""The roster as activities knows it, kept from the members service's events.

How each event applies lives once in services.common.roster (activities' own subclass, which also
schedules a new branch's activity days, is services.activities.activity_day_schedule.ActivitiesRoster);
this module answers what logging and the four duties read from them: a member's
current unit and time zone, the org tree, a tenant's time zone.
"""
from __future__ import annotations

import uuid

from sqlalchemy import select

from services.activities import models
from services.common import roster as common_roster

def tree(session, tenant_id) -> common_roster.OrgTree:
    return common_roster.OrgTree.load(session, models.org_units, tenant_id)


def tenant_timezone(session, tenant_id) -> str:
    return common_roster.timezone_of(session, models.tenants, tenant_id)


def known_members(session, tenant_id: uuid.UUID, member_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict]:
    """The members of `member_ids` this tenant's read model knows, with their tenant's time zone.

    Each is shaped like the members service's get_member, but holds only what logging reads: id,
    tenant_id, org_unit_id (current) and timezone. The name is left out on purpose: a rename
    reaches the read model only when its event is consumed, so it must not pass for get_member's. A
    member whose tenant has no time zone here yet is left out too, like one not known at all:
    guessing the zone could misjudge whether `occurred_on` is in the future.
    """
    r, t = models.roster, models.tenants
    rows = session.execute(
        select(r.c.member_id, r.c.tenant_id, r.c.org_unit_id, t.c.timezone)
        .join(t, t.c.tenant_id == r.c.tenant_id)
        .where(r.c.tenant_id == tenant_id, r.c.member_id.in_(member_ids))).all()
    return {row.member_id: {"id": str(row.member_id), "tenant_id": str(row.tenant_id),
                            "org_unit_id": str(row.org_unit_id), "timezone": row.timezone} for row in rows}
