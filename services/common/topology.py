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

from typing import Iterable, NamedTuple

from kombu import Exchange, Queue, binding
from nameko.events import get_event_exchange

from services.common.contracts import Event
from services.common.settings import ConfigError

DEAD_LETTER_EXCHANGE = Exchange("dead-letter", type="direct", durable=True)
REQUEUE_EXCHANGE = Exchange("retry.requeue", type="direct", durable=True)

REASON_HEADER = "x-dead-letter-reason"
ERROR_TYPE_HEADER = "x-dead-letter-error"
RETRY_COUNT_HEADER = "x-retry-count"
# The nameko config key naming the (source, event_type) pairs some service consumes.
MANDATORY_EVENTS = "MANDATORY_EVENTS"


class Subscription(NamedTuple):
    """One consumer of one event: `service.method` handles `contract` events, all of them or with
    `only` just those whose `routed_by` value is listed; `batch` when it takes them in batches.
    The system's table of them lives above this kit (services/subscriptions.py) and is handed in."""

    contract: type[Event]
    service: str
    method: str
    only: tuple[str, ...] | None = None
    batch: bool = False

    @property
    def queue(self) -> str:
        return consumer_queue_name(self.contract.source, self.contract.event_type, self.service, self.method)
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


def subscribed_event_types(subscriptions: Iterable[Subscription]) -> frozenset[tuple[str, str]]:
    """(source, event_type) pairs that some service consumes. The relay publishes these with
    `mandatory`, so one that finds no queue stays in the outbox; other events (facts no service
    reads yet) may be dropped by the broker instead of piling up in the outbox forever."""
    return frozenset((each.contract.source, each.contract.event_type) for each in subscriptions)


def with_mandatory_events(config: dict, subscriptions: Iterable[Subscription]) -> dict:
    """The nameko config a service starts with: its outbox relay reads `MANDATORY_EVENTS` there."""
    return {**config, MANDATORY_EVENTS: subscribed_event_types(subscriptions)}


def mandatory_events(config: dict) -> frozenset[tuple[str, str]]:
    try:
        return config[MANDATORY_EVENTS]
    except KeyError:
        raise ConfigError(f"{MANDATORY_EVENTS}: the nameko config does not say which events are consumed; "
                          "start services through services.launch") from None


def all_consumer_queues(subscriptions: Iterable[Subscription], config: dict, delivery_limit: int,
                        retry_delays_ms) -> list:
    """Every consumer queue of every service, so that publishers never find an event unroutable
    just because its consumer has not started yet on a fresh deployment."""
    entities = []
    for each in subscriptions:
        source = each.contract.source
        queue = consumer_queue(source, each.contract.event_type, each.service, each.method, delivery_limit, config,
                               each.only)
        entities += support_entities(queue.name, retry_delays_ms)
        entities += [get_event_exchange(source, config), queue]
    return entities
