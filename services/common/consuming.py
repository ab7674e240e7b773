"""The event-handler entrypoint every consumer uses: validated, retried, dead-lettered.

nameko acks a message even when its handler raises (and `requeue_on_error` alone would loop
on a poison message). This entrypoint decides per message instead:

* payload fails its contract          -> dead-letter at once, reason in the headers
* handler raises a permanent error    -> dead-letter at once (a `DomainError` with permanent=True)
* handler raises anything else        -> retry after retry_delays_ms[n]; dead-letter when exhausted
* a dependency was unreachable        -> retry after retry_delays_ms[n] without spending an attempt:
  (database or broker down)              an outage is no verdict on the message
* handler returns                     -> ack (the handler's own transaction already committed)

Only after the retry or dead-letter copy is confirmed by the broker is the original acked; if
that publish fails the original is requeued, so a message is never lost between the two.
Delivery guarantee relied on: at-least-once. Handlers must be idempotent, which
`DatabaseHandle.process_once` provides.

`handles(..., batch=True)` is the same entrypoint for the hot paths: it gathers the messages that
arrive together (up to EVENT_BATCH_SIZE, waiting at most EVENT_BATCH_WAIT_MS when idle) and hands
them to one worker as an `EventBatch`, which `DatabaseHandle.process_batch` applies in a single
transaction. If the batch fails, each of its messages is handled again alone, with the retry and
dead-letter rules above, so batching changes the cost of an event and nothing else.
"""
from __future__ import annotations

import logging
from functools import partial

import eventlet

from kombu.pools import producers
from kombu import Connection
from nameko.containers import WorkerContext  # noqa: F401  (documented type of worker_ctx)
from nameko.events import BROADCAST, EventHandler, SERVICE_POOL
from nameko.exceptions import ContainerBeingKilled

from services.common import metrics, topology
from services.common.connections import (
    RECONNECT_FIRST_SECONDS, RECONNECT_MAX_SECONDS, RECONNECT_STEP_SECONDS, SurvivingQueueConsumer,
    unreachable_dependency,
)
from services.common.contracts import Event, parse_event
from services.common.errors import ContractViolation, DomainError
from services.common.settings import from_container

log = logging.getLogger(__name__)


# Retries while the database or the broker is away, beyond RETRY_DELAYS_MS: with the longest
# delay (30 s in production) about 50 minutes, long enough for any restart or failover, and still
# bounded, so an error that only looks like an outage ends in the dead-letter queue too.
OUTAGE_RETRIES = 100


def next_attempt(exc: BaseException, attempts: tuple[int, int], retry_delays_ms) -> tuple[int, tuple[int, int]] | None:
    """After `exc` failed a message that carries `attempts` (retries spent, outage retries spent),
    the delay in ms and the attempts its retried copy carries; None: dead-letter it."""
    spent, outages = attempts
    if isinstance(exc, DomainError) and exc.permanent:
        return None
    if unreachable_dependency(exc) is not None and outages < OUTAGE_RETRIES:
        # An outage is no verdict on the message: it does not spend one of its retries.
        return retry_delays_ms[min(spent, len(retry_delays_ms) - 1)], (spent, outages + 1)
    if spent >= len(retry_delays_ms):
        return None
    return retry_delays_ms[spent], (spent + 1, outages)


