"""Look at the dead-letter queues and move their messages back once the cause is fixed.

    python -m services.deadletters list
    python -m services.deadletters show  <queue> [--limit 20]
    python -m services.deadletters replay <queue> [--limit N]

`<queue>` is a consumer queue (`evt-activities-activity_logged--points.on_activity_logged`) or its
dead-letter queue (`dlq.evt-...`). It runs wherever the services' settings are (AMQP_URI), e.g.
`docker compose exec points python -m services.deadletters list`. The consumer queues are those of
the subscription table that command hands `main` (services/subscriptions.py).

A replayed message goes back to its own consumer queue only (through `retry.requeue`, where only
that queue is bound with its name), not to the event's exchange: the other services applied the
event already. Its retry count and dead-letter headers are dropped, so it gets the full retries
again; its context headers (tenant, correlation id) stay. Each message is taken from the
dead-letter queue, published with a publisher confirm, and only then acked; a failure leaves it
in the dead-letter queue. The consumer's once-only record makes a message replayed twice
harmless, within PROCESSED_EVENTS_KEEP_DAYS (services/common/retention.py).
"""
from __future__ import annotations

import argparse
import json
import sys

from kombu import Connection

from services.common import topology
from services.common.settings import ConfigError, load

# Headers that belong to the failed attempt, not to the event.
ATTEMPT_HEADERS = (topology.REASON_HEADER, topology.ERROR_TYPE_HEADER, topology.RETRY_COUNT_HEADER,
                   topology.OUTAGE_RETRY_HEADER,
                   "x-death", "x-first-death-exchange", "x-first-death-queue", "x-first-death-reason",
                   "x-last-death-exchange", "x-last-death-queue", "x-last-death-reason", "x-delivery-count")


def consumer_queue_names(subscriptions) -> list[str]:
    return [subscription.queue for subscription in subscriptions]


def _queue_names(name: str, subscriptions) -> tuple[str, str]:
    """(consumer queue, dead-letter queue) for either of the two names; an unknown name is refused."""
    consumer = name.removeprefix("dlq.")
    if consumer not in consumer_queue_names(subscriptions):
        raise ValueError(f"queue: no consumer queue {consumer!r}; `list` names them")
    return consumer, topology.dead_letter_queue_name(consumer)


def depths(conn: Connection, names: list[str]) -> dict[str, int]:
    """Messages waiting in each dead-letter queue that exists (passive declare: nothing is created)."""
    found = {}
    for name in names:
        channel = conn.channel()
        try:
            found[name] = channel.queue_declare(topology.dead_letter_queue_name(name), passive=True).message_count
        except Exception:  # not declared yet: the service never started on this broker
            pass
        finally:
            if channel.is_open:
                channel.close()
    return found


def peek(conn: Connection, dlq: str, limit: int) -> list[dict]:
    """Up to `limit` messages with why they failed; all of them stay in the queue."""
    channel = conn.channel()
    seen, taken = [], []
    try:
        while len(seen) < limit:
            message = channel.basic_get(dlq, no_ack=False)
            if message is None:
                break
            taken.append(message)
            headers = message.headers or {}
            try:
                body = json.loads(message.body)
            except ValueError:
                body = {}
            seen.append({"event_type": body.get("event_type"), "event_id": body.get("event_id"),
                         "tenant_id": body.get("tenant_id"),
                         "error": headers.get(topology.ERROR_TYPE_HEADER),
                         "reason": headers.get(topology.REASON_HEADER)
                         or _death_reason(headers)})
    finally:
        if channel.is_open:  # otherwise the broker has put them back already
            for message in taken:  # back in the queue, in their order
                channel.basic_reject(message.delivery_tag, requeue=True)
            channel.close()
    return seen


def _death_reason(headers: dict) -> str | None:
    deaths = headers.get("x-death") or []
    if deaths:
        return f"dead-lettered by RabbitMQ: {deaths[0].get('reason')} (x-delivery-limit reached)"
    return None


def replay(conn: Connection, consumer_queue: str, limit: int | None = None) -> int:
    """Move up to `limit` (default: all that wait now) messages from the dead-letter queue back to
    the consumer queue; returns how many moved."""
    dlq = topology.dead_letter_queue_name(consumer_queue)
    channel = conn.channel()
    # Counted once: a message whose cause is not fixed comes straight back to the dead-letter
    # queue, and reading until it is empty would move it round for ever.
    waiting = channel.queue_declare(dlq, passive=True).message_count
    limit = waiting if limit is None else min(limit, waiting)
    moved = 0
    try:
        while moved < limit:
            message = channel.basic_get(dlq, no_ack=False)
            if message is None:
                break
            headers = {k: v for k, v in (message.headers or {}).items() if k not in ATTEMPT_HEADERS}
            headers["x-replayed-from"] = dlq
            # Waits for the broker's confirm; a nack or a return (no queue bound) raises, and the
            # message, still unacked, goes back to the dead-letter queue when the channel closes.
            channel.basic_publish_confirm(
                channel.prepare_message(message.body, content_type=message.properties.get("content_type"),
                                        content_encoding=message.properties.get("content_encoding"),
                                        headers=headers, properties={"delivery_mode": 2}),
                exchange=topology.REQUEUE_EXCHANGE.name, routing_key=consumer_queue, mandatory=True)
            channel.basic_ack(message.delivery_tag)
            moved += 1
    finally:
        if channel.is_open:
            channel.close()
    return moved


def main(argv: list[str] | None, subscriptions) -> int:
    """The command over the consumer queues of `subscriptions` (the system's table)."""
    parser = argparse.ArgumentParser(prog="python -m services.deadletters", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="every dead-letter queue and how many messages wait in it")
    show = commands.add_parser("show", help="the first messages of one dead-letter queue, with their reasons")
    show.add_argument("queue")
    show.add_argument("--limit", type=int, default=20)
    again = commands.add_parser("replay", help="move messages back to their consumer queue")
    again.add_argument("queue")
    again.add_argument("--limit", type=int, default=None)
    args = parser.parse_args(argv)
    try:
        # Any service's settings carry the broker's address; points is one that always exists.
        settings = load("points")
        if args.command != "list":
            if args.limit is not None and args.limit < 1:
                raise ValueError("--limit: expected 1 or more")
            consumer, dlq = _queue_names(args.queue, subscriptions)
    except (ConfigError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with Connection(settings.amqp_uri) as conn:
        if args.command == "list":
            for name, count in sorted(depths(conn, consumer_queue_names(subscriptions)).items()):
                print(f"{count:>8}  {topology.dead_letter_queue_name(name)}")
        elif args.command == "show":
            for item in peek(conn, dlq, args.limit):
                print(json.dumps(item, ensure_ascii=False))
        else:
            print(f"moved {replay(conn, consumer, args.limit)} message(s) from {dlq} back to {consumer}")
    return 0
