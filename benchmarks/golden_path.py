#!/usr/bin/env python3
"""Golden path latency, end to end across real processes.

Starts every service as its own process against a scratch database and vhost, then logs
activities one at a time through the gateway and measures, for each: the HTTP answer
(activity accepted and committed with its outbox row) and the moment the member's inbox shows
the notice (activities relay -> points -> points relay -> notify). The baseline in the same run
is an authenticated GET through the gateway, the floor of any request.

    .venv/bin/python benchmarks/golden_path.py [--runs 30]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from services import registry  # noqa: E402
from services.common import migrations  # noqa: E402
from services.common.settings import load  # noqa: E402
from tests.support.infra import PG_ADMIN_URL, RABBIT_API, RABBIT_AUTH, Api, free_port, service_env  # noqa: E402
from tests.support.processes import SERVICES, SystemProcesses  # noqa: E402


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    suffix = uuid.uuid4().hex[:8]
    db_name, vhost = f"bench_golden_{suffix}", f"bench-golden-{suffix}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db_name}"'))
    requests.put(f"{RABBIT_API}/vhosts/{vhost}", auth=RABBIT_AUTH, timeout=10).raise_for_status()
    requests.put(f"{RABBIT_API}/permissions/{vhost}/guest", auth=RABBIT_AUTH, timeout=10,
                 json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()
    env = service_env(f"postgresql+psycopg2://postgres@127.0.0.1:5432/{db_name}",
                      f"amqp://guest:guest@127.0.0.1:5672/{vhost}", LOG_LEVEL="WARNING")
    for service in registry.WITH_DATABASE:
        migrations.upgrade(load(service, env))
    system = SystemProcesses(env, free_port(), {n: free_port() for n in SERVICES}, Path(tempfile.mkdtemp()))
    try:
        system.start_all()
        api = Api(system.gateway_url)
        college = api.new_tenant()
        member = college.add_member()
        me = college.member_api(member["id"])
        inbox_path = f"/v1/members/{member['id']}/inbox"

        baseline = []
        for _ in range(args.runs):
            started = time.perf_counter()
            me.ok("GET", f"/v1/members/{member['id']}")
            baseline.append(time.perf_counter() - started)

        accepted, end_to_end = [], []
        for i in range(args.runs):
            before = len(me.ok("GET", inbox_path, params={"limit": 200})["items"])
            started = time.perf_counter()
            me.ok("POST", "/v1/activities", 201, json={
                "member_id": member["id"], "kind": "opinion_listening", "occurred_on": "2026-11-02",
                "details": {"whom": f"教师 {i}", "channel": "talk", "opinions": "建议"}})
            accepted.append(time.perf_counter() - started)
            while len(me.ok("GET", inbox_path, params={"limit": 200})["items"]) == before:
                time.sleep(0.005)
            end_to_end.append(time.perf_counter() - started)

        print(f"golden path, {args.runs} sequential activities, each service its own process")
        for label, values in (("baseline GET via gateway", baseline), ("activity accepted (HTTP 201)", accepted),
                              ("activity -> inbox notice", end_to_end)):
            print(f"  {label:<30} median {statistics.median(values) * 1000:7.1f} ms   "
                  f"p95 {pct(values, 95) * 1000:7.1f} ms   max {max(values) * 1000:7.1f} ms")
        print(f"  end to end / baseline median ratio: {statistics.median(end_to_end) / statistics.median(baseline):.1f}x")
    finally:
        system.stop_all()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
        requests.delete(f"{RABBIT_API}/vhosts/{vhost}", auth=RABBIT_AUTH, timeout=30)


if __name__ == "__main__":
    main()
