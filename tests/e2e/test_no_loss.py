"""The proof of no loss: thousands of activities through real processes while things break.

Every service runs as its own OS process. While 2,000 activities are logged through the gateway,
the points service is killed with SIGKILL twice (no graceful shutdown: unacked deliveries and open
transactions die with it) and the broker "restarts" once. Afterwards every activity has exactly one
ledger entry, every ledger entry exactly one inbox notice, every outbox is empty and every
dead-letter queue of the vhost is empty.

The broker restart: this machine runs one RabbitMQ node shared by other test sessions, each under
its own vhost, so stopping the node would break them. Instead every AMQP connection of this
session's vhost is force-closed through the management API (DELETE /api/connections/<name>),
which is what each service sees when the node restarts: its consumer, RPC and publisher
connections drop at once, unacked deliveries go back to their queues, unconfirmed publishes get
no confirm. The services must reconnect by themselves and lose nothing. (Durable quorum queues
keep their messages across a real node restart, so the part a connection reset does not exercise
is the node's own recovery, not ours.)
"""
from __future__ import annotations

import threading
import time
from urllib.parse import quote

import eventlet
import pytest
import requests
from sqlalchemy import text

from tests.support.infra import RABBIT_API, RABBIT_AUTH, Api, free_port, service_env, wait_until
from tests.support.processes import SERVICES, SystemProcesses

MEMBERS = 50
ROUNDS = 40  # one bulk log per round for every member: MEMBERS * ROUNDS activities
CLIENTS = 4
SCHEMAS_WITH_OUTBOX = ("members", "activities", "points", "notify")


@pytest.fixture
def system(database_url, amqp_uri, migrated, tmp_path):
    processes = SystemProcesses(
        service_env(database_url, amqp_uri, LOG_FORMAT="json"),
        gateway_port=free_port(),
        metrics_ports={name: free_port() for name in SERVICES},
        log_dir=tmp_path,
    )
    try:
        processes.start_all()
        yield processes
    finally:
        processes.stop_all()


def close_vhost_connections(vhost: str) -> int:
    """What a broker restart does to this vhost's clients: every connection dropped at once."""
    response = requests.get(f"{RABBIT_API}/vhosts/{quote(vhost, safe='')}/connections", auth=RABBIT_AUTH, timeout=10)
    response.raise_for_status()
    closed = 0
    for connection in response.json():
        if connection.get("vhost") != vhost:
            continue
        requests.delete(f"{RABBIT_API}/connections/{quote(connection['name'], safe='')}", auth=RABBIT_AUTH,
                        timeout=10, headers={"X-Reason": "no-loss test: simulated broker restart"})
        closed += 1
    return closed


def counts(db_engine, tenant_id: str) -> dict:
    """This college's rows (other tests of the session share the database); every outbox whole."""
    with db_engine.connect() as conn:
        found = {
            "activities": conn.execute(text(
                "SELECT count(*) FROM activities.activities WHERE tenant_id = :t"), {"t": tenant_id}).scalar_one(),
            "ledger entries": conn.execute(text(
                "SELECT count(*) FROM points.ledger_entries WHERE tenant_id = :t"), {"t": tenant_id}).scalar_one(),
            "points notices": conn.execute(text(
                "SELECT count(*) FROM notify.inbox_messages WHERE template = 'points_awarded' AND tenant_id = :t"),
                {"t": tenant_id}).scalar_one(),
        }
        for schema in SCHEMAS_WITH_OUTBOX:
            found[f"{schema} outbox"] = conn.execute(text(f"SELECT count(*) FROM {schema}.outbox")).scalar_one()
    return found


def settled(found: dict, expected: int) -> bool:
    return (found["activities"] >= expected and found["activities"] == found["ledger entries"] == found["points notices"]
            and not any(found[f"{schema} outbox"] for schema in SCHEMAS_WITH_OUTBOX))


