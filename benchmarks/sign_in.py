#!/usr/bin/env python3
"""What checking a credential costs, and what a sign-in costs, across real processes.

Starts every service as its own process against a scratch database and vhost, invites a member,
sets their password, then times in one run, sequentially:

* GET /health (no authentication: the floor of the gateway);
* GET /v1/me signed in by cookie (the gateway verifies its signed credential: no RPC for it);
* GET /v1/me with a bearer token (its credential held in the gateway's memory);
* the RPC the gateway made per token before (members.authenticate: a query), for comparison,
  i.e. what every request would cost without a credential the gateway can check on its own;
* POST /v1/sign-in (one Argon2id verification, a session row);
* the gateway's own work for a cookie (HMAC and JSON), in this process.

    .venv/bin/python benchmarks/sign_in.py [--runs 200]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.common import runtime  # noqa: E402

runtime.patch()  # before the RPC proxy's sockets

import requests  # noqa: E402
from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

from benchmarks.scratch import scratch_servers  # noqa: E402
from services.common import credentials  # noqa: E402
from services.gateway import auth  # noqa: E402
from tests.support.infra import Api, free_port  # noqa: E402
from tests.support.processes import SERVICES, SystemProcesses  # noqa: E402

PASSWORD = "blue-river-autumn-42"


def timed(runs: int, call) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


def expect(response, status: int = 200):
    assert response.status_code == status, f"{response.status_code} {response.text}"
    return response


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()

    with scratch_servers("sign_in") as scratch:
        env = scratch.env
        system = SystemProcesses(env, free_port(), {n: free_port() for n in SERVICES}, Path(tempfile.mkdtemp()))
        try:
            measure(system, env["AMQP_URI"], env["PLATFORM_ADMIN_TOKEN"], args.runs)
        finally:
            system.stop_all()


def measure(system, amqp_uri: str, credential_secret: str, runs: int) -> None:
    system.start_all()
    base = system.gateway_url
    api = Api(base)
    college = api.new_tenant()
    member = college.add_member(external_no="B1001")
    code = college.admin.ok("POST", "/v1/invitations", 201, json={"member_ids": [member["id"]]})["invitations"][0]["code"]
    api.ok("POST", "/v1/invitations/accept", json={"tenant": college.tenant["code"], "code": code, "password": PASSWORD})
    body = {"tenant": college.tenant["code"], "login_name": "b1001", "password": PASSWORD}
    signed_in = expect(requests.post(base + "/v1/sign-in", json=body, timeout=30))
    cookie = "; ".join(f"{c.name}={c.value}" for c in signed_in.cookies)
    token = college.admin.ok("POST", f"/v1/members/{member['id']}/tokens", 201, json={"roles": ["member"]})["token"]
    session = requests.Session()

    # Interleaved, one of each per round, so a change of load on the machine hits all alike.
    checks = {
        "GET /health": lambda: expect(session.get(base + "/health", timeout=30)),
        "GET /v1/me by cookie": lambda: expect(session.get(base + "/v1/me", headers={"Cookie": cookie}, timeout=30)),
        "GET /v1/me by bearer token": lambda: expect(session.get(
            base + "/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=30)),
    }
    with ClusterRpcProxy({"AMQP_URI": amqp_uri, "serializer": "json"}) as rpc:
        checks["members.authenticate RPC alone"] = lambda: rpc.members.authenticate(token)
        results = {label: [] for label in checks}
        for _ in range(runs):
            for label, check in checks.items():
                results[label] += timed(1, check)
    sign_ins = timed(max(10, runs // 10), lambda: expect(requests.post(base + "/v1/sign-in", json=body, timeout=30)))

    print(f"sign-in and credential checks, {runs} sequential requests each, every service its own process")
    # What the gateway itself spends on a cookie: the HMAC and the JSON, no I/O.
    key = credentials.derive_key(credential_secret, "session credentials")
    signed = signed_in.cookies[auth.CREDENTIAL_COOKIE]
    verify = timed(runs * 10, lambda: credentials.verified(signed, key))
    for label, values in {**results, "POST /v1/sign-in": sign_ins, "cookie verification alone": verify}.items():
        ordered = sorted(values)
        print(f"  {label:<32} median {statistics.median(values) * 1000:8.3f} ms   "
              f"p95 {ordered[int(0.95 * (len(ordered) - 1))] * 1000:8.3f} ms   n={len(values)}")


if __name__ == "__main__":
    main()
