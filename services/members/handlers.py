"""The members service's use cases: plain functions over a unit of work, scoped by tenant."""
from __future__ import annotations

import hashlib
import secrets
import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from services.common.contracts.members import MemberJoined
from services.common.db import UnitOfWork, new_id
from services.common.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from services.members import models, schemas

# A branch or group may sit under these kinds; a committee only at the top.
ALLOWED_PARENTS = {
    "committee": (None,),
    "general_branch": (None, "committee"),
    "branch": (None, "committee", "general_branch"),
    "group": ("branch",),
}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _issue_token(uow: UnitOfWork, tenant_id, person_id, roles, label) -> str:
    token = secrets.token_urlsafe(32)
    uow.session.execute(models.api_tokens.insert().values(
        token_hash=hash_token(token), tenant_id=tenant_id, person_id=person_id, roles=sorted(set(roles)), label=label,
    ))
    return token


def tenant_row(session, tenant_id: uuid.UUID):
    row = session.execute(select(models.tenants).where(models.tenants.c.id == tenant_id)).first()
    if row is None:
        raise NotFound("tenant not found")
    return row


def create_tenant(uow: UnitOfWork, data: schemas.TenantCreate) -> dict:
    tenant_id = new_id()
    created = uow.session.execute(
        insert(models.tenants).values(id=tenant_id, code=data.code, name=data.name, timezone=data.timezone)
        .on_conflict_do_nothing(index_elements=["code"]).returning(models.tenants.c.id)
    ).first()
    if created is None:
        raise Conflict(f"code: a tenant with code {data.code!r} already exists",
                       [{"field": "code", "reason": "already exists"}])
    token = _issue_token(uow, tenant_id, None, ["tenant_admin"], "first admin")
    return {"tenant": {"id": str(tenant_id), "code": data.code, "name": data.name, "timezone": data.timezone},
            "admin_token": token}


def authenticate(session, token: str) -> dict:
    row = session.execute(
        select(models.api_tokens.c.tenant_id, models.api_tokens.c.person_id, models.api_tokens.c.roles)
        .where(models.api_tokens.c.token_hash == hash_token(token), models.api_tokens.c.revoked_at.is_(None))
    ).first()
    if row is None:
        raise Unauthenticated("unknown or revoked token")
    return {"tenant_id": str(row.tenant_id), "person_id": str(row.person_id) if row.person_id else None,
            "roles": list(row.roles)}


def _org_unit(session, tenant_id, org_unit_id):
    row = session.execute(select(models.org_units).where(
        models.org_units.c.id == org_unit_id, models.org_units.c.tenant_id == tenant_id)).first()
    return row


def org_unit_dict(row) -> dict:
    return {"id": str(row.id), "kind": row.kind, "name": row.name,
            "parent_id": str(row.parent_id) if row.parent_id else None}


def create_org_unit(uow: UnitOfWork, tenant_id: uuid.UUID, data: schemas.OrgUnitCreate) -> dict:
    parent_kind = None
    if data.parent_id is not None:
        parent = _org_unit(uow.session, tenant_id, data.parent_id)
        if parent is None:
            raise InvalidInput.field("parent_id", "no such org unit in this tenant")
        parent_kind = parent.kind
    if parent_kind not in ALLOWED_PARENTS[data.kind]:
        allowed = ", ".join(k or "none" for k in ALLOWED_PARENTS[data.kind])
        raise InvalidInput.field("parent_id", f"a {data.kind} must sit under: {allowed}")
    unit_id = new_id()
    uow.session.execute(models.org_units.insert().values(
        id=unit_id, tenant_id=tenant_id, parent_id=data.parent_id, kind=data.kind, name=data.name))
    return {"id": str(unit_id), "kind": data.kind, "name": data.name,
            "parent_id": str(data.parent_id) if data.parent_id else None}


def member_dict(row, timezone: str | None = None) -> dict:
    body = {
        "id": str(row.id), "tenant_id": str(row.tenant_id), "org_unit_id": str(row.org_unit_id),
        "name": row.name, "category": row.category, "political_status": row.political_status,
        "external_no": row.external_no, "email": row.email, "phone": row.phone,
        "joined_party_on": row.joined_party_on.isoformat() if row.joined_party_on else None,
    }
    if timezone:
        body["timezone"] = timezone
    return body


def create_member(uow: UnitOfWork, tenant_id: uuid.UUID, data: schemas.MemberCreate) -> dict:
    unit = _org_unit(uow.session, tenant_id, data.org_unit_id)
    if unit is None:
        raise InvalidInput.field("org_unit_id", "no such org unit in this tenant")
    if unit.kind not in ("branch", "group"):
        raise InvalidInput.field("org_unit_id", "people belong to a branch or a group")
    member_id = new_id()
    values = data.model_dump()
    created = uow.session.execute(
        insert(models.people).values(id=member_id, tenant_id=tenant_id, **values)
        .on_conflict_do_nothing(constraint="uq_people_tenant_external_no").returning(models.people)
    ).first()
    if created is None:
        raise Conflict("external_no: already used by another person in this tenant",
                       [{"field": "external_no", "reason": "already exists"}])
    uow.publish(MemberJoined(
        tenant_id=tenant_id, member_id=member_id, org_unit_id=data.org_unit_id, name=data.name,
        category=data.category, political_status=data.political_status,
    ))
    return member_dict(created)


def get_member(session, tenant_id: uuid.UUID, member_id: uuid.UUID) -> dict:
    row = session.execute(
        select(models.people, models.tenants.c.timezone)
        .join(models.tenants, models.tenants.c.id == models.people.c.tenant_id)
        .where(models.people.c.id == member_id, models.people.c.tenant_id == tenant_id)
    ).first()
    if row is None:
        raise NotFound("member not found")
    return member_dict(row, row.timezone)


def issue_member_token(uow: UnitOfWork, tenant_id, member_id, data: schemas.TokenCreate) -> dict:
    get_member(uow.session, tenant_id, member_id)
    token = _issue_token(uow, tenant_id, member_id, data.roles, data.label)
    return {"token": token, "member_id": str(member_id), "roles": sorted(set(data.roles))}