@pytest.mark.slow
def test_no_activity_is_lost_or_doubled_while_points_dies_and_the_broker_restarts(system, db_engine, broker_admin):
    api = Api(system.gateway_url)
    college = api.new_tenant()
    tenant = {"t": college.tenant["id"]}
    member_ids = [college.add_member(f"成员{i:03d}")["id"] for i in range(MEMBERS)]
    expected = MEMBERS * ROUNDS
    accepted: list[str] = []
    gateway_failures: list[str] = []
    progress = threading.Condition()

    def log_round(round_no: int) -> None:
        body = {"member_ids": member_ids, "kind": "org_life", "occurred_on": "2026-11-03",
                "details": {"meeting": "group_meeting", "topic": f"第 {round_no} 次党小组会"}}
        while True:
            try:
                response = college.admin.post("/v1/activities/bulk", json=body)
            except requests.RequestException as exc:
                response, reason = None, repr(exc)
            else:
                reason = f"{response.status_code} {response.text[:200]}"
            if response is not None and response.status_code == 201:
                with progress:
                    accepted.extend(a["id"] for a in response.json())
                    progress.notify_all()
                return
            # An answer lost in the broker restart is refused, never half-done (the bulk log is
            # one transaction); the client tries again as a real one would.
            gateway_failures.append(reason)
            time.sleep(0.5)

    def when_accepted(share: float) -> None:
        with progress:
            progress.wait_for(lambda: len(accepted) >= expected * share, timeout=300)

    disruptions: list[str] = []

    def chaos() -> None:
        when_accepted(0.2)
        disruptions.append(f"points SIGKILLed at {len(accepted)} accepted, restarted after 2 s")
        system.restart("points", down_for=2)
        when_accepted(0.45)
        closed = close_vhost_connections(broker_admin.vhost)
        disruptions.append(f"{closed} AMQP connections closed (broker restart) at {len(accepted)} accepted")
        when_accepted(0.7)
        disruptions.append(f"points SIGKILLed again at {len(accepted)} accepted, restarted after 2 s")
        system.restart("points", down_for=2)

    started = time.monotonic()
    chaos_thread = eventlet.spawn(chaos)
    pool = eventlet.GreenPool(CLIENTS)
    for round_no in range(ROUNDS):
        pool.spawn_n(log_round, round_no)
    pool.waitall()
    logged_in = time.monotonic() - started
    chaos_thread.wait()

    try:
        found = wait_until(lambda: (lambda c: settled(c, expected) and c)(counts(db_engine, tenant["t"])),
                           timeout=150, interval=1.0, message="the system to settle")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; counts now {counts(db_engine, tenant['t'])}; "
                             f"{len(accepted)} accepted; {disruptions}") from None
    settled_in = time.monotonic() - started

    with db_engine.connect() as conn:
        activities_without_one_entry = conn.execute(text("""
            SELECT a.id, count(l.id) FROM activities.activities a
            LEFT JOIN points.ledger_entries l ON l.activity_id = a.id AND l.tenant_id = a.tenant_id
            WHERE a.tenant_id = :t
            GROUP BY a.id HAVING count(l.id) <> 1"""), tenant).all()
        entries_without_one_notice = conn.execute(text("""
            SELECT l.id, count(i.id) FROM points.ledger_entries l
            LEFT JOIN notify.inbox_messages i
                   ON i.tenant_id = l.tenant_id AND i.cause = 'points_awarded:' || l.id::text
            WHERE l.tenant_id = :t
            GROUP BY l.id HAVING count(i.id) <> 1"""), tenant).all()
        accepted_missing = conn.execute(text(
            "SELECT count(*) FROM unnest(CAST(:ids AS uuid[])) AS x(id) "
            "WHERE NOT EXISTS (SELECT 1 FROM activities.activities a WHERE a.id = x.id)"),
            {"ids": accepted}).scalar_one()
        # Each round logs one activity per member with its own topic: a second row for the same
        # (member, topic) is one request carried out twice.
        logged_twice = conn.execute(text(
            "SELECT count(*) - count(DISTINCT (member_id, details->>'topic')) FROM activities.activities "
            "WHERE tenant_id = :t"), tenant).scalar_one()
        points_total = conn.execute(text(
            "SELECT coalesce(sum(points), 0) FROM points.balances "
            "WHERE tenant_id = :t AND dimension = 'total' AND length(period) = 7"), tenant).scalar_one()
    dead_letters = {q["name"]: len(broker_admin.get_messages(q["name"], count=5))
                    for q in broker_admin.queues() if q["name"].startswith("dlq.")}

    # How often the broker redelivered a write request the first copy had already carried out
    # (services.common.db logs each): the case the last assertion guards.
    redelivered = sum(line.count(b"redelivered to activities.") for line in
                      (system.log_dir / "activities.log").read_bytes().splitlines())
    report = {
        **found, "accepted by the gateway": len(accepted), "accepted but missing": accepted_missing,
        "activities logged twice for one request": logged_twice,
        "write requests redelivered, answered once": redelivered,
        "activities without exactly one ledger entry": len(activities_without_one_entry),
        "ledger entries without exactly one notice": len(entries_without_one_notice),
        "points in balances": points_total, "dead-letter queues": len(dead_letters),
        "dead-lettered messages": sum(dead_letters.values()),
        "gateway refusals retried": len(gateway_failures),
    }
    summary = "; ".join(f"{label}: {value}" for label, value in report.items())
    print(f"\nno-loss proof: logged in {logged_in:.1f}s, settled in {settled_in:.1f}s")
    for disruption in disruptions:
        print(f"  disruption: {disruption}")
    for label, value in report.items():
        print(f"  {label:<45} {value}")
    for reason in sorted(set(gateway_failures))[:5]:
        print(f"  gateway refusal: {reason}")

    assert len(disruptions) == 3, disruptions
    # The event path: nothing lost, nothing doubled, nothing stuck or dead-lettered.
    assert len(accepted) == expected and accepted_missing == 0, summary
    assert activities_without_one_entry == [], (summary, activities_without_one_entry[:5])
    assert entries_without_one_notice == [], (summary, entries_without_one_notice[:5])
    assert points_total == found["ledger entries"], summary  # org_life has no cap: one point per activity
    assert dead_letters and not any(dead_letters.values()), (summary, dead_letters)
    # The command path: what the gateway accepted is exactly what was logged, once.
    assert logged_twice == 0 and found["activities"] == expected, summary
