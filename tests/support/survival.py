"""The survival scenario: activities through the gateway while the servers restart under it.

Shared by tests/e2e/test_survival.py (hundreds of activities) and benchmarks/survival.py
(thousands, `--count`). Every service runs as its own process against the session's private
RabbitMQ node and PostgreSQL cluster (tests.support.private_servers), under the same supervisor
as bin/run-local, which alone restarts what dies. Clients send each activity with an
`Idempotency-Key` and retry it with the same key until it is accepted, as a real client would.

Disruptions, one after the other, each once the clients have made some progress: the broker's
application stopped for 10 s (`rabbitmqctl stop_app`), the whole node stopped and started, the
node SIGKILLed and started, PostgreSQL restarted fast and then immediate (a crash), and `points`
SIGKILLed twice. After each, the recovery time: from the server being back (or the kill) until
every service is ready again and a new activity is accepted.
"""
from __future__ import annotations

import signal
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field

import eventlet
import requests
from sqlalchemy import create_engine, text

from services import registry
from services.common import migrations
from services.common.settings import load
from tests.support.infra import Api, free_port, service_env, wait_until
from tests.support.processes import SERVICES, SystemProcesses

SCHEMAS_WITH_OUTBOX = ("members", "activities", "points", "notify")
MEMBERS = 20


@dataclass
class Outcome:
    accepted: dict[str, str] = field(default_factory=dict)  # idempotency key -> activity id
    refusals: dict[str, int] = field(default_factory=dict)  # "503", "500", "ConnectionError", ...
    recoveries: list[tuple[str, float]] = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    logged_in: float = 0.0
    settled_in: float = 0.0


class Clients:
    """`count` activities, one per request, each retried with its own key until accepted."""

    def __init__(self, college, member_ids: list[str], count: int, rate: float, concurrency: int = 6):
        self.college, self.member_ids, self.count = college, member_ids, count
        self.interval = concurrency / rate
        self.concurrency = concurrency
        self.outcome = Outcome()
        self.progress = threading.Condition()
        self._next = 0
        self.last_accepted_at = 0.0

    def _body(self, number: int, topic: str) -> dict:
        return {"member_id": self.member_ids[number % len(self.member_ids)], "kind": "org_life",
                "occurred_on": "2026-11-03", "details": {"meeting": "group_meeting", "topic": topic}}

    def send(self, number: int, topic: str) -> None:
        """One request, retried with the same key until accepted (each topic is one request)."""
        key = f"survival-{uuid.uuid4().hex}"
        body = self._body(number, topic)
        while True:
            try:
                response = self.college.admin.post("/v1/activities", json=body, headers={"Idempotency-Key": key})
                status = str(response.status_code)
            except requests.RequestException as exc:
                response, status = None, type(exc).__name__
            if response is not None and response.status_code == 201:
                with self.progress:
                    self.outcome.accepted[key] = response.json()["id"]
                    self.last_accepted_at = time.monotonic()
                    self.progress.notify_all()
                return
            self.outcome.refusals[status] = self.outcome.refusals.get(status, 0) + 1
            retry_after = response.headers.get("Retry-After") if response is not None else None
            time.sleep(min(float(retry_after), 1.0) if retry_after else 0.5)

    def _client(self) -> None:
        while True:
            with self.progress:
                number, self._next = self._next, self._next + 1
            if number >= self.count:
                return
            started = time.monotonic()
            self.send(number, f"request {number}")
            time.sleep(max(0.0, self.interval - (time.monotonic() - started)))

    def run(self) -> None:
        pool = eventlet.GreenPool(self.concurrency)
        for _ in range(self.concurrency):
            pool.spawn_n(self._client)
        pool.waitall()

    def wait_for(self, accepted: int, timeout: float = 600) -> None:
        with self.progress:
            self.progress.wait_for(lambda: len(self.outcome.accepted) >= accepted, timeout=timeout)



def readiness(system) -> dict[str, bool]:
    ready = {}
    for name in list(system.procs):
        try:
            ready[name] = requests.get(system.health_url(name, "ready"), timeout=3).status_code == 200
        except requests.RequestException:
            ready[name] = False
    return ready


