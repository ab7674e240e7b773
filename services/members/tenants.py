"""Tenants (学院): one college each, with its time zone; creating one issues its first admin token."""
from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from services.common.contracts.api import members as member_api
from services.common.contracts.members import TenantConfigured
from services.common.db import UnitOfWork, new_id
from services.common.errors import Conflict, NotFound
from services.members import access, lookups, models


def tenant_dict(row) -> dict:
    return {"id": str(row.id), "code": row.code, "name": row.name, "timezone": row.timezone}


def create_tenant(uow: UnitOfWork, data: member_api.TenantCreate) -> dict:
    tenant_id = new_id()
    created = uow.session.execute(
        insert(models.tenants).values(id=tenant_id, code=data.code, name=data.name, timezone=data.timezone)
        .on_conflict_do_nothing(index_elements=["code"]).returning(models.tenants.c.id)
    ).first()
    if created is None:
        raise Conflict(f"code: a tenant with code {data.code!r} already exists",
                       [{"field": "code", "reason": "already exists"}])
    token = access.issue_token(uow, tenant_id, None, ["tenant_admin"], "first admin")
    uow.publish(TenantConfigured(tenant_id=tenant_id, name=data.name, timezone=data.timezone))
    return {"tenant": {"id": str(tenant_id), "code": data.code, "name": data.name, "timezone": data.timezone},
            "admin_token": token}


def get_tenant(session, tenant_id: uuid.UUID) -> dict:
    return tenant_dict(lookups.tenant(session, tenant_id))


def update_tenant(uow: UnitOfWork, tenant_id: uuid.UUID, data: member_api.TenantUpdate) -> dict:
    row = uow.session.execute(select(models.tenants).where(models.tenants.c.id == tenant_id)
                              .with_for_update()).first()
    if row is None:
        raise NotFound("tenant not found")
    changes = {k: v for k, v in data.model_dump(exclude_none=True).items() if getattr(row, k) != v}
    if not changes:
        return tenant_dict(row)
    updated = uow.session.execute(models.tenants.update().where(models.tenants.c.id == tenant_id)
                                  .values(**changes).returning(models.tenants)).first()
    uow.publish(TenantConfigured(tenant_id=tenant_id, name=updated.name, timezone=updated.timezone))
    return tenant_dict(updated)
