"""The foundation's delivery claims, each proven against the real RabbitMQ and PostgreSQL."""
import json
import uuid

from sqlalchemy import text

from services.common import metrics
from services.common.consuming import handles
from services.common.contracts.activities import ActivityLogged
from services.points import accrual
from services.points.service import PointsService
from tests.integration.helpers import POINTS_QUEUE, activity_logged, ledger_count, publish_raw
from tests.support.infra import wait_until

DLQ = f"dlq.{POINTS_QUEUE}"


def consumed(service: str, event_type: str, outcome: str) -> float:
    return metrics.EVENTS_CONSUMED.labels(service, event_type, outcome)._value.get()


def test_same_event_delivered_twice_yields_one_ledger_entry(start_service, amqp_uri, db_engine):
    start_service("points")
    event = activity_logged()
    duplicates_before = consumed("points", "activity_logged", "duplicate")
    publish_raw(amqp_uri, "activities", "activity_logged", event.to_message())
    publish_raw(amqp_uri, "activities", "activity_logged", event.to_message())
    wait_until(lambda: consumed("points", "activity_logged", "duplicate") > duplicates_before,
               message="the second delivery to be recognised as a duplicate")
    assert ledger_count(db_engine, event.event_id) == 1


def test_event_published_while_points_is_stopped_is_processed_when_it_returns(
        start_service, amqp_uri, db_engine, broker_admin):
    points = start_service("points")  # declares its queue, as a deployed consumer would have
    points.stop()
    event = activity_logged()
    publish_raw(amqp_uri, "activities", "activity_logged", event.to_message())
    assert broker_admin.queue_depth(POINTS_QUEUE) >= 1 or wait_until(
        lambda: broker_admin.queue_depth(POINTS_QUEUE) >= 1, message="the event to wait in the queue")
    assert ledger_count(db_engine, event.event_id) == 0
    start_service("points")
    wait_until(lambda: ledger_count(db_engine, event.event_id) == 1, message="the ledger entry after restart")


def test_crash_between_commit_and_publish_loses_nothing(start_service, db_engine):
    """An event committed to the outbox while no relay ran (the process died right after the
    commit) is published when the service starts again."""
    start_service("points")
    event = activity_logged()
    with db_engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO activities.outbox (event_id, source, event_type, tenant_id, payload, headers) "
            "VALUES (:id, 'activities', 'activity_logged', :tenant, CAST(:payload AS jsonb), '{}'::jsonb)"),
            {"id": event.event_id, "tenant": event.tenant_id, "payload": json.dumps(event.to_message())})
    start_service("activities")
    wait_until(lambda: ledger_count(db_engine, event.event_id) == 1, message="the ledger entry from the outbox")
    with db_engine.connect() as conn:
        left = conn.execute(text("SELECT count(*) FROM activities.outbox WHERE event_id = :e"),
                            {"e": event.event_id}).scalar_one()
    assert left == 0


def dead_letters(broker_admin, marker: str) -> list[dict]:
    return [m for m in broker_admin.get_messages(DLQ, 50) if marker in m["payload"]]


def test_malformed_event_is_dead_lettered_with_its_reason(start_service, amqp_uri, broker_admin):
    start_service("points")
    marker = uuid.uuid4().hex
    body = activity_logged().to_message()
    body["tenant_id"] = "not-a-uuid"
    body["kind"] = marker
    publish_raw(amqp_uri, "activities", "activity_logged", body)
    found = wait_until(lambda: dead_letters(broker_admin, marker), message="the dead letter")
    headers = found[0]["properties"]["headers"]
    assert "tenant_id" in headers["x-dead-letter-reason"]
    assert headers["x-dead-letter-error"] == "ContractViolation"


def test_permanent_domain_error_is_dead_lettered_without_retries(start_service, amqp_uri, broker_admin, db_engine):
    start_service("points")
    marker = f"kind_{uuid.uuid4().hex[:12]}"
    event = activity_logged(kind=marker)
    retried_before = consumed("points", "activity_logged", "retried")
    publish_raw(amqp_uri, "activities", "activity_logged", event.to_message())
    found = wait_until(lambda: dead_letters(broker_admin, marker), message="the dead letter")
    assert "has no points rule" in found[0]["properties"]["headers"]["x-dead-letter-reason"]
    assert consumed("points", "activity_logged", "retried") == retried_before
    assert ledger_count(db_engine, event.event_id) == 0