def all_ready(system) -> bool:
    return all(readiness(system).values())


def down_for(system, seconds: float, expect_not_ready) -> None:
    """Leave a server down `seconds`; meanwhile the services that need it must say not ready
    (and stay alive: readiness answers)."""
    until = time.monotonic() + seconds
    wait_until(lambda: not any(ready for name, ready in readiness(system).items() if name in expect_not_ready),
               timeout=seconds, interval=0.2, message=f"{sorted(expect_not_ready)} to report not ready")
    time.sleep(max(0.0, until - time.monotonic()))


def disruptions(servers, system):
    rabbit, postgres = servers.rabbit, servers.postgres
    every_service = set(SERVICES)
    with_database = set(registry.WITH_DATABASE)

    def stop_app():
        rabbit.stop_app()
        down_for(system, 10, every_service)
        rabbit.start_app()

    def node_restart():
        rabbit.stop()
        down_for(system, 5, every_service)
        rabbit.start()

    def node_kill():
        rabbit.kill()
        down_for(system, 5, every_service)
        rabbit.start()

    def postgres_restart(mode):
        def restart():
            postgres.stop(mode)
            down_for(system, 4, with_database)
            postgres.start()
        return restart

    def kill_points():
        system.procs["points"].send_signal(signal.SIGKILL)

    return [
        ("broker stop_app for 10 s, start_app", stop_app),
        ("broker node stopped and started", node_restart),
        ("broker node SIGKILLed and started", node_kill),
        ("PostgreSQL restarted (fast)", postgres_restart("fast")),
        ("PostgreSQL restarted (immediate)", postgres_restart("immediate")),
        ("points SIGKILLed", kill_points),
        ("points SIGKILLed again", kill_points),
    ]


@contextmanager
def private_system(servers, log_dir, **settings):
    """Every service as its own process on the private servers, in a new database; yields the
    processes and an engine on that database."""
    database_url = servers.database_url(f"br_survival_{uuid.uuid4().hex[:8]}")
    # A short RPC deadline, so that a request caught in an outage is answered 503 quickly.
    env = service_env(database_url, servers.rabbit.amqp_uri, LOG_FORMAT="json", RPC_TIMEOUT_SECONDS="3", **settings)
    for name in registry.WITH_DATABASE:
        migrations.upgrade(load(name, env))
    processes = SystemProcesses(env, gateway_port=free_port(),
                                metrics_ports={name: free_port() for name in SERVICES}, log_dir=log_dir)
    engine = create_engine(database_url, pool_pre_ping=True)
    try:
        processes.start_all()
        yield processes, engine
    finally:
        processes.stop_all()
        engine.dispose()


def idempotency_key_honoured(college) -> bool:
    """Whether the gateway answers a retried write with its first answer (Idempotency-Key)."""
    member = college.add_member("幂等")
    body = {"member_id": member["id"], "kind": "org_life", "occurred_on": "2026-11-03",
            "details": {"meeting": "group_meeting", "topic": "idempotency probe"}}
    headers = {"Idempotency-Key": f"probe-{uuid.uuid4().hex}"}
    first = college.admin.post("/v1/activities", json=body, headers=headers).json()
    second = college.admin.post("/v1/activities", json=body, headers=headers).json()
    return first.get("id") == second.get("id")


def summary(outcome: Outcome, system) -> dict:
    """The figures of a run, printed by the test and the benchmark alike."""
    found = outcome.counts
    return {**found, "accepted requests": len(outcome.accepted),
            "activities doubled by a client retry": found["activities"] - found["requests with an activity"],
            "Idempotency-Key honoured by the gateway": idempotency_key_honoured(Api(system.gateway_url).new_tenant()),
            "refusals the clients retried": outcome.refusals,
            "restarts by the supervisor": {name: entry.restarts for name, entry in system.supervisor.processes.items()}}


def print_outcome(outcome: Outcome, figures: dict, count: int) -> None:
    print(f"\nsurvival: {count} requests logged in {outcome.logged_in:.1f}s, settled in {outcome.settled_in:.1f}s")
    for what, seconds in outcome.recoveries:
        print(f"  recovered in {seconds:5.1f}s after: {what}")
    for label, value in figures.items():
        print(f"  {label:<45} {value}")


