"""Reading the delivery log: every notice per channel, with its status, attempts and last error.
Sending what is pending is services.notify.delivery."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select

from services.common.errors import InvalidInput
from services.notify import models
from services.notify.channels import CHANNELS

DELIVERY_STATUSES = ("pending", "sent", "failed")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def delivery_dict(row) -> dict:
    return {
        "id": str(row.id), "cause": row.cause, "notice": row.notice, "channel": row.channel,
        "person_id": str(row.person_id) if row.person_id else None,
        "org_unit_id": str(row.org_unit_id) if row.org_unit_id else None,
        "title": row.title, "status": row.status, "attempts": row.attempts, "last_error": row.last_error,
        "created_at": _iso(row.created_at), "finished_at": _iso(row.finished_at),
        "next_attempt_at": _iso(row.next_attempt_at) if row.status == "pending" else None,
    }


def deliveries(session, tenant_id: uuid.UUID, status: str | None, channel: str | None,
               person_id: uuid.UUID | None, limit: int, offset: int) -> dict:
    if status is not None and status not in DELIVERY_STATUSES:
        raise InvalidInput.field("status", f"expected one of {', '.join(DELIVERY_STATUSES)}")
    if channel is not None and channel not in CHANNELS:
        raise InvalidInput.field("channel", f"expected one of {', '.join(CHANNELS)}")
    d = models.deliveries
    query = select(d).where(d.c.tenant_id == tenant_id)
    if status:
        query = query.where(d.c.status == status)
    if channel:
        query = query.where(d.c.channel == channel)
    if person_id:
        query = query.where(d.c.person_id == person_id)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(query.order_by(d.c.created_at.desc(), d.c.id).limit(limit).offset(offset)).all()
    return {"items": [delivery_dict(r) for r in rows], "total": total, "limit": limit, "offset": offset}


def deliveries_of_cause(session, tenant_id: uuid.UUID, cause: str) -> list[dict]:
    d = models.deliveries
    rows = session.execute(
        select(d).where(d.c.tenant_id == tenant_id, d.c.cause == cause).order_by(d.c.channel)
    ).all()
    return [delivery_dict(r) for r in rows]
