"""The operator's way back from a dead letter: see why it failed, fix the cause, replay it.

A logged activity of a kind points has no rule for is dead-lettered at once (a permanent error).
Once the kind is added, `python -m services.deadletters replay` moves the message back to
points' queue alone, with fresh retries, and it is priced exactly once."""
import json
import uuid

from sqlalchemy import text

from services.common import deadletters
from services.common.contracts.activities import ActivityKindAdded
from services.subscriptions import SUBSCRIPTIONS
from tests.integration.helpers import POINTS_QUEUE, activity_logged, ledger_count
from tests.integration.test_batches import publish
from tests.support.infra import wait_until

DLQ = f"dlq.{POINTS_QUEUE}"


def run(capsys, *argv) -> tuple[int, str]:
    code = deadletters.main(list(argv), SUBSCRIPTIONS)
    out = capsys.readouterr()
    return code, out.out + out.err


def dead_letters_of(capsys, event_id) -> list[dict]:
    code, out = run(capsys, "show", DLQ, "--limit", "500")
    assert code == 0, out
    return [item for item in map(json.loads, out.splitlines()) if item["event_id"] == str(event_id)]


def test_a_dead_letter_is_replayed_to_its_own_queue_once_the_cause_is_fixed(
        start_service, broker_admin, amqp_uri, db_engine, capsys, monkeypatch):
    monkeypatch.setenv("AMQP_URI", amqp_uri)
    start_service("points")
    tenant, kind = uuid.uuid4(), f"kind_{uuid.uuid4().hex[:12]}"
    poison = activity_logged(tenant_id=tenant, kind=kind)
    publish(amqp_uri, [poison])

    found = wait_until(lambda: dead_letters_of(capsys, poison.event_id), message="the event dead-lettered")
    assert "has no points rule" in found[0]["reason"], found
    code, listing = run(capsys, "list")
    assert code == 0 and f"  {DLQ}" in listing
    assert int(next(line for line in listing.splitlines() if line.endswith(DLQ)).split()[0]) >= 1

    # Replayed before the cause is fixed, it fails again and comes straight back; the replay
    # moves what was waiting when it began and ends, instead of chasing its own returns.
    code, out = run(capsys, "replay", POINTS_QUEUE)
    assert code == 0 and out.startswith("moved "), out
    wait_until(lambda: dead_letters_of(capsys, poison.event_id), message="the event dead-lettered again")

    # The cause: the tenant had not added the kind yet. Once points knows its rule, replay.
    publish(amqp_uri, [ActivityKindAdded(tenant_id=tenant, key=kind, title_zh="校园宣讲", unit="occurrence",
                                         points_per_unit=3, dimension="ability")])
    with db_engine.connect() as conn:
        wait_until(lambda: conn.execute(text("SELECT count(*) FROM points.custom_rules WHERE key = :k"),
                                        {"k": kind}).scalar_one(), message="points to learn the kind")
    code, out = run(capsys, "replay", POINTS_QUEUE)
    assert code == 0 and out.startswith("moved "), out

    wait_until(lambda: ledger_count(db_engine, poison.event_id) == 1, message="the replayed event priced")
    assert dead_letters_of(capsys, poison.event_id) == []
    # A copy that comes again later (a second replay, a redelivery) is still priced once.
    publish(amqp_uri, [poison])
    wait_until(lambda: broker_admin.queue_depth(POINTS_QUEUE) == 0, message="the copy consumed")
    assert ledger_count(db_engine, poison.event_id) == 1


def test_an_unknown_queue_is_refused_naming_the_argument(capsys, monkeypatch, amqp_uri):
    monkeypatch.setenv("AMQP_URI", amqp_uri)
    code, out = run(capsys, "replay", "dlq.no-such-queue")
    assert code == 2 and "queue: no consumer queue 'no-such-queue'" in out
    code, out = run(capsys, "show", POINTS_QUEUE, "--limit", "0")
    assert code == 2 and "--limit" in out
