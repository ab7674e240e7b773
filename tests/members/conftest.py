import json
import uuid

import pytest
from kombu import Connection, Queue
from nameko.events import get_event_exchange

from tests.support.infra import wait_until


class EventTap:
    """A queue bound to every members event, so tests see what the outbox relay published."""

    def __init__(self, broker_admin, name):
        self.broker_admin, self.name = broker_admin, name

    def events(self, tenant_id: str) -> list[dict]:
        messages = self.broker_admin.get_messages(self.name, count=5000)
        bodies = [json.loads(m["payload"]) if isinstance(m["payload"], str) else m["payload"] for m in messages]
        return [b for b in bodies if b.get("tenant_id") == tenant_id]

    def types(self, tenant_id: str) -> list[str]:
        return sorted(e["event_type"] for e in self.events(tenant_id))

    def wait_for(self, tenant_id: str, count: int) -> list[dict]:
        return wait_until(lambda: (found := self.events(tenant_id)) and len(found) >= count and found,
                          message=f"{count} members events")


@pytest.fixture
def tap(amqp_uri, broker_admin):
    name = f"test-members-tap-{uuid.uuid4().hex[:8]}"
    with Connection(amqp_uri) as conn:
        exchange = get_event_exchange("members", {})
        queue = Queue(name, exchange=exchange, routing_key="#", durable=False, auto_delete=False)
        channel = conn.channel()
        exchange.bind(channel).declare()
        queue.bind(channel).declare()
        channel.close()
    yield EventTap(broker_admin, name)
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        channel.queue_delete(name)
        channel.close()
