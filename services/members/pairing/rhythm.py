"""The branch's follow-up rhythm and what pairings and needs both read: the tenant's today, the
branch a unit belongs to, how often a mentor makes contact and how long a need may stay open,
and the branch's secretaries (who hear of what is overdue)."""
from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from services.common.db import UnitOfWork
from services.common.errors import InvalidInput, NotFound
from services.common.roster import DEFAULT_TIMEZONE, today_in
from services.members import lookups, models
from services.common.contracts.api import pairing as pairing_api

DEFAULT_CONTACT_EVERY_DAYS = 30
DEFAULT_NEED_OVERDUE_DAYS = 14


def tenant_today(session, tenant_id: uuid.UUID) -> date:
    zone = session.execute(select(models.tenants.c.timezone).where(models.tenants.c.id == tenant_id)).scalar()
    return today_in(zone or DEFAULT_TIMEZONE)


def branch_of(session, tenant_id: uuid.UUID, org_unit_id: uuid.UUID) -> uuid.UUID:
    """The branch whose rhythm applies: a group's parent branch, otherwise the unit itself."""
    unit = lookups.org_unit(session, tenant_id, org_unit_id)
    if unit is not None and unit.kind == "group" and unit.parent_id is not None:
        return unit.parent_id
    return org_unit_id


def branch_settings(session, tenant_id: uuid.UUID, branch_id: uuid.UUID) -> tuple[int, int]:
    s = models.pairing_settings
    row = session.execute(select(s).where(s.c.tenant_id == tenant_id, s.c.org_unit_id == branch_id)).first()
    if row is None:
        return DEFAULT_CONTACT_EVERY_DAYS, DEFAULT_NEED_OVERDUE_DAYS
    return row.contact_every_days, row.need_overdue_days


def secretaries(session, tenant_id: uuid.UUID, branch_id: uuid.UUID) -> list[uuid.UUID]:
    r = models.role_assignments
    return list(session.execute(
        select(r.c.person_id).where(r.c.tenant_id == tenant_id, r.c.org_unit_id == branch_id,
                                    r.c.role == "secretary", r.c.ended_on.is_(None)).order_by(r.c.person_id)
    ).scalars())


def not_future(value: date | None, today: date, field: str) -> date:
    """A date the request may leave out (then today) and that must not lie ahead."""
    if value is None:
        return today
    if value > today:
        raise InvalidInput.field(field, f"must not be after today ({today.isoformat()})")
    return value


def _settings_dict(branch_id, every: int, need_days: int) -> dict:
    return {"org_unit_id": str(branch_id), "contact_every_days": every, "need_overdue_days": need_days}


def get_settings(session, tenant_id, org_unit_id) -> dict:
    if lookups.org_unit(session, tenant_id, org_unit_id) is None:
        raise NotFound("org unit not found")
    branch = branch_of(session, tenant_id, org_unit_id)
    return _settings_dict(branch, *branch_settings(session, tenant_id, branch))


def set_settings(uow: UnitOfWork, tenant_id, org_unit_id, data: pairing_api.PairingSettingsIn) -> dict:
    unit = lookups.org_unit(uow.session, tenant_id, org_unit_id)
    if unit is None:
        raise NotFound("org unit not found")
    if unit.kind != "branch":
        raise InvalidInput.field("org_unit_id", "the follow-up rhythm is set per branch")
    every, need_days = branch_settings(uow.session, tenant_id, org_unit_id)
    every = data.contact_every_days or every
    need_days = data.need_overdue_days or need_days
    s = models.pairing_settings
    values = {"contact_every_days": every, "need_overdue_days": need_days}
    uow.session.execute(insert(s).values(tenant_id=tenant_id, org_unit_id=org_unit_id, **values)
                        .on_conflict_do_update(index_elements=[s.c.tenant_id, s.c.org_unit_id],
                                               set_={**values, "updated_at": func.now()}))
    # Active pairings follow the new cadence from their last contact (or start).
    p = models.pairings
    uow.session.execute(p.update().where(p.c.tenant_id == tenant_id, p.c.org_unit_id == org_unit_id,
                                         p.c.ended_on.is_(None))
                        .values(next_due_on=func.coalesce(p.c.last_contact_on, p.c.started_on) + every))
    return _settings_dict(org_unit_id, every, need_days)