class ReliableEventHandler(EventHandler):
    queue_consumer = SurvivingQueueConsumer()

    def __init__(self, contract: type[Event], only: tuple[str, ...] | None = None, **kwargs):
        """`only`: the values of the contract's `routed_by` field this handler wants; the broker
        hands it no other event of the type (None: all of them)."""
        if only is not None and contract.routed_by is None:
            raise TypeError(f"{contract.__name__} has no routed_by field to select on")
        self.contract = contract
        self.only = tuple(only) if only is not None else None
        super().__init__(
            contract.source, contract.event_type,
            handler_type=SERVICE_POOL, reliable_delivery=True, requeue_on_error=True, **kwargs,
        )

    def setup(self):
        settings = from_container(self.container)
        self.settings = settings
        self.retry_delays_ms = settings.retry_delays_ms
        self.queue = topology.consumer_queue(
            self.source_service, self.event_type, self.container.service_name, self.method_name,
            settings.delivery_limit, self.container.config, self.only,
        )
        with Connection(settings.amqp_uri) as conn:
            # Every handler declares at once while the container sets up: on a busy broker one
            # handshake may time out, which is no reason to give up the start.
            conn.ensure_connection(max_retries=5, interval_start=RECONNECT_FIRST_SECONDS,
                                   interval_step=RECONNECT_STEP_SECONDS, interval_max=RECONNECT_MAX_SECONDS)
            topology.declare(conn, topology.support_entities(self.queue.name, self.retry_delays_ms))
        self._connection = Connection(settings.amqp_uri, transport_options={"confirm_publish": True})
        # Skip EventHandler.setup (it would rebuild a queue without our arguments).
        self.queue_consumer.register_provider(self)

    def _count(self, outcome: str) -> None:
        metrics.EVENTS_CONSUMED.labels(self.container.service_name, self.event_type, outcome).inc()

    def _parsed(self, body, message) -> Event | None:
        """The message's event, or None when it breaks the contract (then it is dead-lettered)."""
        try:
            return parse_event(self.contract, body)
        except ContractViolation as exc:
            self._finish(message, self._dead_letter, message, str(exc), "ContractViolation")
            return None

    def handle_message(self, body, message):
        event = self._parsed(body, message)
        if event is None:
            return
        context_data = self.unpack_message_headers(message)
        try:
            self.container.spawn_worker(
                self, (event,), {}, context_data=context_data, handle_result=partial(self.handle_result, message)
            )
        except ContainerBeingKilled:
            self.queue_consumer.requeue_message(message)

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is None:
            self._count("duplicate" if result is False else "processed")
            self.queue_consumer.ack_message(message)
            return
        exc = exc_info[1]
        reason = f"{type(exc).__name__}: {exc}"
        attempt = int(message.headers.get(topology.RETRY_COUNT_HEADER, 0))
        outages = int(message.headers.get(topology.OUTAGE_RETRY_HEADER, 0))
        retry = next_attempt(exc, (attempt, outages), self.retry_delays_ms)
        if retry is None:
            if not (isinstance(exc, DomainError) and exc.permanent):
                reason = f"retries exhausted after {attempt} attempts; last error {reason}"
            self._finish(message, self._dead_letter, message, reason, type(exc).__name__)
        else:
            delay, attempts = retry
            log.warning("retrying %s in %d ms (attempt %d): %s", self.event_type, delay, attempts[0], reason)
            self._finish(message, self._retry_later, message, delay, attempts, reason)

    def _finish(self, message, action, *args) -> None:
        try:
            action(*args)
        except Exception:
            # The broker did not confirm the copy: keep the original rather than lose it.
            log.exception("could not route %s to retry/dead-letter; requeueing", self.event_type)
            self.queue_consumer.requeue_message(message)
            return
        self.queue_consumer.ack_message(message)

    def _republish(self, message, exchange, routing_key, headers) -> None:
        with producers[self._connection].acquire(block=True) as producer:
            producer.publish(
                message.body,
                exchange=exchange,
                routing_key=routing_key,
                headers=headers,
                content_type=message.content_type,
                content_encoding=message.content_encoding,
                delivery_mode=2,
                mandatory=True,
                retry=True,
                retry_policy={"max_retries": 3},
            )

    def _retry_later(self, message, delay: int, attempts: tuple[int, int], reason: str) -> None:
        headers = dict(message.headers)
        headers[topology.RETRY_COUNT_HEADER], headers[topology.OUTAGE_RETRY_HEADER] = attempts
        headers[topology.ERROR_TYPE_HEADER] = reason[:500]
        self._republish(message, topology.wait_exchange(delay), self.queue.name, headers)
        self._count("retried")

    def _dead_letter(self, message, reason: str, error_type: str) -> None:
        headers = dict(message.headers)
        headers[topology.REASON_HEADER] = reason[:2000]
        headers[topology.ERROR_TYPE_HEADER] = error_type
        self._republish(message, topology.DEAD_LETTER_EXCHANGE, self.queue.name, headers)
        log.error("dead-lettered %s from %s: %s", self.event_type, self.queue.name, reason)
        self._count("dead_lettered")
        metrics.DEAD_LETTERED.labels(self.container.service_name, self.event_type, error_type).inc()

    def stop(self):
        super().stop()
        self._connection.release()


# Events a batch handler gets together, each with the context headers its message carried.
EventBatch = list[tuple[Event, dict]]


class BatchQueueConsumer(SurvivingQueueConsumer):
    """The queue consumer of batch handlers (its own connection and channel).

    nameko's prefetch is max_workers per queue, which would cap a batch at ten messages. One
    batch more than may run at once lets the next one gather while the others are applied;
    batches are bounded per handler (EVENT_BATCHES_IN_FLIGHT), so this does not multiply the
    workers (nameko#428 is about prefetching more messages than there are workers to take them).
    """

    @property
    def prefetch_count(self):
        settings = from_container(self.container)
        return (settings.event_batches_in_flight + 1) * settings.event_batch_size


