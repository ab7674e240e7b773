"""The outbox relay: publishes committed outbox rows to RabbitMQ, then deletes them.

Runs inside every publishing service as a nameko extension with its own greenlet. It wakes on
the `pg_notify` a unit of work sends at commit, and polls every OUTBOX_POLL_SECONDS in case a
notification was missed (a restart, another replica's rows). Rows are claimed with
`FOR UPDATE SKIP LOCKED`, so several replicas share the work without publishing a row twice at
the same time.

Every publish uses publisher confirms, and events that some service consumes also `mandatory`:
such a row is deleted only after the broker confirmed it and routed it to at least one queue. An
unroutable subscribed event (its consumer queue not declared yet) or a broker outage leaves the
row in place with a growing backoff. Events no service consumes are published without
`mandatory`, so they do not pile up in the outbox waiting for a reader that does not exist. A crash between the
confirm and the delete publishes the row again later; consumers are idempotent for that reason.
"""
from __future__ import annotations

import logging
import select
import time
from datetime import timedelta

import eventlet
import eventlet.event
from kombu import Connection, Producer
from nameko.events import get_event_exchange
from nameko.extensions import DependencyProvider
from sqlalchemy import MetaData, delete, func, select as sql_select, update

from services.common import metrics
from services.common.db import ServiceTables, make_engine, notify_channel
from services.common.settings import from_container

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 60


