"""Reading a person's in-app inbox, newest first. Messages are written with their notice
(services.notify.sending)."""
from __future__ import annotations

import uuid

from sqlalchemy import select

from services.notify import models


def inbox(session, tenant_id: uuid.UUID, person_id: uuid.UUID, limit: int, offset: int) -> dict:
    m = models.inbox_messages
    rows = session.execute(
        select(m).where(m.c.tenant_id == tenant_id, m.c.person_id == person_id)
        .order_by(m.c.created_at.desc(), m.c.id).limit(limit).offset(offset)
    ).all()
    return {"items": [{"id": str(r.id), "template": r.template, "title": r.title, "body": r.body,
                       "created_at": r.created_at.isoformat(), "read": r.read_at is not None} for r in rows],
            "limit": limit, "offset": offset}
