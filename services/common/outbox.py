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

import json
import logging
import select
import socket
import time
from datetime import timedelta

import amqp
import eventlet
import eventlet.event
from kombu import Connection
from nameko.events import get_event_exchange
from nameko.extensions import DependencyProvider
from sqlalchemy import MetaData, delete, func, select as sql_select, update

from services.common import metrics, topology
from services.common.connections import RECONNECT_MAX_SECONDS
from services.common.contracts import routing_key_of
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
        self._amqp: ConfirmingPublisher | None = None
        self._subscribed = topology.mandatory_events(self.container.config)

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
                # Capped low: the relay must resume within seconds of the broker coming back.
                delay = min(RECONNECT_MAX_SECONDS, 0.5 * 2 ** min(failures, 7))
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
        confirmed: set[int] = set()
        with self.engine.begin() as conn:
            rows = conn.execute(
                sql_select(outbox)
                .where(outbox.c.next_attempt_at <= func.now())
                .order_by(outbox.c.id)
                .limit(self.settings.outbox_batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            if not rows:
                self._record_backlog(conn)
                return 0
            try:
                confirmed, unroutable = self._publisher().publish_batch(rows, self.container.config)
            except Exception:
                self._close_amqp()
                raise
            for row in rows:
                if row.id in unroutable:
                    self._postpone(conn, row, "unroutable: no queue is bound for this event type")
            if confirmed:
                conn.execute(delete(outbox).where(outbox.c.id.in_(confirmed)))
            self._record_backlog(conn)
        for row in rows:
            if row.id in confirmed:
                metrics.EVENTS_PUBLISHED.labels(self.service, row.event_type).inc()
        return len(confirmed)

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

    def _publisher(self) -> "ConfirmingPublisher":
        if self._amqp is None:
            self._amqp = ConfirmingPublisher(self.settings.amqp_uri, self._subscribed)
        return self._amqp

    def _close_amqp(self) -> None:
        if self._amqp is not None:
            self._amqp.close()
        self._amqp = None


class ConfirmingPublisher:
    """Publishes a batch of outbox rows and waits once for all their confirms.

    Waiting for each confirm in turn costs a broker round trip per event; publishing the whole
    batch and then collecting the acks (which RabbitMQ may coalesce with `multiple`) keeps the
    same guarantee (a row is deleted only once its own confirm arrived) at batch cost.

    With `mandatory`, RabbitMQ sends basic.return for an unroutable message *before* its
    basic.ack, so a tag that is both returned and acked was not delivered to any queue.
    """

    def __init__(self, amqp_uri: str, subscribed: set, confirm_timeout: float = 30.0):
        self.subscribed = subscribed
        self.confirm_timeout = confirm_timeout
        self.connection = Connection(amqp_uri)
        self.connection.ensure_connection(max_retries=1)
        self.channel = self.connection.channel()
        self.channel.confirm_select()
        self.channel.events["basic_ack"].add(self._on_ack)
        self.channel.events["basic_nack"].add(self._on_nack)
        self.channel.events["basic_return"].add(self._on_return)
        self._next_tag = 1
        self._declared: set[str] = set()
        self._pending: set[int] = set()
        self._acked: set[int] = set()
        self._nacked: set[int] = set()
        self._returned: set[str] = set()

    def _settle(self, tag: int, multiple: bool, into: set) -> None:
        # Confirms may arrive out of order: a message no queue takes is confirmed at once, while
        # a routed one waits for its queue, and a later `multiple` ack then covers the earlier
        # tags. So settle exactly the pending tags covered, never a high-water mark.
        settled = {t for t in self._pending if t <= tag} if multiple else {tag} & self._pending
        self._pending -= settled
        into.update(settled)

    def _on_ack(self, tag, multiple):
        self._settle(tag, multiple, self._acked)

    def _on_nack(self, tag, multiple):
        self._settle(tag, multiple, self._nacked)

    def _on_return(self, exc, exchange, routing_key, message):
        self._returned.add(message.properties.get("message_id"))

    def publish_batch(self, rows, nameko_config) -> tuple[set[int], set[int]]:
        """Publish rows; returns (ids confirmed and routed, ids unroutable). Raises when the
        broker does not confirm in time or nacks; nothing is deleted for unconfirmed rows."""
        self._pending.clear()
        self._acked.clear()
        self._nacked.clear()
        self._returned.clear()
        tags: dict[int, object] = {}
        for row in rows:
            exchange = get_event_exchange(row.source, nameko_config)
            if exchange.name not in self._declared:
                exchange.bind(self.channel).declare()
                self._declared.add(exchange.name)
            headers = {f"nameko.{key}": value for key, value in (row.headers or {}).items()}
            headers["nameko.correlation_id"] = row.payload.get("correlation_id") or str(row.event_id)
            headers["nameko.tenant_id"] = str(row.tenant_id)
            message = amqp.Message(
                json.dumps(row.payload),
                content_type="application/json",
                content_encoding="utf-8",
                delivery_mode=2,
                message_id=str(row.event_id),
                application_headers=headers,
            )
            self.channel.basic_publish(
                message, exchange=exchange.name, routing_key=routing_key_of(row.source, row.event_type, row.payload),
                mandatory=(row.source, row.event_type) in self.subscribed,
            )
            tags[self._next_tag] = row
            self._pending.add(self._next_tag)
            self._next_tag += 1
        deadline = time.monotonic() + self.confirm_timeout
        while self._pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"broker confirmed {len(tags) - len(self._pending)} "
                                   f"of {len(tags)} events in {self.confirm_timeout:.0f}s")
            try:
                self.connection.drain_events(timeout=min(remaining, 1.0))
            except socket.timeout:
                continue
        confirmed, unroutable = set(), set()
        for tag, row in tags.items():
            if str(row.event_id) in self._returned:
                unroutable.add(row.id)
            elif tag in self._acked:
                confirmed.add(row.id)
        if self._nacked:
            # A nack means the broker could not take responsibility (e.g. a queue's disk alarm);
            # the confirmed rows are still deleted by the caller, the rest stay for a retry.
            log.warning("broker nacked %d of %d events; they stay in the outbox", len(self._nacked), len(tags))
        return confirmed, unroutable

    def close(self) -> None:
        try:
            self.connection.release()
        except Exception:
            pass
