"""Batch consumption (`handles(..., batch=True)`): many events per transaction, each applied once,
a poison event costing its neighbours nothing, and each event's own context carried on.

Events are published while points is stopped, so that they are waiting together when it starts
and arrive as one batch."""
import uuid

from kombu import Connection, Consumer, Queue
from nameko.events import get_event_exchange
from sqlalchemy import text

from services.common.contracts.activities import ActivityLogged
from tests.integration.helpers import POINTS_QUEUE, activity_logged, ledger_count
from tests.support.infra import wait_until


def publish(amqp_uri: str, events: list[ActivityLogged], headers: dict | None = None) -> None:
    exchange = get_event_exchange("activities", {})
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as conn:
        producer = conn.Producer(serializer="json")
        for event in events:
            producer.publish(event.to_message(), exchange=exchange, routing_key="activity_logged", delivery_mode=2,
                             mandatory=True, declare=[exchange], headers=(headers or {}).get(event.event_id, {}))


def transactions_of(db_engine, events) -> int:
    """How many transactions wrote these events' ledger entries (rows of one share its xmin)."""
    with db_engine.connect() as conn:
        return conn.execute(text(
            "SELECT count(DISTINCT xmin::text) FROM points.ledger_entries WHERE source_event_id = ANY(:ids)"),
            {"ids": [e.event_id for e in events]}).scalar_one()


def waiting_then_started(start_service, broker_admin, amqp_uri, events, **publish_kw):
    start_service("points").stop()  # the queue exists, as it would for a deployed consumer
    publish(amqp_uri, events, **publish_kw)
    wait_until(lambda: broker_admin.queue_depth(POINTS_QUEUE) >= len(events), message="the events to wait")
    # A generous wait lets every waiting message join the first batch, whatever the machine's speed.
    return start_service("points", EVENT_BATCH_WAIT_MS="300")


def test_waiting_events_are_applied_in_one_transaction_each_once(start_service, broker_admin, amqp_uri, db_engine):
    tenant = uuid.uuid4()
    events = [activity_logged(tenant_id=tenant) for _ in range(30)]
    waiting_then_started(start_service, broker_admin, amqp_uri, events + [events[0], events[7]])  # two redelivered
    wait_until(lambda: all(ledger_count(db_engine, e.event_id) == 1 for e in events), message="30 ledger entries")
    assert [ledger_count(db_engine, e.event_id) for e in events] == [1] * 30
    # One event per transaction would give 30; the batch size (50) and wait hold all of them.
    assert transactions_of(db_engine, events) == 1
    wait_until(lambda: broker_admin.queue_depth(POINTS_QUEUE) == 0, message="every message acked")


def test_a_poison_event_is_dead_lettered_alone_and_its_batch_is_applied(
        start_service, broker_admin, amqp_uri, db_engine):
    tenant = uuid.uuid4()
    good = [activity_logged(tenant_id=tenant) for _ in range(9)]
    marker = f"kind_{uuid.uuid4().hex[:12]}"
    poison = activity_logged(tenant_id=tenant, kind=marker)  # no points rule: a permanent error
    waiting_then_started(start_service, broker_admin, amqp_uri, good[:4] + [poison] + good[4:])
    dlq = f"dlq.{POINTS_QUEUE}"
    found = wait_until(lambda: [m for m in broker_admin.get_messages(dlq, 50) if marker in m["payload"]],
                       message="the poison event in the dead-letter queue")
    assert "has no points rule" in found[0]["properties"]["headers"]["x-dead-letter-reason"]
    wait_until(lambda: all(ledger_count(db_engine, e.event_id) == 1 for e in good), message="the good events")
    assert [ledger_count(db_engine, e.event_id) for e in good] == [1] * 9
    assert ledger_count(db_engine, poison.event_id) == 0
    # The failed batch rolled back whole, and each event was then applied in its own transaction.
    assert transactions_of(db_engine, good) == 9


def test_each_event_of_a_batch_publishes_with_its_own_correlation_id(start_service, broker_admin, amqp_uri, db_engine):
    tenant = uuid.uuid4()
    events = [activity_logged(tenant_id=tenant) for _ in range(5)]
    correlation = {e.event_id: f"corr-{uuid.uuid4().hex[:8]}" for e in events}
    exchange = get_event_exchange("points", {})
    captured: dict[str, str] = {}
    with Connection(amqp_uri) as conn:
        queue = Queue(f"test-capture-{uuid.uuid4().hex[:8]}", exchange, routing_key="points_awarded",
                      exclusive=True, auto_delete=True)
        queue(conn.channel()).declare()

        def on_message(body, message):
            captured[body["activity_id"]] = message.headers.get("nameko.correlation_id")
            message.ack()

        with Consumer(conn, [queue], callbacks=[on_message], accept=["json"]):
            waiting_then_started(start_service, broker_admin, amqp_uri, events, headers={
                e.event_id: {"nameko.correlation_id": correlation[e.event_id], "nameko.tenant_id": str(tenant)}
                for e in events})

            def all_captured() -> bool:
                try:
                    conn.drain_events(timeout=0.2)
                except TimeoutError:
                    pass
                return len(captured) == 5

            wait_until(all_captured, timeout=30, message="five points_awarded events")
    assert transactions_of(db_engine, events) == 1
    assert captured == {str(e.activity_id): correlation[e.event_id] for e in events}
