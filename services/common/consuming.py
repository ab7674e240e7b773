"""The event-handler entrypoint every consumer uses: validated, retried, dead-lettered.

nameko acks a message even when its handler raises (and `requeue_on_error` alone would loop
on a poison message). This entrypoint decides per message instead:

* payload fails its contract          -> dead-letter at once, reason in the headers
* handler raises a permanent error    -> dead-letter at once (a `DomainError` with permanent=True)
* handler raises anything else        -> retry after retry_delays_ms[n]; dead-letter when exhausted
* handler returns                     -> ack (the handler's own transaction already committed)

Only after the retry or dead-letter copy is confirmed by the broker is the original acked; if
that publish fails the original is requeued, so a message is never lost between the two.
Delivery guarantee relied on: at-least-once. Handlers must be idempotent, which
`DatabaseHandle.process_once` provides.
"""
from __future__ import annotations

import logging
from functools import partial

from kombu.pools import producers
from kombu import Connection
from nameko.containers import WorkerContext  # noqa: F401  (documented type of worker_ctx)
from nameko.events import EventHandler, SERVICE_POOL
from nameko.exceptions import ContainerBeingKilled

from services.common import metrics, topology
from services.common.contracts import Event, parse_event
from services.common.errors import ContractViolation, DomainError
from services.common.settings import from_container

log = logging.getLogger(__name__)


class ReliableEventHandler(EventHandler):
    def __init__(self, contract: type[Event], **kwargs):
        self.contract = contract
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
            settings.delivery_limit, self.container.config,
        )
        with Connection(settings.amqp_uri) as conn:
            topology.declare(conn, topology.support_entities(self.queue.name, self.retry_delays_ms))
        self._connection = Connection(settings.amqp_uri, transport_options={"confirm_publish": True})
        # Skip EventHandler.setup (it would rebuild a queue without our arguments).
        self.queue_consumer.register_provider(self)

    def _count(self, outcome: str) -> None:
        metrics.EVENTS_CONSUMED.labels(self.container.service_name, self.event_type, outcome).inc()

    def handle_message(self, body, message):
        try:
            event = parse_event(self.contract, body)
        except ContractViolation as exc:
            self._finish(message, self._dead_letter, message, str(exc), "ContractViolation")
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
        permanent = isinstance(exc, DomainError) and exc.permanent
        if permanent or attempt >= len(self.retry_delays_ms):
            if not permanent:
                reason = f"retries exhausted after {attempt} attempts; last error {reason}"
            self._finish(message, self._dead_letter, message, reason, type(exc).__name__)
        else:
            log.warning("retrying %s in %d ms (attempt %d): %s",
                        self.event_type, self.retry_delays_ms[attempt], attempt + 1, reason)
            self._finish(message, self._retry_later, message, attempt, reason)

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

    def _retry_later(self, message, attempt: int, reason: str) -> None:
        headers = dict(message.headers)
        headers[topology.RETRY_COUNT_HEADER] = attempt + 1
        headers[topology.ERROR_TYPE_HEADER] = reason[:500]
        delay = self.retry_delays_ms[attempt]
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


handles = ReliableEventHandler.decorator
