"""What the retention sweep costs: the index it needs on every consumed event, and the sweep itself.

    .venv/bin/python benchmarks/retention.py [--rows 400000]

In a scratch database, `processed_events` is filled the way consumers fill it (a transaction per
batch of 100 markers, processed_at rising over 60 days) three times: without an index on
processed_at (the baseline), with the B-tree index the services use, and with BRIN. For each it
prints the insert rate, the index size, and how long `services.common.retention.delete_older`
takes to delete the older half (30 days' worth) in its chunks, on a fresh table (a first sweep:
BRIN looks as good here as it ever will; after sweeps free pages that new rows refill, its page
ranges widen and it stops helping). Nothing here is asserted.
"""
from __future__ import annotations

import argparse
import time
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import MetaData, create_engine, text

from services.common.tables import processed_events_table
from services.common.retention import delete_older

BATCH = 100
VARIANTS = {
    "no index (baseline)": None,
    "B-tree (as deployed)": "CREATE INDEX ix_bench_at ON processed_events (processed_at)",
    "BRIN": "CREATE INDEX ix_bench_at ON processed_events USING brin (processed_at)",
}


def fill(engine, rows: int, start: datetime, span: timedelta) -> float:
    step = span / rows
    tenant = uuid.uuid4()
    began = time.perf_counter()
    for first in range(0, rows, BATCH):
        ids = [uuid.uuid4() for _ in range(min(BATCH, rows - first))]
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO processed_events (consumer, event_id, tenant_id, processed_at) "
                "SELECT 'points.on_activity_logged', e, :t, :at FROM unnest(CAST(:ids AS uuid[])) AS e"),
                {"ids": ids, "t": tenant, "at": start + step * first})
    return rows / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=400_000)
    args = parser.parse_args()
    db = f"bench_retention_{uuid.uuid4().hex[:8]}"
    admin = create_engine("postgresql+psycopg2://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db}"'))
    engine = create_engine(f"postgresql+psycopg2://postgres@127.0.0.1:5432/{db}")
    now = datetime.now(timezone.utc)
    print(f"{args.rows:,} markers over 60 days, batches of {BATCH}; the sweep deletes those older than 30 days\n")
    print(f"{'processed_at index':<22}{'insert markers/s':>18}{'vs baseline':>13}{'index size':>12}"
          f"{'sweep s':>10}{'deleted/s':>12}")
    baseline = None
    try:
        for name, ddl in VARIANTS.items():
            table = processed_events_table(MetaData())
            for index in list(table.indexes):  # the variant decides the index
                table.indexes.discard(index)
            with engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS processed_events"))
                table.create(conn)
                if ddl:
                    conn.execute(text(ddl))
            rate = fill(engine, args.rows, now - timedelta(days=60), timedelta(days=60))
            baseline = baseline or rate
            with engine.connect() as conn:
                size = conn.execute(text("SELECT pg_relation_size('ix_bench_at')")).scalar_one() if ddl else 0
            began = time.perf_counter()
            deleted = sum(delete_older(engine, f"bench:{name}", "processed_events", "processed_at",
                                       now - timedelta(days=30)))
            took = time.perf_counter() - began
            print(f"{name:<22}{rate:>18,.0f}{rate / baseline:>12.2f}x{size / 1024:>10,.0f} kB"
                  f"{took:>10.2f}{deleted / took:>12,.0f}")
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