def run(system, servers, db_engine, broker, count: int, rate: float, report=print) -> Outcome:
    """Drive the scenario; returns what happened. `broker` is the private node (its management API)."""
    api = Api(system.gateway_url)
    college = api.new_tenant()
    member_ids = [college.add_member(f"成员{i:03d}")["id"] for i in range(MEMBERS)]
    system.supervise(report=report)
    clients = Clients(college, member_ids, count, rate)
    steps = disruptions(servers, system)
    outcome = clients.outcome

    def chaos():
        for number, (what, disrupt) in enumerate(steps, start=1):
            clients.wait_for(count * number // (len(steps) + 2))
            disrupt()
            back = time.monotonic()
            wait_until(lambda: all_ready(system), timeout=180, interval=0.2, message=f"recovery after: {what}")
            clients.send(number, f"probe after {what}")  # and a write goes through end to end
            outcome.recoveries.append((what, time.monotonic() - back))
            report(f"survival: {what}: recovered in {time.monotonic() - back:.1f}s "
                   f"({len(outcome.accepted)} accepted)")

    started = time.monotonic()
    chaos_thread = eventlet.spawn(chaos)
    clients.run()
    outcome.logged_in = time.monotonic() - started
    chaos_thread.wait()
    tenant = college.tenant["id"]
    outcome.counts = wait_until(lambda: (lambda c: settled(c) and c)(counts(db_engine, broker, tenant)),
                                timeout=180, interval=1.0, message="the system to settle")
    outcome.settled_in = time.monotonic() - started
    return outcome


def counts(db_engine, broker, tenant_id: str) -> dict:
    t = {"t": tenant_id}
    with db_engine.connect() as conn:
        found = {
            "activities": conn.execute(text(
                "SELECT count(*) FROM activities.activities WHERE tenant_id = :t"), t).scalar_one(),
            "requests with an activity": conn.execute(text(
                "SELECT count(DISTINCT details->>'topic') FROM activities.activities WHERE tenant_id = :t"),
                t).scalar_one(),
            "ledger entries": conn.execute(text(
                "SELECT count(*) FROM points.ledger_entries WHERE tenant_id = :t"), t).scalar_one(),
            "points notices": conn.execute(text(
                "SELECT count(*) FROM notify.inbox_messages WHERE template = 'points_awarded' AND tenant_id = :t"),
                t).scalar_one(),
            "activities without exactly one ledger entry": conn.execute(text("""
                SELECT count(*) FROM (SELECT a.id FROM activities.activities a
                LEFT JOIN points.ledger_entries l ON l.activity_id = a.id AND l.tenant_id = a.tenant_id
                WHERE a.tenant_id = :t GROUP BY a.id HAVING count(l.id) <> 1) x"""), t).scalar_one(),
            "ledger entries without exactly one notice": conn.execute(text("""
                SELECT count(*) FROM (SELECT l.id FROM points.ledger_entries l
                LEFT JOIN notify.inbox_messages i
                       ON i.tenant_id = l.tenant_id AND i.cause = 'points_awarded:' || l.id::text
                WHERE l.tenant_id = :t GROUP BY l.id HAVING count(i.id) <> 1) x"""), t).scalar_one(),
        }
        for schema in SCHEMAS_WITH_OUTBOX:
            found[f"{schema} outbox"] = conn.execute(text(f"SELECT count(*) FROM {schema}.outbox")).scalar_one()
    queues = broker.queues()
    found["dead-lettered messages"] = sum(int(q.get("messages", 0)) for q in queues if q["name"].startswith("dlq."))
    found["orphaned reply queues"] = sum(1 for q in queues
                                        if q["name"].startswith("rpc.reply-") and not q.get("consumers"))
    return found


def settled(found: dict) -> bool:
    return (found["activities"] == found["ledger entries"] == found["points notices"]
            and not any(found[f"{schema} outbox"] for schema in SCHEMAS_WITH_OUTBOX)
            and found["orphaned reply queues"] == 0)