class BatchEventHandler(ReliableEventHandler):
    queue_consumer = BatchQueueConsumer()

    def setup(self):
        super().setup()
        self.batch_size = self.settings.event_batch_size
        self.batch_wait = self.settings.event_batch_wait_ms / 1000
        # More than one batch at a time overlaps one batch's database round trips with another's
        # work; their per-member locks are taken in one order, so they cannot deadlock.
        self.max_in_flight = self.settings.event_batches_in_flight
        self._pending: list[tuple[Event, object, dict]] = []
        self._in_flight = 0
        self._timer = None

    def handle_message(self, body, message):
        event = self._parsed(body, message)
        if event is None:
            return
        self._pending.append((event, message, self.unpack_message_headers(message)))
        if self._in_flight >= self.max_in_flight:
            return  # taken when a running batch ends
        if len(self._pending) >= self.batch_size:
            self._flush()
        elif self._timer is None:
            self._timer = self.container.spawn_managed_thread(self._flush_after_wait)

    def _flush_after_wait(self):
        eventlet.sleep(self.batch_wait)
        self._timer = None
        if self._in_flight < self.max_in_flight:
            self._flush()

    def _flush(self):
        pending, self._pending = self._pending[:self.batch_size], self._pending[self.batch_size:]
        if not pending:
            return
        # The same order of per-member locks in every batch and replica, so two batches cannot
        # deadlock on each other; events of one member keep their delivery order (stable sort).
        pending.sort(key=lambda item: (str(item[0].tenant_id), str(getattr(item[0], "member_id", ""))))
        self._in_flight += 1
        if not self._spawn(pending, partial(self.handle_batch_result, pending)):
            self._in_flight -= 1

    def _spawn(self, pending, handle_result) -> bool:
        batch = [(event, context) for event, _, context in pending]
        try:
            self.container.spawn_worker(self, (batch,), {}, context_data=pending[0][2], handle_result=handle_result)
        except ContainerBeingKilled:
            for _, message, _ in pending:
                self.queue_consumer.requeue_message(message)
            return False
        return True

    def handle_batch_result(self, pending, worker_ctx, result=None, exc_info=None):
        self._in_flight -= 1
        if exc_info is None:
            duplicates = len(pending) - result
            for index, (_, message, _) in enumerate(pending):
                self._count("duplicate" if index < duplicates else "processed")
                self.queue_consumer.ack_message(message)
        elif len(pending) == 1:
            self.handle_message_processed(pending[0][1], None, exc_info)
        else:
            log.warning("a batch of %d %s failed (%s: %s); handling each of them alone",
                        len(pending), self.event_type, exc_info[0].__name__, exc_info[1])
            for item in pending:
                self._spawn([item], partial(self.handle_single_result, item[1]))
        if self._pending and self._in_flight < self.max_in_flight:
            self._flush()
        return result, exc_info

    def handle_single_result(self, message, worker_ctx, result=None, exc_info=None):
        self.handle_message_processed(message, None if exc_info else result > 0, exc_info)
        return result, exc_info


class BroadcastEventHandler(EventHandler):
    """Every process of the service gets its own copy of each event, for state it keeps in memory
    (the gateway's list of stale credentials): nameko's BROADCAST handler type, an exclusive queue
    per container that RabbitMQ deletes with its connection.

        <source>.events --event_type--+--> [queue of process 1] -> handler
                                      +--> [queue of process 2] -> handler

    Delivery guarantee: at most once per process, and only while it runs. That is the point:
    such a handler must not need what it missed, because a process that starts again starts
    from nothing (the gateway then renews every credential issued before it started). Hence no
    retries and no dead-letter queue: an event breaking its contract is logged and dropped.
    Not a row of services/subscriptions.py, which lists the durable work queues.
    """

    queue_consumer = SurvivingQueueConsumer()

    def __init__(self, contract: type[Event], **kwargs):
        self.contract = contract
        super().__init__(contract.source, contract.event_type, handler_type=BROADCAST, reliable_delivery=False,
                         **kwargs)

    def handle_message(self, body, message):
        try:
            event = parse_event(self.contract, body)
        except ContractViolation as exc:
            log.error("dropped a %s broadcast breaking its contract: %s", self.event_type, exc)
            self.queue_consumer.ack_message(message)
            return
        try:
            self.container.spawn_worker(self, (event,), {}, context_data=self.unpack_message_headers(message),
                                        handle_result=partial(self.handle_result, message))
        except ContainerBeingKilled:
            self.queue_consumer.requeue_message(message)

    def handle_message_processed(self, message, result=None, exc_info=None):
        outcome = "processed" if exc_info is None else "failed"
        metrics.EVENTS_CONSUMED.labels(self.container.service_name, self.event_type, outcome).inc()
        self.queue_consumer.ack_message(message)


def broadcast(contract: type[Event]):
    """Decorate a service method as a per-process consumer of `contract` events (see
    `BroadcastEventHandler`)."""
    return BroadcastEventHandler.decorator(contract)


def handles(contract: type[Event], batch: bool = False, **kwargs):
    """Decorate a service method as the consumer of `contract` events (see the module's doc)."""
    return (BatchEventHandler if batch else ReliableEventHandler).decorator(contract, **kwargs)
