#!/usr/bin/env python3
"""Throughput: the raw broker ceiling, then the whole system under rising offered load.

In one run, on one machine:

(a) the raw broker ceiling in a scratch vhost: persistent messages into a quorum queue (the
    kind every consumer queue is) with publisher confirms, waited for per batch and one at a
    time, then consumed with manual acks (prefetch 100);
(b) every service as its own process (tests/support/processes.py), fed open-loop through the
    gateway: for each offered rate, activities are sent on schedule by a pool of concurrent
    clients (a slow answer does not delay the next send) and each is followed through
    accepted (HTTP 201) -> ledger entry (points.ledger_entries.created_at) -> inbox notice
    (notify.inbox_messages.created_at). The timestamps come from the rows themselves, read once
    per step, so measuring does not poll per activity. Both columns default to now(), the
    start of the writing transaction, which precedes its commit by that transaction's length;
(c) each service process's peak resident memory (VmHWM);
(d) the best sustained end-to-end rate against the raw ceiling;
(e) the edge's own ceiling: how many requests a second the gateway answers, alone and with one
    RPC behind it, when nothing is written.

    .venv/bin/python benchmarks/throughput.py [--rates 50,100,200,400,600] [--step-seconds 15]
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.common import runtime  # noqa: E402

runtime.patch()  # green sockets: hundreds of concurrent clients in one process

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from datetime import datetime  # noqa: E402

import amqp  # noqa: E402
import eventlet  # noqa: E402
import eventlet.queue  # noqa: E402
from kombu import Connection, Exchange, Queue  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from benchmarks.scratch import scratch_servers  # noqa: E402
from tests.support.infra import Api, free_port  # noqa: E402
from tests.support.processes import SERVICES, SystemProcesses  # noqa: E402

# Messages per activity on the way to the inbox. The load is org_life (a branch meeting), whose
# activity_logged.org_life only points takes (notify takes the four duties, members pairing
# contacts), and points_awarded goes to notify: two publishes, two deliveries.
PUBLISHES_PER_ACTIVITY, DELIVERIES_PER_ACTIVITY = 2, 2


def pct(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


# -- (a) the raw broker ceiling ----------------------------------------------------------------

def broker_ceiling(amqp_uri: str, vhost: str, messages: int, single: int, batch: int, prefetch: int) -> dict:
    body = json.dumps({"event_id": str(uuid.uuid4()), "payload": "x" * 400})  # about an event's size
    queue_name = "bench.ceiling"
    conn = amqp.Connection(host="127.0.0.1:5672", userid="guest", password="guest", virtual_host=vhost)
    conn.connect()
    channel = conn.channel()
    channel.queue_declare(queue_name, durable=True, auto_delete=False, arguments={"x-queue-type": "quorum"})
    channel.confirm_select()
    acked = {"highest": 0, "nacked": 0}

    def on_ack(tag, multiple):
        acked["highest"] = max(acked["highest"], tag)

    def on_nack(tag, multiple):
        acked["nacked"] += 1
        acked["highest"] = max(acked["highest"], tag)

    channel.events["basic_ack"].add(on_ack)
    channel.events["basic_nack"].add(on_nack)
    started, tag = time.perf_counter(), 0
    while tag < messages:
        for _ in range(min(batch, messages - tag)):
            channel.basic_publish(amqp.Message(body, delivery_mode=2, content_type="application/json"),
                                  exchange="", routing_key=queue_name)
            tag += 1
        while acked["highest"] < tag:
            conn.drain_events(timeout=30)
    batched = messages / (time.perf_counter() - started)

    received = {"count": 0}

    def on_message(message):
        message.channel.basic_ack(message.delivery_tag)
        received["count"] += 1

    channel.basic_qos(0, prefetch, False)
    channel.basic_consume(queue_name, callback=on_message, no_ack=False)
    started = time.perf_counter()
    while received["count"] < messages:
        conn.drain_events(timeout=30)
    consumed = messages / (time.perf_counter() - started)
    conn.close()

    # One at a time, as kombu's confirm_publish does it: each publish waits for its own confirm.
    with Connection(f"amqp://guest:guest@127.0.0.1:5672/{vhost}",
                    transport_options={"confirm_publish": True}) as kconn:
        queue = Queue(queue_name, Exchange(""), routing_key=queue_name, durable=True,
                      queue_arguments={"x-queue-type": "quorum"})
        producer = kconn.Producer()
        started = time.perf_counter()
        for _ in range(single):
            producer.publish(body, routing_key=queue_name, delivery_mode=2, declare=[queue],
                             content_type="application/json", content_encoding="utf-8")
        one_at_a_time = single / (time.perf_counter() - started)
        queue.bind(kconn.default_channel).delete()
    return {"batched": batched, "single": one_at_a_time, "consumed": consumed, "nacked": acked["nacked"]}


# -- (b) the system under offered load ---------------------------------------------------------

class Client:
    """Keep-alive HTTP/1.1 connections to the gateway, shared by the sending green threads."""

    def __init__(self, port: int, token: str):
        self.port, self.token = port, token
        self.idle: list[http.client.HTTPConnection] = []

    def post(self, path: str, body: dict) -> tuple[int, bytes]:
        return self.request("POST", path, body)

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        conn = self.idle.pop() if self.idle else http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=None if body is None else json.dumps(body), headers={
                "Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            conn.close()
            raise
        self.idle.append(conn)
        return response.status, data


def run_step(client: Client, member_ids: list[str], rate: float, seconds: float, clients: int,
             per_request: int = 1) -> dict:
    """Offer `rate` activities/s for `seconds`. With `per_request` > 1 they go as attendance lists
    (POST /v1/activities/bulk, one occurrence for that many members), rate / per_request a second."""
    requests_per_second = rate / per_request
    total = int(requests_per_second * seconds)
    pool = eventlet.GreenPool(clients)
    sent: list[float] = []
    accepted: dict[str, float] = {}
    answer_ms: list[float] = []
    refused: list[str] = []

    def send(i: int) -> None:
        sent_at = time.time()
        sent.extend([sent_at] * per_request)
        common = {"kind": "org_life", "occurred_on": "2026-11-03",
                  "details": {"meeting": "group_meeting", "topic": f"负载 {rate:g}/s 第 {i} 次"}}
        if per_request == 1:
            path, body = "/v1/activities", {"member_id": member_ids[i % len(member_ids)], **common}
        else:
            first = i * per_request
            path, body = "/v1/activities/bulk", {
                "member_ids": [member_ids[(first + j) % len(member_ids)] for j in range(per_request)], **common}
        try:
            status, data = client.post(path, body)
        except (OSError, http.client.HTTPException, socket.timeout) as exc:
            refused.extend([type(exc).__name__] * per_request)
            return
        if status == 201:
            now = time.time()
            answer = json.loads(data)
            for activity in answer if isinstance(answer, list) else [answer]:
                accepted[activity["id"]] = now
            answer_ms.append((now - sent_at) * 1000)
        else:
            refused.extend([f"{status} {data[:120]!r}"] * per_request)

    start_wall, start = time.time(), time.monotonic()
    shed = 0
    for i in range(total):
        delay = start + i / requests_per_second - time.monotonic()
        if delay > 0:
            eventlet.sleep(delay)
        if pool.free() == 0:
            # Every client is waiting for an answer: the send is dropped rather than delayed, so
            # the step keeps its length and the schedule its rate; `shed` says how many activities.
            shed += per_request
            continue
        pool.spawn_n(send, i)
    pool.waitall()
    return {"rate": rate, "total": total * per_request, "start": start_wall, "end": start_wall + seconds,
            "sent": sent, "accepted": accepted, "answer_ms": answer_ms, "refused": refused, "shed": shed}


def edge_ceiling(client: Client, path: str, seconds: float, clients: int) -> float:
    """Closed loop: `clients` green threads GET `path` back to back for `seconds`; answers/s.
    What one request costs the HTTP edge (and an RPC) alone, with nothing behind it to write."""
    done, deadline = [0], time.monotonic() + seconds

    def loop() -> None:
        while time.monotonic() < deadline:
            status, _ = client.request("GET", path)
            if status != 200:
                raise RuntimeError(f"GET {path} answered {status}")
            done[0] += 1

    started = time.monotonic()
    pool = eventlet.GreenPool(clients)
    for _ in range(clients):
        pool.spawn(loop)
    pool.waitall()
    return done[0] / (time.monotonic() - started)


def cpu_seconds(system: SystemProcesses) -> dict[str, float]:
    """User + system CPU time of each service process so far, from /proc/<pid>/stat."""
    found = {}
    for name, proc in system.procs.items():
        with open(f"/proc/{proc.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        found[name] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return found


def machine_cpu() -> dict[str, float]:
    """CPU seconds so far of what shares the machine with the services: all PostgreSQL processes,
    the RabbitMQ node, this load generator, and the machine's idle time (from /proc/stat)."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {"postgresql": 0.0, "rabbitmq": 0.0, "load generator": 0.0}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                head, _, rest = stat.read().rpartition(")")
        except OSError:
            continue  # gone meanwhile
        comm, fields = head.partition("(")[2], rest.split()
        used = (int(fields[11]) + int(fields[12])) / tick
        if int(entry) == os.getpid():
            found["load generator"] += used
        elif comm.startswith("postgres"):
            found["postgresql"] += used
        elif comm.startswith("beam"):
            found["rabbitmq"] += used
    with open("/proc/stat") as stat:
        found["idle"] = int(stat.readline().split()[4]) / tick
    return found


