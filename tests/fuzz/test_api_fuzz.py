"""Property-based fuzzing of every operation of the API, against real servers.

Schemathesis draws requests from the OpenAPI document (valid ones and ones the schemas refuse)
and sends them to the gateway with a college admin's token; every service runs in this process
against the real RabbitMQ and PostgreSQL. No answer may be a 5xx, and every answer must have a
documented status, content type and body. `FUZZ_EXAMPLES` examples per operation (50 here; the
nightly `make fuzz` draws more); every failure is collected, so one run lists them all.
"""
from __future__ import annotations

import os
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_schema_conformance, status_code_conformance,
)

from sqlalchemy import text

from services.gateway.openapi import document
from tests.support.infra import Api, free_port

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "50"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def fuzzed_gateway(start_service, db_engine):
    port = free_port()
    for name in ("members", "activities", "points", "notify", "dues"):
        start_service(name)
    start_service("gateway", HTTP_PORT=port)
    with db_engine.connect() as conn:
        started = conn.execute(text("SELECT now()")).scalar_one()
    yield f"http://127.0.0.1:{port}"
    # Thousands of drawn sign-ins fail from this machine's address, and the throttle would then
    # refuse every later test's sign-in from it for a quarter of an hour: leave it as it was found.
    with db_engine.begin() as conn:
        conn.execute(text("DELETE FROM members.sign_in_failures WHERE failed_at >= :started"), {"started": started})


def test_every_operation_answers_as_documented_and_never_5xx(fuzzed_gateway):
    college = Api(fuzzed_gateway).new_tenant()
    college.add_member()
    headers = {"Authorization": f"Bearer {college.admin.token}"}
    schema = schemathesis.openapi.from_dict(document())
    operations = [result.ok() for result in schema.get_all_operations()]
    failures: dict[str, set[str]] = {}
    examples: dict[str, int] = {}
    started = time.monotonic()

    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        examples[label] = 0

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case):
            examples[label] += 1
            try:
                case.call_and_validate(base_url=fuzzed_gateway, headers=headers, checks=CHECKS, timeout=30)
            except (Exception, BaseExceptionGroup) as exc:  # every failure is kept; none stops the others
                failures.setdefault(label, set()).add(f"{type(exc).__name__}: {str(exc)[:600]}")

        fuzz()

    total = sum(examples.values())
    print(f"\nfuzzed {len(operations)} operations, {total} examples, {time.monotonic() - started:.0f} s")
    # An operation with few inputs (no parameters, no body) has fewer distinct examples to draw.
    print("fewer examples:", {label: count for label, count in examples.items() if count < EXAMPLES})
    assert len(operations) == sum(len(ops) for ops in document()["paths"].values())
    assert min(examples.values()) >= min(EXAMPLES, 1), "an operation drew no example"
    report = "\n".join(f"{label}:\n  " + "\n  ".join(sorted(found)[:3]) for label, found in sorted(failures.items()))
    assert not failures, f"{len(failures)} operations answered against their document:\n{report}"
