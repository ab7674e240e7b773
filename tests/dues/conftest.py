"""Dues through the gateway, with members, dues and the gateway running in this process, and a
queue bound to every dues event so the tests see what the outbox relay published."""
import base64
import json
import uuid
from pathlib import Path

import pytest
from kombu import Connection, Queue
from nameko.events import get_event_exchange

from tests.support.infra import Api, free_port, wait_until

DATA = Path(__file__).parents[1] / "data" / "dues"


@pytest.fixture
def dues_gateway(start_service):
    port = free_port()
    # Small pools: the database is shared with other test sessions on this machine.
    for name in ("members", "dues"):
        start_service(name, DB_POOL_SIZE=3)
    start_service("gateway", HTTP_PORT=port)
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def api(dues_gateway):
    return Api(dues_gateway)


def known_to_dues(admin: Api, *member_ids: str) -> None:
    """Dues learns members from member_joined; wait until it has learnt these."""
    for member_id in member_ids:
        wait_until(lambda: admin.get(f"/v1/members/{member_id}/dues-bases").status_code == 200,
                   message=f"dues to learn member {member_id}")


def encoded(content: bytes) -> str:
    return base64.b64encode(content).decode()


def sample(name: str) -> bytes:
    return (DATA / name).read_bytes()


class DuesEvents:
    def __init__(self, broker_admin, name):
        self.broker_admin, self.name = broker_admin, name

    def of(self, tenant_id: str, event_type: str | None = None) -> list[dict]:
        messages = self.broker_admin.get_messages(self.name, count=5000)
        bodies = [json.loads(m["payload"]) if isinstance(m["payload"], str) else m["payload"] for m in messages]
        return [b for b in bodies if b.get("tenant_id") == tenant_id
                and (event_type is None or b["event_type"] == event_type)]

    def wait_for(self, tenant_id: str, event_type: str, count: int) -> list[dict]:
        return wait_until(lambda: (found := self.of(tenant_id, event_type)) and len(found) >= count and found,
                          message=f"{count} {event_type} events")


@pytest.fixture
def dues_events(amqp_uri, broker_admin):
    name = f"test-dues-tap-{uuid.uuid4().hex[:8]}"
    with Connection(amqp_uri) as conn:
        exchange = get_event_exchange("dues", {})
        channel = conn.channel()
        exchange.bind(channel).declare()
        Queue(name, exchange=exchange, routing_key="#", durable=False).bind(channel).declare()
        channel.close()
    yield DuesEvents(broker_admin, name)
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        channel.queue_delete(name)
        channel.close()
