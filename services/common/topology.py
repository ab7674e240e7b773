"""Broker topology beyond what nameko declares: retries with backoff and dead-letter queues.

For a consumer queue Q (a quorum queue, so RabbitMQ itself counts deliveries):

    <source>.events --event_type--> Q --(handler fails, transient)--> retry.wait.<d>ms  (TTL d)
                                     ^                                      |
                                     +----- retry.requeue --routing key Q---+
    Q --(permanent failure, retries exhausted, or x-delivery-limit hit)--> dead-letter --Q--> dlq.Q

The wait queues are shared by every consumer: a message keeps Q as its routing key, and when
its TTL expires RabbitMQ dead-letters it to `retry.requeue`, where only Q is bound with that key.
A message that can never be processed therefore ends in dlq.Q with its reason in the headers;
it neither loops nor blocks Q.
"""
from __future__ import annotations

import inspect

from kombu import Exchange, Queue, binding
from nameko.events import get_event_exchange

DEAD_LETTER_EXCHANGE = Exchange("dead-letter", type="direct", durable=True)
REQUEUE_EXCHANGE = Exchange("retry.requeue", type="direct", durable=True)

REASON_HEADER = "x-dead-letter-reason"
ERROR_TYPE_HEADER = "x-dead-letter-error"
RETRY_COUNT_HEADER = "x-retry-count"
OUTAGE_RETRY_HEADER = "x-outage-retries"  # retries while a dependency was away (not counted above)


def consumer_queue_name(source: str, event_type: str, service: str, method: str) -> str:
    # nameko's SERVICE_POOL naming, kept so `nameko show`-style tooling recognises the queues.
    return f"evt-{source}-{event_type}--{service}.{method}"


def dead_letter_queue_name(queue_name: str) -> str:
    return f"dlq.{queue_name}"


def wait_exchange(delay_ms: int) -> Exchange:
    return Exchange(f"retry.wait.{delay_ms}ms", type="fanout", durable=True)


def wait_queue(delay_ms: int) -> Queue:
    return Queue(
        f"retry.wait.{delay_ms}ms",
        exchange=wait_exchange(delay_ms),
        durable=True,
        queue_arguments={"x-message-ttl": delay_ms, "x-dead-letter-exchange": REQUEUE_EXCHANGE.name},
    )


def consumer_queue(source: str, event_type: str, service: str, method: str, delivery_limit: int, config: dict,
                   only: tuple[str, ...] | None = None) -> Queue:
    """The queue of one handler. It takes every `event_type` event, or with `only` just those
    whose routing key ends in one of those values (see `Event.routed_by`). The bare
    `event_type` key is bound either way: an event published without the extra word (by a
    relay of an earlier release during an upgrade, or by hand) still reaches every consumer."""
    name = consumer_queue_name(source, event_type, service, method)
    exchange = get_event_exchange(source, config)
    keys = [event_type] + ([f"{event_type}.{value}" for value in only] if only is not None else [f"{event_type}.#"])
    return Queue(
        name,
        durable=True,
        queue_arguments={
            "x-queue-type": "quorum",
            # A message that keeps crashing the worker (not just raising) is counted by RabbitMQ
            # and dead-lettered after this many deliveries: the last line against poison.
            "x-delivery-limit": delivery_limit,
            "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE.name,
            "x-dead-letter-routing-key": name,
        },
        bindings=[binding(exchange, routing_key=key) for key in keys] + [binding(REQUEUE_EXCHANGE, routing_key=name)],
    )


def dead_letter_queue(queue_name: str) -> Queue:
    return Queue(
        dead_letter_queue_name(queue_name),
        exchange=DEAD_LETTER_EXCHANGE,
        routing_key=queue_name,
        durable=True,
    )


def support_entities(queue_name: str, retry_delays_ms) -> list:
    """Everything a consumer queue relies on, in declaration order."""
    entities: list = [DEAD_LETTER_EXCHANGE, REQUEUE_EXCHANGE, dead_letter_queue(queue_name)]
    for delay in retry_delays_ms:
        entities += [wait_exchange(delay), wait_queue(delay)]
    return entities


def declare(connection, entities) -> None:
    channel = connection.channel()
    try:
        for entity in entities:
            # bind() returns a copy: module-level entities must not keep a closed channel.
            entity.bind(channel).declare()
    finally:
        channel.close()


def subscriptions() -> list[tuple[str, str, type]]:
    """(service, method, contract) for every reliable event handler in the system."""
    return [(service, method, contract) for service, method, contract, _ in _handlers()]


def _handlers() -> list[tuple[str, str, type, tuple[str, ...] | None]]:
    """(service, method, contract, only) for every reliable event handler (see `consumer_queue`)."""
    from services.common.consuming import ReliableEventHandler
    from services.registry import service_classes

    found = []
    for service_cls in service_classes().values():
        for _, attr in inspect.getmembers(service_cls, callable):
            for entrypoint in getattr(attr, "nameko_entrypoints", ()):
                if isinstance(entrypoint, ReliableEventHandler):
                    found.append((service_cls.name, attr.__name__, entrypoint.contract, entrypoint.only))
    return found


def subscribed_event_types() -> frozenset[tuple[str, str]]:
    """(source, event_type) pairs that some service consumes. The relay publishes these with
    `mandatory`, so one that finds no queue stays in the outbox; other events (facts no service
    reads yet) may be dropped by the broker instead of piling up in the outbox forever."""
    return frozenset((contract.source, contract.event_type) for _, _, contract in subscriptions())


def all_consumer_queues(config: dict, delivery_limit: int, retry_delays_ms) -> list:
    """Every consumer queue of every service, so that publishers never find an event unroutable
    just because its consumer has not started yet on a fresh deployment."""
    entities = []
    for service, method, contract, only in _handlers():
        queue = consumer_queue(contract.source, contract.event_type, service, method, delivery_limit, config, only)
        entities += support_entities(queue.name, retry_delays_ms)
        entities += [get_event_exchange(contract.source, config), queue]
    return entities
