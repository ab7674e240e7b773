"""The activities service's use cases."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import select

from services.activities import models
from services.activities.catalogue import CATALOGUE
from services.activities.schemas import ActivityCreate
from services.common.contracts.activities import ActivityLogged
from services.common.db import UnitOfWork, new_id
from services.common.errors import InvalidInput, NotFound


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def today_in(tz_name: str) -> date:
    return datetime.now(timezone.utc).astimezone(ZoneInfo(tz_name)).date()


def validate_activity(data: ActivityCreate, member_timezone: str) -> dict:
    """Check the kind, its details and the date; return the normalised details."""
    kind = CATALOGUE.get(data.kind)
    if kind is None:
        raise InvalidInput.field("kind", f"unknown activity kind; known kinds: {', '.join(sorted(CATALOGUE))}")
    try:
        details = kind.details.model_validate(data.details)
    except ValidationError as exc:
        raise InvalidInput.from_pydantic(exc, prefix="details.") from None
    if kind.unit == "occurrence" and data.quantity != 1:
        raise InvalidInput.field("quantity", f"{data.kind} is counted per occurrence; quantity must be 1")
    if data.quantity > kind.max_quantity:
        raise InvalidInput.field("quantity", f"at most {kind.max_quantity} {kind.unit}s in one log")
    if data.occurred_on > today_in(member_timezone):
        raise InvalidInput.field("occurred_on", "cannot be in the future")
    return details.model_dump(mode="json")


def log_activity(uow: UnitOfWork, tenant_id: uuid.UUID, member: dict, data: ActivityCreate,
                 details: dict, logged_by: uuid.UUID | None) -> dict:
    activity_id = new_id()
    period = period_of(data.occurred_on)
    row = dict(
        id=activity_id, tenant_id=tenant_id, member_id=data.member_id,
        org_unit_id=uuid.UUID(member["org_unit_id"]), kind=data.kind, occurred_on=data.occurred_on,
        period=period, quantity=data.quantity, details=details, evidence=data.evidence,
        status="approved", logged_by=logged_by, note=data.note,
    )
    uow.session.execute(models.activities.insert().values(**row))
    uow.publish(ActivityLogged(
        tenant_id=tenant_id, activity_id=activity_id, member_id=data.member_id,
        org_unit_id=row["org_unit_id"], kind=data.kind, occurred_on=data.occurred_on, period=period,
        quantity=data.quantity, status="approved",
    ))
    return activity_dict(row)


def activity_dict(row) -> dict:
    get = row.get if isinstance(row, dict) else row._mapping.get
    return {
        "id": str(get("id")), "member_id": str(get("member_id")), "org_unit_id": str(get("org_unit_id")),
        "kind": get("kind"), "occurred_on": get("occurred_on").isoformat(), "period": get("period"),
        "quantity": str(get("quantity")), "details": get("details"), "evidence": get("evidence"),
        "status": get("status"), "note": get("note"),
    }


def get_activity(session, tenant_id: uuid.UUID, activity_id: uuid.UUID) -> dict:
    row = session.execute(select(models.activities).where(
        models.activities.c.id == activity_id, models.activities.c.tenant_id == tenant_id)).first()
    if row is None:
        raise NotFound("activity not found")
    return activity_dict(row)


def list_for_member(session, tenant_id: uuid.UUID, member_id: uuid.UUID, period: str | None) -> list[dict]:
    query = select(models.activities).where(
        models.activities.c.tenant_id == tenant_id, models.activities.c.member_id == member_id)
    if period:
        query = query.where(models.activities.c.period == period)
    rows = session.execute(query.order_by(models.activities.c.occurred_on, models.activities.c.created_at)).all()
    return [activity_dict(r) for r in rows]
