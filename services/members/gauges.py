"""Business gauges from the members service's own tables (see services/common/gauges.py)."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from services.common import metrics
from services.common.gauges import replace_series

# "Overdue" is judged in each tenant's own day, as the overdue scan judges it.
_OVERDUE = text("""
SELECT p.tenant_id, count(*) AS overdue
  FROM pairings p JOIN tenants t ON t.id = p.tenant_id
 WHERE p.ended_on IS NULL AND p.next_due_on < (now() AT TIME ZONE t.timezone)::date
 GROUP BY p.tenant_id
""")

_OPEN_NEEDS = text("SELECT tenant_id, count(*) AS open FROM needs WHERE status <> 'confirmed' GROUP BY tenant_id")


def refresh_followups_overdue(conn: Connection) -> None:
    replace_series(metrics.FOLLOWUPS_OVERDUE, {(str(r.tenant_id),): r.overdue for r in conn.execute(_OVERDUE)})


def refresh_needs_open(conn: Connection) -> None:
    replace_series(metrics.NEEDS_OPEN, {(str(r.tenant_id),): r.open for r in conn.execute(_OPEN_NEEDS)})
