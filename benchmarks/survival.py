#!/usr/bin/env python3
"""Survival under real restarts, at scale: the scenario of tests/e2e/test_survival.py with as
many activities as asked.

Starts a private RabbitMQ node and PostgreSQL cluster (nothing shared is touched), every service
as its own process under the supervisor of bin/run-local, and logs `--count` activities through
the gateway at `--rate` a second while the broker node is stopped and started three ways,
PostgreSQL is restarted twice and points is SIGKILLed twice. Prints each recovery time and the
counts: one activity per accepted request, one ledger entry per activity, one notice per entry.

    .venv/bin/python benchmarks/survival.py --count 5000 --rate 40
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.common import runtime  # noqa: E402

runtime.patch()

from tests.support import survival  # noqa: E402
from tests.support.private_servers import started_private_servers  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=3000, help="activities to log (default 3000)")
    parser.add_argument("--rate", type=float, default=30, help="activities offered a second (default 30)")
    args = parser.parse_args()
    log_dir = Path(tempfile.mkdtemp(prefix="survival-logs-"))
    with started_private_servers() as servers, survival.private_system(servers, log_dir) as (system, engine):
        outcome = survival.run(system, servers, engine, servers.rabbit, args.count, args.rate)
        survival.print_outcome(outcome, survival.summary(outcome, system), args.count)
    print(f"  service logs in {log_dir}")


if __name__ == "__main__":
    main()
