"""The daily scans (pairing contacts and needs overdue, development steps due) run the same way:
over one college or every college, each in its own transaction and in its own day."""
from __future__ import annotations

import logging
from typing import Callable

from services.common.errors import Forbidden
from services.common.roster import today_in
from services.common.tenancy import PLATFORM_ADMIN, TENANT_KEY
from services.common.validation import parse_uuid
from services.members.pairing import clock

log = logging.getLogger(__name__)


def scope(caller):
    """The college a scan asked for by RPC covers: a tenant admin's own, or every college (None)
    for the platform admin."""
    caller.require_admin()
    raw_tenant = caller.data.get(TENANT_KEY)
    tenant_id = parse_uuid(raw_tenant, "tenant_id") if raw_tenant else None
    if tenant_id is None and PLATFORM_ADMIN not in caller.roles:
        raise Forbidden("scanning every college needs the platform_admin role")
    return tenant_id


def run(db, tenant_id, on, counts: dict[str, Callable], name: str) -> dict:
    """Run each of `counts` (uow, tenant, day -> how many announced) for each college as of `on`
    (each college's today when None), summing what they announce."""
    with db.reader() as session:
        tenants = clock.tenants_to_scan(session, tenant_id)
    totals = {"tenants": 0, **{key: 0 for key in counts}, "on": on.isoformat() if on else None}
    for tenant, zone in tenants:
        today = on or today_in(zone)
        try:
            with db.transaction() as uow:
                for key, count in counts.items():
                    totals[key] += count(uow, tenant, today)
        except Exception:
            if tenant_id is not None:
                raise
            # One college's failure must not stop the others; the next tick retries it.
            log.exception("%s scan of tenant %s for %s failed", name, tenant, today)
            continue
        totals["tenants"] += 1
    return totals