class OutboxRelay(DependencyProvider):
    """Declare on a publishing service: `relay = OutboxRelay(models.metadata)`."""

    def __init__(self, metadata: MetaData):
        self.metadata = metadata

    def setup(self):
        self.settings = from_container(self.container)
        self.service = self.container.service_name
        self.tables = ServiceTables(self.metadata, self.settings.db_schema)
        self.engine = make_engine(self.settings, pool_size=2)
        self._running = False
        self._wake = eventlet.event.Event()
        self._thread = None
        self._amqp = None
        self._producer = None
        self._declared: set[str] = set()
        from services.common.topology import subscribed_event_types

        self._subscribed = subscribed_event_types()

    def start(self):
        self._running = True
        self._thread = self.container.spawn_managed_thread(self._run, identifier="outbox_relay")
        self._listener = self.container.spawn_managed_thread(self._listen, identifier="outbox_listen")

    def stop(self):
        self._running = False
        self.wake()
        for thread in (self._thread, self._listener):
            if thread is not None:
                thread.kill()
        self._close_amqp()
        self.engine.dispose()

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        return self

    def wake(self) -> None:
        if not self._wake.ready():
            self._wake.send(True)

    # -- the loop ---------------------------------------------------------------------------

    def _run(self):
        failures = 0
        while self._running:
            try:
                published = self.relay_once()
                failures = 0
            except Exception as exc:  # broker or database down: back off and try again
                failures += 1
                delay = min(MAX_BACKOFF_SECONDS, 0.5 * 2 ** min(failures, 7))
                log.warning("outbox relay failed (%s); retrying in %.1fs", exc, delay)
                metrics.OUTBOX_PUBLISH_FAILURES.labels(self.service, type(exc).__name__).inc()
                self._close_amqp()
                eventlet.sleep(delay)
                continue
            if published >= self.settings.outbox_batch_size:
                continue  # more waiting; do not sleep
            self._wait(self.settings.outbox_poll_seconds)

    def _wait(self, seconds: float) -> None:
        self._wake = eventlet.event.Event()
        with eventlet.Timeout(seconds, False):
            self._wake.wait()

    def _listen(self):
        """LISTEN on the service's channel and wake the relay on each notification."""
        channel = notify_channel(self.settings.db_schema)
        while self._running:
            raw = None
            try:
                raw = self.engine.raw_connection()
                conn = raw.driver_connection
                raw.detach()  # a LISTEN connection never goes back to the pool
                conn.autocommit = True
                with conn.cursor() as cur:
                    cur.execute(f'LISTEN "{channel}"')
                while self._running:
                    select.select([conn], [], [], 5.0)
                    conn.poll()
                    if conn.notifies:
                        conn.notifies.clear()
                        self.wake()
            except Exception as exc:
                log.warning("outbox listener lost its connection (%s); polling meanwhile", exc)
                eventlet.sleep(1)
            finally:
                if raw is not None:
                    try:
                        raw.close()
                    except Exception:
                        pass

    # -- one batch --------------------------------------------------------------------------

    def relay_once(self) -> int:
        """Publish up to one batch of due rows. Returns how many were published."""
        outbox = self.tables.outbox
        published_ids: list[int] = []
        with self.engine.begin() as conn:
            rows = conn.execute(
                sql_select(outbox)
                .where(outbox.c.next_attempt_at <= func.now())
                .order_by(outbox.c.id)
                .limit(self.settings.outbox_batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            try:
                for row in rows:
                    if self._publish(row):
                        published_ids.append(row.id)
                    else:
                        self._postpone(conn, row, "unroutable: no queue is bound for this event type")
            finally:
                # Whatever was confirmed is deleted even if a later publish in the batch failed.
                if published_ids:
                    conn.execute(delete(outbox).where(outbox.c.id.in_(published_ids)))
            self._record_backlog(conn)
        for row in rows:
            if row.id in published_ids:
                metrics.EVENTS_PUBLISHED.labels(self.service, row.event_type).inc()
        return len(published_ids)

    def _postpone(self, conn, row, reason: str) -> None:
        backoff = min(MAX_BACKOFF_SECONDS, 2 ** min(row.attempts, 6))
        conn.execute(
            update(self.tables.outbox)
            .where(self.tables.outbox.c.id == row.id)
            .values(attempts=row.attempts + 1, last_error=reason,
                    next_attempt_at=func.now() + timedelta(seconds=backoff))
        )
        metrics.OUTBOX_PUBLISH_FAILURES.labels(self.service, "unroutable").inc()
        log.error("outbox event %s %s postponed %ss: %s", row.event_type, row.event_id, backoff, reason)

    def _record_backlog(self, conn) -> None:
        outbox = self.tables.outbox
        count, oldest = conn.execute(sql_select(func.count(), func.min(outbox.c.created_at))).one()
        metrics.OUTBOX_BACKLOG.labels(self.service).set(count)
        age = 0.0 if oldest is None else max(0.0, time.time() - oldest.timestamp())
        metrics.OUTBOX_OLDEST_AGE.labels(self.service).set(age)

    # -- the broker -------------------------------------------------------------------------

    def _producer_for(self) -> Producer:
        if self._producer is None:
            self._amqp = Connection(self.settings.amqp_uri, transport_options={"confirm_publish": True})
            self._amqp.ensure_connection(max_retries=1)
            self._producer = Producer(self._amqp.channel(), serializer="json")
            self._declared.clear()
        return self._producer

    def _close_amqp(self) -> None:
        if self._amqp is not None:
            try:
                self._amqp.release()
            except Exception:
                pass
        self._amqp = self._producer = None

    def _publish(self, row) -> bool:
        """Publish one row; True once confirmed and routed, False when unroutable."""
        producer = self._producer_for()
        exchange = get_event_exchange(row.source, self.container.config)
        if exchange.name not in self._declared:
            exchange.bind(producer.channel).declare()
            self._declared.add(exchange.name)
        headers = {f"nameko.{key}": value for key, value in (row.headers or {}).items()}
        headers["nameko.correlation_id"] = row.payload.get("correlation_id") or str(row.event_id)
        headers["nameko.tenant_id"] = str(row.tenant_id)
        try:
            producer.publish(
                row.payload,
                exchange=exchange,
                routing_key=row.event_type,
                headers=headers,
                delivery_mode=2,
                mandatory=(row.source, row.event_type) in self._subscribed,
                message_id=str(row.event_id),
            )
        except Exception as exc:
            if "NO_ROUTE" in str(exc) or getattr(exc, "reply_code", None) == 312:
                # py-amqp raises on basic.return before reading the basic.ack that follows it;
                # a fresh channel keeps that stale ack from answering the next publish's wait.
                self._close_amqp()
                return False
            raise
        return True
