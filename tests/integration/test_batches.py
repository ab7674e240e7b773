"""Batch consumption (`handles(..., batch=True)`): many events per transaction, each applied once,
a poison event costing its neighbours nothing, and each event's own context carried on.

Events are published while points is stopped, so that they are waiting together when it starts
and arrive as one batch."""
import uuid

from kombu import Connection, Consumer, Queue
from nameko.events import get_event_exchange
from sqlalchemy import text

from services.common.contracts.activities import ActivityLogged
from services.common.contracts.points import PointsAwarded
from tests.integration.helpers import POINTS_QUEUE, activity_logged, ledger_count
from tests.support.infra import wait_until


def publish(amqp_uri: str, events: list, headers: dict | None = None) -> None:
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as conn:
        producer = conn.Producer(serializer="json")
        for event in events:
            exchange = get_event_exchange(event.source, {})
            producer.publish(event.to_message(), exchange=exchange, routing_key=event.event_type, delivery_mode=2,
                             mandatory=True, declare=[exchange], headers=(headers or {}).get(event.event_id, {}))


def transactions_of(db_engine, events) -> int:
    """How many transactions wrote these events' ledger entries (rows of one share its xmin)."""
    with db_engine.connect() as conn:
        return conn.execute(text(
            "SELECT count(DISTINCT xmin::text) FROM points.ledger_entries WHERE source_event_id = ANY(:ids)"),
            {"ids": [e.event_id for e in events]}).scalar_one()


def waiting_then_started(start_service, broker_admin, amqp_uri, events, service="points", queue=POINTS_QUEUE,
                         **publish_kw):
    start_service(service).stop()  # the queue exists, as it would for a deployed consumer
    publish(amqp_uri, events, **publish_kw)
    wait_until(lambda: broker_admin.queue_depth(queue) >= len(events), message="the events to wait")
    # A generous wait lets every waiting message join the first batch, whatever the machine's speed.
    return start_service(service, EVENT_BATCH_WAIT_MS="300")


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

        ours = {str(e.activity_id) for e in events}

        def on_message(body, message):
            # The session's points queue may still hold earlier tests' activities: only ours count.
            if body.get("activity_id") in ours:
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


def test_caps_count_the_entries_decided_earlier_in_the_same_batch(start_service, broker_admin, amqp_uri, db_engine):
    """A batch reads each member's standing once; the entries it decides before an event must
    still count against that event's caps, per member, month and year, as one by one."""
    tenant, a, b = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    def reading(member, day):  # theory_reading: 2 points, at most 4 a month
        return activity_logged(tenant_id=tenant, member_id=member, occurred_on=day, period=day[:7])

    events = [reading(a, "2026-11-03"), reading(b, "2026-11-03"), reading(a, "2026-11-04"),
              reading(a, "2026-11-05"), reading(a, "2026-12-01"), reading(a, "2027-01-02")]
    waiting_then_started(start_service, broker_admin, amqp_uri, events)
    wait_until(lambda: all(ledger_count(db_engine, e.event_id) == 1 for e in events), message="six ledger entries")
    assert transactions_of(db_engine, events) == 1
    with db_engine.connect() as conn:
        deltas = dict(conn.execute(text(
            "SELECT source_event_id, delta FROM points.ledger_entries WHERE tenant_id = :t"), {"t": tenant}).all())
        balances = {(m, p): points for m, p, points in conn.execute(text(
            "SELECT member_id, period, points FROM points.balances WHERE tenant_id = :t AND dimension = 'total'"),
            {"t": tenant}).all()}
    assert [deltas[e.event_id] for e in events] == [2, 2, 2, 0, 2, 2]  # the third in November is capped
    assert balances == {(a, "2026-11"): 4, (a, "2026-12"): 2, (a, "2026"): 6, (a, "2027-01"): 2, (a, "2027"): 2,
                        (b, "2026-11"): 2, (b, "2026"): 2}


def test_a_batch_of_points_notices_reaches_each_inbox_once_with_the_preferred_channels(
        start_service, broker_admin, amqp_uri, db_engine):
    """notify writes a batch's notices in one transaction: every entry one inbox message (a copy of
    an entry's notice within the batch none), and email only for the recipient who has an address."""
    tenant, unit, known, unknown = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with db_engine.begin() as conn:
        conn.execute(text("INSERT INTO notify.recipients (tenant_id, person_id, org_unit_id, name, email) "
                          "VALUES (:t, :p, :u, '王芳', 'wangfang@example.edu.cn')"), {"t": tenant, "p": known, "u": unit})

    def awarded(person, total):
        return PointsAwarded(tenant_id=tenant, entry_id=uuid.uuid4(), member_id=person, org_unit_id=unit,
                             kind="theory_reading", delta=2, period="2026-11", period_total=total, reason="theory_reading: +2")

    events = [awarded(known, 2), awarded(unknown, 2), awarded(known, 4), awarded(unknown, 4)]
    again = events[0].model_copy(update={"event_id": uuid.uuid4()})  # the same entry, another event
    waiting_then_started(start_service, broker_admin, amqp_uri, events + [again], service="notify",
                         queue="evt-points-points_awarded--notify.on_points_awarded")

    def rows(sql):
        with db_engine.connect() as conn:
            return conn.execute(text(sql), {"t": tenant}).all()

    wait_until(lambda: len(rows("SELECT 1 FROM notify.inbox_messages WHERE tenant_id = :t")) == 4, message="4 notices")
    inbox = rows("SELECT person_id, body, xmin::text FROM notify.inbox_messages WHERE tenant_id = :t")
    assert sorted((p == known, "4" in body) for p, body, _ in inbox) == [(False, False), (False, True),
                                                                        (True, False), (True, True)]
    assert len({xmin for _, _, xmin in inbox}) == 1
    channels = rows("SELECT person_id, channel, address, status, finished_at IS NOT NULL FROM notify.deliveries "
                    "WHERE tenant_id = :t")
    assert sorted((p == known, c, a) for p, c, a, _, _ in channels) == [
        (False, "inbox", None), (False, "inbox", None),
        (True, "email", "wangfang@example.edu.cn"), (True, "email", "wangfang@example.edu.cn"),
        (True, "inbox", None), (True, "inbox", None)]
    # The inbox is delivered by being written; email waits for the delivery worker (not judged here).
    assert {(status, finished) for _, c, _, status, finished in channels if c == "inbox"} == {("sent", True)}
