"""Survive real restarts: the broker node, PostgreSQL and a service, with nothing done by hand.

The proof of no loss in test_no_loss.py closes connections; this one stops the servers
themselves, which only a private RabbitMQ node and PostgreSQL cluster allow
(tests.support.private_servers). The scenario is in tests.support.survival; a supervisor with
bin/run-local's logic restarts what dies, and nothing else is restarted. Afterwards: exactly
one activity per accepted request, one ledger entry per activity, one notice per entry, empty
outboxes and dead-letter queues, no orphaned reply queues. Run with -s for the counts and the
recovery time of each disruption; benchmarks/survival.py runs it with thousands of activities.
"""
from __future__ import annotations

import pytest

from tests.support import survival

COUNT = 400
RATE = 10  # activities a second: the disruptions fall among the requests, not after them


@pytest.fixture
def private_system(private_servers, tmp_path):
    with survival.private_system(private_servers, tmp_path) as (processes, engine):
        yield processes, engine


@pytest.mark.slow
def test_nothing_is_lost_or_doubled_while_the_broker_the_database_and_points_restart(private_servers,
                                                                                    private_system):
    system, engine = private_system
    outcome = survival.run(system, private_servers, engine, private_servers.rabbit, COUNT, RATE)
    figures = survival.summary(outcome, system)
    survival.print_outcome(outcome, figures, COUNT)
    found, restarts = outcome.counts, figures["restarts by the supervisor"]
    summary = f"{figures}"

    assert len(outcome.recoveries) == len(survival.disruptions(private_servers, system)), summary
    # Answers while a dependency was away are 503 with Retry-After, never an internal error.
    assert "500" not in outcome.refusals, summary
    # Only points was killed (twice); everything else outlived its broker and database.
    assert restarts["points"] == 2 and not any(n for name, n in restarts.items() if name != "points"), summary
    assert found["requests with an activity"] == len(outcome.accepted), summary
    assert found["activities without exactly one ledger entry"] == 0, summary
    assert found["ledger entries without exactly one notice"] == 0, summary
    assert found["dead-lettered messages"] == 0 and found["orphaned reply queues"] == 0, summary
    # A client's retry of a write whose answer was lost is carried out once: the gateway honours
    # the Idempotency-Key every client sends.
    assert figures["Idempotency-Key honoured by the gateway"], summary
    assert figures["activities doubled by a client retry"] == 0, summary