class FlakyPoints(PointsService):
    """Points whose handler fails a set number of times per event before it works."""

    name = "flaky_points"
    failures_left: dict = {}

    @handles(ActivityLogged)
    def on_activity_logged(self, event):
        left = self.failures_left.get(event.event_id, 0)
        if left:
            self.failures_left[event.event_id] = left - 1
            raise ConnectionError("database went away")
        return self.db.process_once(event, accrual.accrue_for_activity)


def test_transient_failure_is_retried_with_backoff_then_processed(start_service, amqp_uri, db_engine):
    start_service("points", cls=FlakyPoints)
    event = activity_logged()
    FlakyPoints.failures_left[event.event_id] = 2
    retried_before = consumed("flaky_points", "activity_logged", "retried")
    publish_raw(amqp_uri, "activities", "activity_logged", event.to_message())
    wait_until(lambda: ledger_count(db_engine, event.event_id) == 1, message="processing after two retries")
    assert consumed("flaky_points", "activity_logged", "retried") - retried_before == 2


def test_failure_that_never_heals_ends_in_the_dead_letter_queue(start_service, amqp_uri, broker_admin):
    start_service("points", cls=FlakyPoints)
    marker = uuid.uuid4()
    event = activity_logged(activity_id=marker)
    FlakyPoints.failures_left[event.event_id] = 100
    publish_raw(amqp_uri, "activities", "activity_logged", event.to_message())
    queue = "dlq.evt-activities-activity_logged--flaky_points.on_activity_logged"
    found = wait_until(lambda: [m for m in broker_admin.get_messages(queue, 50) if str(marker) in m["payload"]],
                       message="the dead letter after retries")
    reason = found[0]["properties"]["headers"]["x-dead-letter-reason"]
    assert reason.startswith("retries exhausted after 3 attempts")
    assert "database went away" in reason


def test_unroutable_event_stays_in_the_outbox_until_a_queue_is_bound(start_service, db_engine, amqp_uri):
    from kombu import Connection, Queue
    from nameko.events import get_event_exchange

    from services.common import topology
    from services.subscriptions import SUBSCRIPTIONS

    event_type = f"probe_{uuid.uuid4().hex[:8]}"
    # Pretend some service subscribes to the probe event, so the relay demands a route.
    subscribed = topology.subscribed_event_types(SUBSCRIPTIONS) | {("members", event_type)}
    event_id = uuid.uuid4()
    with db_engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO members.outbox (event_id, source, event_type, tenant_id, payload, headers) "
            "VALUES (:id, 'members', :type, :tenant, '{}'::jsonb, '{}'::jsonb)"),
            {"id": event_id, "type": event_type, "tenant": uuid.uuid4()})

    def row():
        with db_engine.connect() as conn:
            return conn.execute(text("SELECT attempts, last_error FROM members.outbox WHERE event_id = :e"),
                                {"e": event_id}).first()

    start_service("members", nameko_config={topology.MANDATORY_EVENTS: subscribed})
    postponed = wait_until(lambda: (r := row()) is not None and r.attempts >= 1 and r, message="a postponed row")
    assert postponed.last_error.startswith("unroutable")

    queue = Queue(f"probe-{event_type}", exchange=get_event_exchange("members", {}), routing_key=event_type,
                  durable=False, auto_delete=False)
    with Connection(amqp_uri) as conn:
        queue.bind(conn.channel()).declare()
    wait_until(lambda: row() is None, timeout=30, message="the row to be published once routable")
    with Connection(amqp_uri) as conn:
        message = queue.bind(conn.channel()).get(no_ack=True)
        assert message is not None and message.headers["nameko.tenant_id"]
        queue.bind(conn.channel()).delete()


def test_event_no_service_consumes_does_not_pile_up_in_the_outbox(start_service, db_engine):
    event_id = uuid.uuid4()
    with db_engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO members.outbox (event_id, source, event_type, tenant_id, payload, headers) "
            "VALUES (:id, 'members', :type, :tenant, '{}'::jsonb, '{}'::jsonb)"),
            {"id": event_id, "type": f"unread_{uuid.uuid4().hex[:8]}", "tenant": uuid.uuid4()})
    start_service("members")

    def remaining():
        with db_engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM members.outbox WHERE event_id = :e"),
                                {"e": event_id}).scalar_one()
    wait_until(lambda: remaining() == 0, message="the unread event to leave the outbox")
