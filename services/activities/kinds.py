"""The kinds a tenant can log: the built-in catalogue (services.activities.catalogue) and the
tenant's own, added beside it with the points rule they start with."""
from __future__ import annotations

import functools

from sqlalchemy import select

from services.activities import models
from services.activities.catalogue import CATALOGUE, CustomDetails, Kind
from services.common.contracts.api.activities import KindCreate
from services.common.contracts.activities import ActivityKindAdded
from services.common.db import UnitOfWork
from services.common.errors import Conflict, InvalidInput


def tenant_kind(session, tenant_id, key: str) -> Kind | None:
    row = session.execute(select(models.tenant_kinds).where(
        models.tenant_kinds.c.tenant_id == tenant_id, models.tenant_kinds.c.key == key)).first()
    return _custom_kind(row) if row is not None else None


def _custom_kind(row) -> Kind:
    return Kind(key=row.key, title_zh=row.title_zh, details=CustomDetails, unit=row.unit,
                max_quantity=row.max_quantity, needs_approval=row.needs_approval)


def kind_of(session, tenant_id, key: str) -> Kind:
    kind = CATALOGUE.get(key) or tenant_kind(session, tenant_id, key)
    if kind is None:
        raise InvalidInput.field("kind", f"unknown activity kind; built-in kinds: {', '.join(sorted(CATALOGUE))}")
    return kind


def add_kind(uow: UnitOfWork, tenant_id, data: KindCreate) -> dict:
    if data.key in CATALOGUE or tenant_kind(uow.session, tenant_id, data.key) is not None:
        raise Conflict(f"kind {data.key!r} already exists")
    if data.unit == "occurrence" and data.max_quantity != 1:
        raise InvalidInput.field("max_quantity", "a kind counted per occurrence has max_quantity 1")
    uow.session.execute(models.tenant_kinds.insert().values(
        tenant_id=tenant_id, key=data.key, title_zh=data.title_zh, unit=data.unit, max_quantity=data.max_quantity,
        needs_approval=data.needs_approval))
    uow.publish(ActivityKindAdded(
        tenant_id=tenant_id, key=data.key, title_zh=data.title_zh, unit=data.unit,
        points_per_unit=data.points_per_unit, monthly_cap=data.monthly_cap, requires_approval=data.needs_approval,
        dimension=data.dimension))
    return _kind_dict(kind_of(uow.session, tenant_id, data.key), custom=True)


@functools.cache
def _details_schema(details: type) -> dict:
    # Generating a JSON schema was most of the catalogue's cost (every client fetches it); the
    # details models never change while the process runs. Read only: it is shared.
    return details.model_json_schema()


def _kind_dict(k: Kind, custom: bool = False) -> dict:
    return {"key": k.key, "title_zh": k.title_zh, "unit": k.unit, "four_duty": k.four_duty,
            "needs_approval": k.needs_approval, "max_quantity": str(k.max_quantity), "custom": custom,
            "details_schema": _details_schema(k.details)}


def catalogue(session, tenant_id) -> list[dict]:
    rows = session.execute(select(models.tenant_kinds).where(
        models.tenant_kinds.c.tenant_id == tenant_id).order_by(models.tenant_kinds.c.key)).all()
    return [_kind_dict(k) for k in CATALOGUE.values()] + [_kind_dict(_custom_kind(row), custom=True) for row in rows]
