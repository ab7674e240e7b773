"""The notify service's use cases."""
from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from services.common.contracts.points import PointsAwarded
from services.common.db import UnitOfWork, new_id
from services.notify import models, templates


def notice_for_points(uow: UnitOfWork, event: PointsAwarded) -> None:
    title, body = templates.render(
        "points_awarded",
        kind=event.kind, kind_name=templates.KIND_NAMES_ZH.get(event.kind, event.kind),
        delta_signed=f"{event.delta:+d}", period=event.period, period_total=event.period_total,
    )
    uow.session.execute(
        insert(models.inbox_messages).values(
            id=new_id(), tenant_id=event.tenant_id, person_id=event.member_id,
            cause=f"points_awarded:{event.entry_id}", template="points_awarded", title=title, body=body,
        ).on_conflict_do_nothing(constraint="uq_inbox_tenant_cause")
    )


def inbox(session, tenant_id: uuid.UUID, person_id: uuid.UUID, limit: int, offset: int) -> dict:
    m = models.inbox_messages
    rows = session.execute(
        select(m).where(m.c.tenant_id == tenant_id, m.c.person_id == person_id)
        .order_by(m.c.created_at.desc(), m.c.id).limit(limit).offset(offset)
    ).all()
    return {"items": [{"id": str(r.id), "template": r.template, "title": r.title, "body": r.body,
                       "created_at": r.created_at.isoformat(), "read": r.read_at is not None} for r in rows],
            "limit": limit, "offset": offset}
