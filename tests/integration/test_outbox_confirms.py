"""The relay's batched confirms against the real broker, including out-of-order confirms.

RabbitMQ confirms a message no queue takes at once, while a message routed to a quorum queue
waits for the queue; a later `multiple` ack then covers the earlier tags. Every row of a batch
must be settled by its own confirm, never by a high-water mark.
"""
import uuid
from types import SimpleNamespace

from kombu import Connection, Queue
from nameko.events import get_event_exchange

from services.common.outbox import ConfirmingPublisher
from tests.support.infra import wait_until

SOURCE = "confirmtest"


def _row(row_id: int, event_type: str):
    event_id = uuid.uuid4()
    return SimpleNamespace(id=row_id, source=SOURCE, event_type=event_type, event_id=event_id,
                           tenant_id=uuid.uuid4(), headers={}, payload={"event_id": str(event_id), "n": row_id})


def test_every_row_of_a_batch_is_settled_by_its_own_confirm(amqp_uri, broker_admin):
    queue_name = f"test-confirms-{uuid.uuid4().hex[:8]}"
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        exchange = get_event_exchange(SOURCE, {})
        exchange.bind(channel).declare()
        Queue(queue_name, exchange=exchange, routing_key="subscribed", durable=True,
              queue_arguments={"x-queue-type": "quorum"}).bind(channel).declare()
        channel.close()
    publisher = ConfirmingPublisher(amqp_uri, subscribed={(SOURCE, "subscribed"), (SOURCE, "unbound")})
    try:
        next_id, routed = 1, 0
        for _ in range(20):
            # 48 routed to the quorum queue, one nobody reads (confirmed at once, out of order),
            # one subscribed but unbound (returned: must stay in the outbox).
            batch = [_row(next_id + i, "subscribed") for i in range(48)]
            batch += [_row(next_id + 48, "unread"), _row(next_id + 49, "unbound")]
            next_id += 50
            confirmed, unroutable = publisher.publish_batch(batch, {})
            assert unroutable == {batch[-1].id}
            assert confirmed == {row.id for row in batch[:-1]}, sorted({row.id for row in batch[:-1]} - confirmed)
            routed += 48
    finally:
        publisher.close()
    try:
        # The management API's statistics refresh every few seconds.
        wait_until(lambda: broker_admin.queue_depth(queue_name) == routed, timeout=20,
                   message=f"{routed} messages in {queue_name}")
    finally:
        with Connection(amqp_uri) as conn:
            channel = conn.channel()
            channel.queue_delete(queue_name)
            channel.close()

