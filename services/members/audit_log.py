"""The college's audit log, kept from every service's `audit_recorded` (services.common.audit), and
read by its tenant admins: filtered by person, target and period, a page at a time, or whole as
a spreadsheet."""
from __future__ import annotations

import base64
import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from services.common.contracts.audit import AuditRecorded
from services.common.exports import xlsx_workbook
from services.common.validation import check_page
from services.common.contracts.api import members as member_api
from services.members import lookups, models

# The spreadsheet's rows at most: a year of a busy college; a longer span is asked for in parts.
EXPORT_LIMIT = 100_000


def target_ids(targets: list[str]) -> list[uuid.UUID]:
    """The ids of "field=id" targets, each once, in order; what is not an id is left out."""
    found = []
    for target in targets:
        try:
            value = uuid.UUID(target.partition("=")[2])
        except ValueError:
            continue
        if value not in found:
            found.append(value)
    return found


def keep(uow, event: AuditRecorded) -> None:
    """One row per record; a redelivered event is the same row."""
    uow.session.execute(insert(models.audit_log).values(
        event_id=event.event_id, tenant_id=event.tenant_id, occurred_at=event.occurred_at, service=event.source,
        entrypoint=event.entrypoint, route=event.route, person_id=event.person_id, roles=event.roles,
        credential=event.credential, targets=event.targets, target_ids=target_ids(event.targets),
        summary=event.summary, correlation_id=event.correlation_id,
    ).on_conflict_do_nothing())


def moments(zone: str, since, until) -> tuple[datetime | None, datetime | None]:
    """The instants a period of the college's days spans: from the start of `since` to the end of
    `until`, in its time zone."""
    tz = ZoneInfo(zone)
    start = datetime.combine(since, time.min, tzinfo=tz) if since else None
    end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=tz) if until else None
    return start, end


def _query(session, tenant_id, data: member_api.AuditQuery):
    a = models.audit_log
    start, end = moments(lookups.tenant(session, tenant_id).timezone, data.since, data.until)
    query = select(a).where(a.c.tenant_id == tenant_id)
    if data.person_id:
        query = query.where(a.c.person_id == data.person_id)
    if data.target_id:
        query = query.where(a.c.target_ids.contains([data.target_id]))
    if start:
        query = query.where(a.c.occurred_at >= start)
    if end:
        query = query.where(a.c.occurred_at < end)
    return query.order_by(a.c.occurred_at.desc(), a.c.event_id)


def entry_dict(row) -> dict:
    return {"event_id": str(row.event_id), "occurred_at": row.occurred_at.isoformat(), "service": row.service,
            "entrypoint": row.entrypoint, "route": row.route,
            "person_id": str(row.person_id) if row.person_id else None, "roles": list(row.roles),
            "credential": row.credential, "targets": list(row.targets), "summary": row.summary,
            "correlation_id": row.correlation_id}


def read(session, tenant_id, data: member_api.AuditQuery) -> dict:
    limit, offset = check_page(data.limit, data.offset)
    rows = session.execute(_query(session, tenant_id, data).limit(limit + 1).offset(offset)).all()
    return {"entries": [entry_dict(row) for row in rows[:limit]], "limit": limit, "offset": offset,
            "more": len(rows) > limit}


HEADER = ["时间 (UTC)", "人员", "角色", "凭据", "路由", "服务入口", "对象", "摘要", "关联 ID"]


def export(session, tenant_id, data: member_api.AuditQuery) -> str:
    """The filtered log (no paging) as XLSX, base64."""
    rows = session.execute(_query(session, tenant_id, data).limit(EXPORT_LIMIT)).all()
    content = xlsx_workbook("审计日志", HEADER, (
        [row.occurred_at.isoformat(), str(row.person_id or ""), ", ".join(row.roles), row.credential or "",
         row.route or "", row.entrypoint, "; ".join(row.targets), row.summary, row.correlation_id or ""]
        for row in rows))
    return base64.b64encode(content).decode()
