"""Month close and leaderboard on a tenant of 10,000 members with about ten activities each.

Builds a scratch database, migrates the points schema, fills it with bulk SQL (no API, no broker),
then times the month close of every branch of the tenant and the leaderboard query (p50/p95).

    .venv/bin/python benchmarks/month_close.py [--members 10000] [--branches 20] [--queries 300]

Targets (issue 4): month close under 60 s, leaderboard under 50 ms at the 95th percentile.
"""
from __future__ import annotations

import argparse
import statistics
import time
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from services.common import migrations
from services.common.db import ServiceTables, UnitOfWork, make_engine
from services.common.settings import load
from services.points import models, month_close, views

ADMIN_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
PERIOD = "2026-10"

FILL = """
INSERT INTO members_view (member_id, tenant_id, org_unit_id, name)
SELECT gen_random_uuid(), :tenant, (:branches)[1 + i % cardinality(:branches)], '党员' || i
FROM generate_series(1, :members) AS i;

-- About ten activities each: the four duties for most members, the rest spread over other kinds.
INSERT INTO activity_facts (activity_id, tenant_id, member_id, org_unit_id, kind, variant, period, occurred_on,
                            quantity, status)
SELECT gen_random_uuid(), m.tenant_id, m.member_id, m.org_unit_id,
       (ARRAY['opinion_listening','activist_followup','theory_reading','volunteer_service','org_life',
              'pairing_contact','integration_event','opinion_listening','theory_reading','org_life'])
         [1 + (abs(hashtext(m.member_id::text || n)) % 10)],
       NULL, :period, DATE '2026-10-01' + (n * 3), 1, 'approved'
FROM members_view m CROSS JOIN generate_series(0, 9) AS n WHERE m.tenant_id = :tenant;

INSERT INTO activity_facts (activity_id, tenant_id, member_id, org_unit_id, kind, period, occurred_on, quantity, status)
SELECT gen_random_uuid(), m.tenant_id, m.member_id, m.org_unit_id, 'activity_day_attendance', :period,
       DATE '2026-10-22', 1, 'approved'
FROM members_view m WHERE m.tenant_id = :tenant AND abs(hashtext(m.member_id::text)) % 10 <> 0;

INSERT INTO activity_days (day_id, tenant_id, org_unit_id, period, held_on)
SELECT gen_random_uuid(), :tenant, b, :period, DATE '2026-10-22' FROM unnest(:branches) AS b;

INSERT INTO ledger_entries (id, tenant_id, member_id, org_unit_id, period, kind, delta, rule_key, rule_version,
                            activity_id, source_event_id, reason, occurred_on, dimension)
SELECT gen_random_uuid(), tenant_id, member_id, org_unit_id, period, kind,
       CASE WHEN kind = 'activity_day_attendance' THEN 3 WHEN kind = 'org_life' THEN 1 ELSE 2 END,
       kind, 1, activity_id, gen_random_uuid(), kind, occurred_on,
       CASE WHEN kind IN ('theory_reading', 'activist_followup', 'org_life', 'integration_event')
            THEN 'ability' ELSE 'service' END
FROM activity_facts WHERE tenant_id = :tenant;

INSERT INTO balances (tenant_id, member_id, org_unit_id, period, dimension, points)
SELECT tenant_id, member_id, org_unit_id, p, d, sum(delta)
FROM ledger_entries,
     LATERAL (VALUES (period), (substr(period, 1, 4))) AS ps(p),
     LATERAL (VALUES (dimension), ('total')) AS ds(d)
WHERE tenant_id = :tenant
GROUP BY tenant_id, member_id, org_unit_id, p, d;
ANALYZE;
"""


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--branches", type=int, default=20)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()

    name = f"bench_month_close_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        settings = load("points", {
            "DATABASE_URL": f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}",
            "AMQP_URI": "amqp://guest:guest@127.0.0.1:5672/", "PLATFORM_ADMIN_TOKEN": "x" * 40, "METRICS_PORT": "0",
        })
        migrations.upgrade(settings)
        engine = make_engine(settings, pool_size=2)
        tenant, other = uuid.uuid4(), uuid.uuid4()
        branches = [uuid.uuid4() for _ in range(args.branches)]

        started = time.perf_counter()
        with engine.begin() as conn:
            for statement in FILL.split(";\n"):
                if statement.strip():
                    params = {"tenant": tenant, "branches": branches, "members": args.members, "period": PERIOD}
                    conn.execute(text(statement), {k: v for k, v in params.items() if f":{k}" in statement})
            # A second, smaller tenant shares the tables, as in production.
            conn.execute(text(FILL.split(";\n")[0]), {"tenant": other, "branches": [uuid.uuid4()], "members": 2000})
            facts = conn.execute(text("SELECT count(*) FROM activity_facts")).scalar_one()
        print(f"filled {args.members} members in {args.branches} branches, {facts} activities "
              f"in {time.perf_counter() - started:.1f} s")

        tables = ServiceTables(models.metadata, settings.db_schema)
        started = time.perf_counter()
        deductions = 0
        # The same query the scheduled close uses to find what is due.
        with Session(engine) as session:
            due = [u for t, u in month_close.branches_to_close(session, PERIOD) if t == tenant]
        assert sorted(due) == sorted(branches), "branches_to_close missed a branch"
        for branch in due:
            with Session(engine) as session, session.begin():
                result = month_close.close_month(UnitOfWork(session, tables, {}), tenant, branch, PERIOD)
                deductions += result["deductions"]
        close_s = time.perf_counter() - started
        with engine.connect() as conn:
            notices = conn.execute(text("SELECT count(*) FROM outbox WHERE event_type = 'points_awarded'")).scalar_one()
        print(f"month close, whole tenant ({args.branches} branches): {close_s:.2f} s "
              f"(target < 60 s); deductions {deductions}, {notices} deduction notices in the outbox")

        started = time.perf_counter()
        with Session(engine) as session, session.begin():
            again = month_close.close_month(UnitOfWork(session, tables, {}), tenant, branches[0], PERIOD)
        print(f"repeated close of one branch: already_closed={again['already_closed']} "
              f"in {(time.perf_counter() - started) * 1000:.1f} ms")

        for label, kwargs in (("tenant, total, month", dict(period=PERIOD, dimension="total")),
                              ("tenant, service, year", dict(period="2026", dimension="service")),
                              ("branch, total, month", dict(period=PERIOD, dimension="total", org_unit_id=branches[3]))):
            samples = []
            with Session(engine) as session:
                for _ in range(args.queries):
                    t0 = time.perf_counter()
                    board = views.leaderboard(session, tenant, limit=20, **kwargs)
                    samples.append((time.perf_counter() - t0) * 1000)
            print(f"leaderboard ({label}, top 20 of {args.members}): p50 {statistics.median(samples):.2f} ms, "
                  f"p95 {percentile(samples, 0.95):.2f} ms (target < 50 ms); leader {board['entries'][0]['points']}")
        samples = []
        with Session(engine) as session:
            for _ in range(args.queries):
                t0 = time.perf_counter()
                views.unit_leaderboard(session, tenant, PERIOD, "total")
                samples.append((time.perf_counter() - t0) * 1000)
        print(f"org-unit comparison ({args.branches} branches): p50 {statistics.median(samples):.2f} ms, "
              f"p95 {percentile(samples, 0.95):.2f} ms")
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