def step_rows(engine, activity_ids: list[str]):
    with engine.connect() as conn:
        return conn.execute(text("""
            SELECT l.activity_id::text, l.created_at, i.created_at
            FROM points.ledger_entries l
            LEFT JOIN notify.inbox_messages i
                   ON i.tenant_id = l.tenant_id AND i.cause = 'points_awarded:' || l.id::text
            WHERE l.activity_id = ANY(CAST(:ids AS uuid[]))"""), {"ids": activity_ids}).all()


def inbox_done(engine, activity_ids: list[str]) -> int:
    return sum(1 for _, _, inbox in step_rows(engine, activity_ids) if inbox is not None)


def drain(engine, activity_ids: list[str], timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if inbox_done(engine, activity_ids) >= len(activity_ids):
            break
        eventlet.sleep(0.5)
    return time.monotonic() - started


def summarise(engine, step: dict) -> dict:
    ids = list(step["accepted"])
    rows = step_rows(engine, ids)
    ledger_ms, inbox_ms, completions = [], [], []
    for activity_id, ledger_at, inbox_at in rows:
        accepted_at = step["accepted"][activity_id]
        ledger_ms.append((ledger_at.timestamp() - accepted_at) * 1000)
        if inbox_at is not None:
            inbox_ms.append((inbox_at.timestamp() - accepted_at) * 1000)
            completions.append(inbox_at.timestamp())
    span = (max(completions) - step["start"]) if completions else float("nan")
    with engine.connect() as conn:
        in_window = conn.execute(text(
            "SELECT count(*) FROM notify.inbox_messages WHERE template = 'points_awarded' "
            "AND created_at >= :a AND created_at < :b"),
            {"a": datetime.fromtimestamp(step["start"]).astimezone(),
             "b": datetime.fromtimestamp(step["end"]).astimezone()}).scalar_one()
    return {
        **step, "ledger_ms": ledger_ms, "inbox_ms": inbox_ms, "completed": len(completions),
        "sent_rate": len(step["sent"]) / (step["end"] - step["start"]),
        "sustained": len(completions) / span if completions else 0.0,
        "window_rate": in_window / (step["end"] - step["start"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rates", default="50,100,200,400,600", help="offered activities/s, one step each")
    parser.add_argument("--step-seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=200, help="concurrent HTTP clients")
    parser.add_argument("--members", type=int, default=200, help="activities are spread over this many members")
    parser.add_argument("--per-request", type=int, default=1, metavar="N",
                        help="1: one activity per request (POST /v1/activities); N > 1: attendance lists of N "
                             "members (POST /v1/activities/bulk), each one request and N activities")
    parser.add_argument("--drain-seconds", type=float, default=30,
                        help="after each step, wait at most this long for its notices before the next")
    parser.add_argument("--broker-messages", type=int, default=20000, help="messages for the batched ceiling")
    parser.add_argument("--broker-single", type=int, default=2000, help="messages published one confirm at a time")
    parser.add_argument("--confirm-batch", type=int, default=100)
    parser.add_argument("--prefetch", type=int, default=100)
    parser.add_argument("--edge-seconds", type=float, default=10, help="length of each edge-ceiling measurement")
    parser.add_argument("--edge-clients", type=int, default=20, help="concurrent clients for the edge ceiling")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="a setting for every service process, e.g. --env MAX_WORKERS=50 (repeatable)")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",") if r.strip()]

    with scratch_servers("tput", **dict(kv.split("=", 1) for kv in args.env)) as scratch:
        run(args, rates, *scratch)


def run(args, rates, env: dict, database_url: str, amqp_uri: str, vhost: str) -> None:
    system = SystemProcesses(env, free_port(), {n: free_port() for n in SERVICES}, Path(tempfile.mkdtemp()))
    engine = create_engine(database_url, pool_size=2)
    try:
        print("(a) raw broker ceiling, before the services start (quorum queue, persistent, "
              f"{len(json.dumps({'x': 'x' * 400}))}-byte bodies)", flush=True)
        ceiling = broker_ceiling(amqp_uri, vhost, args.broker_messages, args.broker_single, args.confirm_batch,
                                 args.prefetch)
        print(f"  publish with confirms, {args.confirm_batch} per wait   {ceiling['batched']:9.0f} msg/s "
              f"({args.broker_messages} messages, {ceiling['nacked']} nacked)")
        print(f"  publish with confirms, one at a time   {ceiling['single']:9.0f} msg/s ({args.broker_single} messages)")
        print(f"  consume with manual acks, prefetch {args.prefetch:<4} {ceiling['consumed']:9.0f} msg/s")
        raw = min(ceiling["batched"], ceiling["consumed"])
        print(f"  raw ceiling (slower of batched publish and consume): {raw:.0f} msg/s", flush=True)

        system.start_all()
        api = Api(system.gateway_url)
        college = api.new_tenant()
        member_ids = [college.add_member(f"成员{i:04d}")["id"] for i in range(args.members)]
        client = Client(system.gateway_port, college.admin.token)
        # Warm up the path (credentials, connections, first queries) so step one is not a cold start.
        warm = run_step(client, member_ids, 20, 1, args.clients)
        drain(engine, list(warm["accepted"]), 30)

        shape = ("one activity per request" if args.per_request == 1
                 else f"attendance lists of {args.per_request} (one request, {args.per_request} activities)")
        print(f"\n(b) end to end, every service its own process; open loop, {args.clients} concurrent clients, "
              f"{args.step_seconds:g} s per step, {args.members} members, {shape}", flush=True)
        header = (f"  {'offered':>7} {'sent':>6} {'shed':>5} {'201':>6} {'refused':>7} {'done':>6} "
                  f"{'sustained':>9} {'in-window':>9}  {'sent->201 p50/p99':>17}  "
                  f"{'accepted->ledger p50/p95/p99':>28}  {'accepted->inbox p50/p95/p99':>27}  drain")
        print(header, flush=True)
        results = []
        cpu_before, machine_before, load_started = cpu_seconds(system), machine_cpu(), time.monotonic()
        for rate in rates:
            step = run_step(client, member_ids, rate, args.step_seconds, args.clients, args.per_request)
            drained = drain(engine, list(step["accepted"]), args.drain_seconds)
            s = summarise(engine, step)
            results.append(s)
            lat = lambda v: f"{pct(v, 50):8.0f} {pct(v, 95):8.0f} {pct(v, 99):8.0f}"  # noqa: E731
            print(f"  {rate:7.0f} {s['sent_rate']:6.0f} {s['shed']:5d} {len(s['accepted']):6d} {len(s['refused']):7d} "
                  f"{s['completed']:6d} {s['sustained']:9.1f} {s['window_rate']:9.1f}  "
                  f"{pct(s['answer_ms'], 50):8.0f} {pct(s['answer_ms'], 99):8.0f}  "
                  f"{lat(s['ledger_ms']):>28}  {lat(s['inbox_ms']):>27}  {drained:4.1f}s", flush=True)
            for reason in sorted(set(s["refused"]))[:3]:
                print(f"          refused: {reason}")
        print("  rates in activities/s, latencies in ms. offered: scheduled; sent: actually sent; shed: not sent "
              "because all clients\n  were waiting for answers; done: notices in the inbox by the end of the drain; "
              "sustained: done / (last notice - step start);\n  in-window: notices (of any step) written during the "
              "step / step length.")

        load_seconds = time.monotonic() - load_started
        cpu_after, machine_after = cpu_seconds(system), machine_cpu()
        print(f"\n(c) per service process: peak resident memory (VmHWM), and CPU used during the "
              f"{load_seconds:.0f} s of steps and drains (100% = one core)")
        for name in SERVICES:
            kb = system.peak_rss_kb(name)
            used = cpu_after[name] - cpu_before[name]
            print(f"  {name:<11} {kb / 1024:7.1f} MiB   CPU {used:6.1f} s = {used / load_seconds * 100:5.1f}%")
        print(f"  and beside them ({os.cpu_count()} cores; a PostgreSQL backend that exited meanwhile is not counted):")
        for name in machine_after:
            used = machine_after[name] - machine_before[name]
            print(f"  {name:<15}           CPU {used:6.1f} s = {used / load_seconds * 100:5.1f}%")

        best = max(results, key=lambda r: r["sustained"])
        print("\n(d) against the raw ceiling")
        print(f"  best sustained end to end: {best['sustained']:.1f} activities/s (offered {best['rate']:.0f}/s)")
        print(f"  activities/s / raw ceiling msg/s = {best['sustained'] / raw:.4f} ({best['sustained'] / raw * 100:.2f}%)")
        print(f"  each activity is {PUBLISHES_PER_ACTIVITY} confirmed publishes and {DELIVERIES_PER_ACTIVITY} "
              f"acked deliveries: the broker carried {best['sustained'] * DELIVERIES_PER_ACTIVITY:.0f} deliveries/s, "
              f"{best['sustained'] * DELIVERIES_PER_ACTIVITY / raw * 100:.2f}% of its ceiling")
        print(f"\n(e) the edge alone, closed loop with {args.edge_clients} clients, {args.edge_seconds:g} s each: "
              "the most requests a second it answers with nothing to write")
        some_activity = next(iter(warm["accepted"]))
        for label, path in (("GET /health (gateway only)", "/health"),
                            ("GET /v1/activities/<id> (gateway, token, RPC, one read)", f"/v1/activities/{some_activity}")):
            print(f"  {label:<58} {edge_ceiling(client, path, args.edge_seconds, args.edge_clients):7.0f} requests/s",
                  flush=True)
    finally:
        system.stop_all()
        engine.dispose()


if __name__ == "__main__":
    main()
