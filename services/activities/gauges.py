"""Business gauges from the activities service's own tables (see services/common/gauges.py)."""
from __future__ import annotations

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from services.common import metrics
from services.common.contracts import FOUR_DUTIES
from services.common.gauges import replace_series
from services.common.roster import DEFAULT_TIMEZONE, PARTY_STATUSES

# Per branch: its Party members still on the roster (members of its groups included), and how
# many (member, duty) pairs of the four duties they have done in the tenant's current month.
_COMPLETION = text("""
WITH branch_of AS (
    SELECT b.org_unit_id AS unit, b.tenant_id, b.org_unit_id AS branch
      FROM org_units b WHERE b.kind = 'branch' AND NOT b.closed
    UNION ALL
    SELECT g.org_unit_id, g.tenant_id, g.parent_id
      FROM org_units g JOIN org_units b ON b.org_unit_id = g.parent_id
     WHERE g.kind = 'group' AND b.kind = 'branch' AND NOT b.closed
), members AS (
    SELECT r.member_id, r.tenant_id, bo.branch
      FROM roster r JOIN branch_of bo ON bo.unit = r.org_unit_id AND bo.tenant_id = r.tenant_id
     WHERE r.left_on IS NULL AND (r.political_status IS NULL OR r.political_status IN :party)
), periods AS (
    SELECT DISTINCT m.tenant_id,
           to_char(now() AT TIME ZONE coalesce(t.timezone, :default_zone), 'YYYY-MM') AS period
      FROM members m LEFT JOIN tenants t ON t.tenant_id = m.tenant_id
)
SELECT m.tenant_id, m.branch, count(DISTINCT m.member_id) AS members,
       -- FILTER: a member with nothing done joins as (NULL, NULL), which DISTINCT would count.
       count(DISTINCT (a.member_id, a.kind)) FILTER (WHERE a.member_id IS NOT NULL) AS done
  FROM members m
  JOIN periods p ON p.tenant_id = m.tenant_id
  LEFT JOIN activities a ON a.tenant_id = m.tenant_id AND a.member_id = m.member_id
       AND a.period = p.period AND a.kind IN :duties AND a.status <> 'rejected'
 GROUP BY m.tenant_id, m.branch
""").bindparams(bindparam("party", expanding=True), bindparam("duties", expanding=True))


def refresh_four_duties(conn: Connection) -> None:
    rows = conn.execute(_COMPLETION, {"party": list(PARTY_STATUSES), "duties": list(FOUR_DUTIES),
                                      "default_zone": DEFAULT_TIMEZONE}).all()
    replace_series(metrics.FOUR_DUTIES_COMPLETION, {
        (str(r.tenant_id), str(r.branch)): r.done / (len(FOUR_DUTIES) * r.members) for r in rows if r.members})
