"""The pure decisions behind surviving a broker or database restart."""
import amqp.exceptions
import kombu.exceptions
import sqlalchemy.exc

from services.common.connections import BROKER, DATABASE, broker_connection_lost, unreachable_dependency
from services.common.consuming import OUTAGE_RETRIES, next_attempt
from services.common.errors import InvalidInput, ServiceUnavailable
from services.common.health import liveness_problems, readiness_problems
from services.supervisor import LIVENESS_FAILURES, RESTART_DELAYS_SECONDS, is_stuck, restart_delay

DELAYS = (100, 200, 400)


def test_a_refused_or_reset_broker_connection_is_the_broker_being_unreachable():
    assert unreachable_dependency(kombu.exceptions.OperationalError("[Errno 111] ECONNREFUSED")) == BROKER
    assert broker_connection_lost(ConnectionResetError(104, "reset by peer"))
    assert unreachable_dependency(amqp.exceptions.ConnectionForced("shutdown")) == BROKER
    assert unreachable_dependency(amqp.exceptions.RecoverableConnectionError("connection already closed")) == BROKER


def test_a_lost_database_connection_is_the_database_being_unreachable():
    gone = sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection"))
    assert unreachable_dependency(gone) == DATABASE
    invalidated = sqlalchemy.exc.DBAPIError("SELECT 1", {}, Exception("terminating"), connection_invalidated=True)
    assert unreachable_dependency(invalidated) == DATABASE


def test_other_errors_are_not_an_unreachable_dependency():
    assert unreachable_dependency(ValueError("bad")) is None
    assert unreachable_dependency(FileNotFoundError("x")) is None
    # Raised by a handler, a socket error may be about any server (a mail relay, a robot).
    assert unreachable_dependency(ConnectionError("smtp went away")) is None
    assert unreachable_dependency(sqlalchemy.exc.IntegrityError("INSERT", {}, Exception("duplicate"))) is None
    assert unreachable_dependency(amqp.exceptions.PreconditionFailed("inequivalent arg")) is None


def test_a_transient_failure_spends_an_attempt_and_is_dead_lettered_when_they_run_out():
    assert next_attempt(RuntimeError("boom"), (0, 0), DELAYS) == (100, (1, 0))
    assert next_attempt(RuntimeError("boom"), (2, 5), DELAYS) == (400, (3, 5))
    assert next_attempt(RuntimeError("boom"), (3, 0), DELAYS) is None


def test_a_permanent_failure_is_dead_lettered_at_once():
    assert next_attempt(InvalidInput("bad"), (0, 0), DELAYS) is None


def test_an_outage_retries_without_spending_an_attempt_within_its_own_bound():
    down = sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))
    assert next_attempt(down, (0, 0), DELAYS) == (100, (0, 1))
    assert next_attempt(down, (3, 7), DELAYS) == (400, (3, 8))
    assert next_attempt(down, (3, OUTAGE_RETRIES), DELAYS) is None
    assert next_attempt(ServiceUnavailable("members did not answer"), (3, 0), DELAYS) is None  # counted


def test_ready_only_when_broker_database_and_consumers_all_answer():
    assert readiness_problems(broker_ok=True, database_ok=True, consumers_detached=[]) == []
    assert readiness_problems(broker_ok=True, database_ok=None, consumers_detached=[]) == []
    assert readiness_problems(broker_ok=False, database_ok=False, consumers_detached=["points.BatchQueueConsumer"]) == [
        "the message broker does not answer", "the database does not answer",
        "consumer points.BatchQueueConsumer is not attached"]


def test_live_unless_the_container_stopped_or_a_consumer_ended():
    assert liveness_problems(container_running=True, consumers_dead=[]) == []
    assert liveness_problems(container_running=False, consumers_dead=["points.SurvivingQueueConsumer"]) == [
        "the service container has stopped", "consumer points.SurvivingQueueConsumer has ended"]


def test_restarts_back_off_and_stay_bounded():
    delays = [restart_delay(n) for n in range(1, 12)]
    assert delays == sorted(delays) and delays[0] == RESTART_DELAYS_SECONDS[0]
    assert delays[-1] == RESTART_DELAYS_SECONDS[-1]


def test_a_process_is_stuck_after_repeated_liveness_failures_once_it_had_its_chance_to_start():
    assert not is_stuck(LIVENESS_FAILURES - 1, answered_once=True, running_for=500)
    assert is_stuck(LIVENESS_FAILURES, answered_once=True, running_for=5)
    assert not is_stuck(LIVENESS_FAILURES, answered_once=False, running_for=5, grace=90)
    assert is_stuck(LIVENESS_FAILURES, answered_once=False, running_for=100, grace=90)
