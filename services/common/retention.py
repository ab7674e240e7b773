"""Deleting the once-only records that no redelivery can need any more.

`processed_events` gains a row per event per consumer and `handled_requests` one per write
request; both exist only to recognise a copy of something already applied. Kept for ever they
would be the largest tables of a deployment that runs for years. Each service with a database
declares

    retention = Retention(models.metadata)

and a background greenlet deletes, every RETENTION_SWEEP_SECONDS (an hour), the rows older than

* PROCESSED_EVENTS_KEEP_DAYS (30) — an event comes again within minutes when the broker
  redelivers it, within hours when an outbox row waits out a broker outage, and only when an
  operator moves a dead letter back (docs/operations.md). The window must outlast the oldest
  dead letter anyone may replay: a copy older than it would be applied a second time, except
  where a natural key forbids it (points' ledger is unique per cause and rule).
* AUDIT_LOG_KEEP_DAYS (1826) — members' audit log, how long a college can look back.
* IDEMPOTENCY_KEYS_KEEP_HOURS (24) — `handled_requests` answers a copy of a write request: one
  RabbitMQ redelivers comes within RPC_TIMEOUT_SECONDS (the request expires after that), one a
  client sends again with its Idempotency-Key comes within this window, the promise the API
  makes (README). After it the same key is a new request.

Rows go in chunks of RETENTION_CHUNK rows, one short transaction each, so a first sweep over a
year of rows never holds locks for long. Replicas of a service share the tables: a
transaction-scoped advisory lock lets one of them sweep a table while the others skip it.
"""
from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta, timezone

import eventlet
from sqlalchemy import MetaData, text

from services.common import metrics
from services.common.background import BackgroundWorker
from services.common.settings import from_container

log = logging.getLogger(__name__)

RETENTION_CHUNK = 5000


class Retention(BackgroundWorker):
    identifier = "retention"

    def __init__(self, metadata: MetaData):
        self.metadata = metadata

    def setup(self):
        super().setup()
        settings = from_container(self.container)
        self.schema = settings.db_schema
        self.interval = settings.retention_sweep_seconds
        # (table, timestamp column, how long a row is kept): services.common.db's once-only tables.
        policies = [
            ("processed_events", "processed_at", timedelta(days=settings.processed_events_keep_days)),
            ("handled_requests", "handled_at", timedelta(hours=settings.idempotency_keys_keep_hours)),
            # Not once-only, but swept alike: the audit log, where a service keeps one (members).
            ("audit_log", "occurred_at", timedelta(days=settings.audit_log_keep_days)),
        ]
        self.policies = [policy for policy in policies if policy[0] in self.metadata.tables]

    def run(self):
        # Replicas started together would otherwise sweep in step, each finding the lock taken.
        eventlet.sleep(random.uniform(0, min(self.interval, 60)))
        while True:
            try:
                self.sweep()
            except Exception as exc:  # the database may be away; the next round tries again
                log.warning("retention sweep failed: %s", exc)
            eventlet.sleep(self.interval)

    def sweep(self, now: datetime | None = None) -> dict[str, int]:
        """Delete every row older than its table's window; how many rows went, by table."""
        now = now or datetime.now(timezone.utc)
        deleted = {}
        for table, column, keep in self.policies:
            deleted[table] = self._sweep_table(table, column, now - keep)
            if deleted[table]:
                log.info("retention: deleted %d %s rows older than %s", deleted[table], table, now - keep)
        return deleted

    def _sweep_table(self, table: str, column: str, cutoff: datetime) -> int:
        total = 0
        for gone in delete_older(self.engine, f"retention:{self.schema}.{table}", table, column, cutoff):
            total += gone
            metrics.RETENTION_DELETED.labels(self.container.service_name, table).inc(gone)
        return total


def delete_older(engine, lock_key: str, table: str, column: str, cutoff: datetime, chunk: int | None = None):
    """Delete the rows of `table` whose `column` is before `cutoff`, one chunk per transaction;
    yields each chunk's count. Stops at once, deleting nothing, while another session holds
    `lock_key` (another replica sweeping the same table)."""
    chunk = chunk or RETENTION_CHUNK
    while True:
        with engine.begin() as conn:
            locked = conn.execute(text("SELECT pg_try_advisory_xact_lock(hashtext(:key))"), {"key": lock_key})
            if not locked.scalar_one():
                log.debug("retention: %s is being swept elsewhere", lock_key)
                return
            # ctid: the tables' keys are composite; a chunk is picked and deleted by row address.
            gone = conn.execute(text(
                f"DELETE FROM {table} WHERE ctid = ANY(ARRAY("
                f"SELECT ctid FROM {table} WHERE {column} < :cutoff LIMIT :chunk))"
            ), {"cutoff": cutoff, "chunk": chunk}).rowcount
        yield gone
        if gone < chunk:
            return
