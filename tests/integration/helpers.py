"""Publishing raw messages the way the outbox relay does, to drive consumers directly."""
from __future__ import annotations

import uuid

from kombu import Connection, Producer
from nameko.events import get_event_exchange
from sqlalchemy import text

from services.common.contracts.activities import ActivityLogged

POINTS_QUEUE = "evt-activities-activity_logged--points.on_activity_logged"


def activity_logged(**overrides) -> ActivityLogged:
    fields = dict(
        tenant_id=uuid.uuid4(), activity_id=uuid.uuid4(), member_id=uuid.uuid4(), org_unit_id=uuid.uuid4(),
        kind="theory_reading", occurred_on="2026-11-05", period="2026-11", status="approved",
    )
    fields.update(overrides)
    return ActivityLogged(**fields)


def publish_raw(amqp_uri: str, source: str, event_type: str, body) -> None:
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as conn:
        producer = Producer(conn.channel(), serializer="json")
        producer.publish(body, exchange=get_event_exchange(source, {}), routing_key=event_type,
                         delivery_mode=2, mandatory=True, declare=[get_event_exchange(source, {})])


def ledger_count(db_engine, event_id) -> int:
    with db_engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM points.ledger_entries WHERE source_event_id = :e"),
                            {"e": event_id}).scalar_one()
