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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


from benchmarks.scratch import scratch_servers  # noqa: E402
from tests.support.infra import Api, free_port  # noqa: E402
from tests.support.processes import SERVICES, SystemProcesses  # noqa: E402


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    with scratch_servers("golden") as scratch:
        env = scratch.env
        run(env, args.runs)


def run(env: dict, runs: int) -> None:
    system = SystemProcesses(env, free_port(), {n: free_port() for n in SERVICES}, Path(tempfile.mkdtemp()))
    try:
        system.start_all()
        api = Api(system.gateway_url)
        college = api.new_tenant()
        member = college.add_member()
        me = college.member_api(member["id"])
        inbox_path = f"/v1/members/{member['id']}/inbox"

        baseline = []
        for _ in range(runs):
            started = time.perf_counter()
            me.ok("GET", f"/v1/members/{member['id']}")
            baseline.append(time.perf_counter() - started)

        accepted, end_to_end = [], []
        for i in range(runs):
            before = len(me.ok("GET", inbox_path, params={"limit": 200})["items"])
            started = time.perf_counter()
            me.ok("POST", "/v1/activities", 201, json={
                "member_id": member["id"], "kind": "opinion_listening", "occurred_on": "2026-11-02",
                "details": {"whom": f"教师 {i}", "channel": "talk", "opinions": "建议"}})
            accepted.append(time.perf_counter() - started)
            while len(me.ok("GET", inbox_path, params={"limit": 200})["items"]) == before:
                time.sleep(0.005)
            end_to_end.append(time.perf_counter() - started)

        print(f"golden path, {runs} sequential activities, each service its own process")
        for label, values in (("baseline GET via gateway", baseline), ("activity accepted (HTTP 201)", accepted),
                              ("activity -> inbox notice", end_to_end)):
            print(f"  {label:<30} median {statistics.median(values) * 1000:7.1f} ms   "
                  f"p95 {pct(values, 95) * 1000:7.1f} ms   max {max(values) * 1000:7.1f} ms")
        print(f"  end to end / baseline median ratio: {statistics.median(end_to_end) / statistics.median(baseline):.1f}x")
    finally:
        system.stop_all()

if __name__ == "__main__":
    main()
