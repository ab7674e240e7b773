"""Retention: once-only records older than their window are deleted, in chunks, by one replica
at a time, and nothing younger is touched.

Each service's real container runs the sweep; rows are planted with old and recent timestamps
under a tenant of their own. The container's own background sweep may run during a test and
would do exactly what the test asks for, so results are awaited, not raced."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from nameko.testing.services import get_extension
from sqlalchemy import text

from services.common import metrics, retention
from services.common.retention import Retention
from tests.support.infra import wait_until

NOW = datetime.now(timezone.utc)


def plant(db_engine, schema: str, ages: list[timedelta]) -> uuid.UUID:
    tenant = uuid.uuid4()
    with db_engine.begin() as conn:
        conn.execute(text(
            f"INSERT INTO {schema}.processed_events (consumer, event_id, tenant_id, processed_at) "
            "VALUES ('retention_test', :e, :t, :at)"),
            [{"e": uuid.uuid4(), "t": tenant, "at": NOW - age} for age in ages])
    return tenant


def ages_left(db_engine, schema: str, table: str, column: str, tenant) -> list[int]:
    with db_engine.connect() as conn:
        return sorted(conn.execute(text(
            f"SELECT extract(day FROM now() - {column})::int FROM {schema}.{table} WHERE tenant_id = :t"),
            {"t": tenant}).scalars())


def deleted_so_far(service: str, table: str) -> float:
    return metrics.RETENTION_DELETED.labels(service, table)._value.get()


@pytest.mark.parametrize("service", ["members", "activities", "points", "notify"])
def test_processed_events_older_than_the_window_go_and_younger_ones_stay(service, start_service, db_engine,
                                                                         monkeypatch):
    monkeypatch.setattr(retention, "RETENTION_CHUNK", 7)  # 20 old rows: three chunks
    sweeper = get_extension(start_service(service, PROCESSED_EVENTS_KEEP_DAYS="30"), Retention)
    before = deleted_so_far(service, "processed_events")
    tenant = plant(db_engine, service, [timedelta(days=40)] * 20 + [timedelta(days=29), timedelta(days=1)])

    sweeper.sweep()

    wait_until(lambda: ages_left(db_engine, service, "processed_events", "processed_at", tenant) == [1, 29]
               and deleted_so_far(service, "processed_events") - before == 20,
               message="only the rows younger than 30 days left, and 20 deletions counted")


def test_handled_requests_older_than_the_window_go(start_service, db_engine):
    sweeper = get_extension(start_service("activities", IDEMPOTENCY_KEYS_KEEP_HOURS="24"), Retention)
    assert [table for table, _, _ in sweeper.policies] == ["processed_events", "handled_requests"]
    tenant = uuid.uuid4()
    with db_engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO activities.handled_requests (request_id, entrypoint, tenant_id, result, handled_at) "
            "VALUES (:r, 'activities.log_activity', :t, '{}'::jsonb, :at)"),
            [{"r": uuid.uuid4().hex, "t": tenant, "at": NOW - age}
             for age in (timedelta(hours=25), timedelta(days=3), timedelta(hours=23))])

    sweeper.sweep()

    wait_until(lambda: ages_left(db_engine, "activities", "handled_requests", "handled_at", tenant) == [0],
               message="only the request handled 23 hours ago left")


def test_the_audit_log_is_kept_its_own_days_in_members_only(start_service, db_engine):
    sweeper = get_extension(start_service("members", AUDIT_LOG_KEEP_DAYS="365"), Retention)
    assert [table for table, _, _ in sweeper.policies] == ["processed_events", "handled_requests", "audit_log"]
    tenant = uuid.uuid4()
    with db_engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO members.audit_log (event_id, tenant_id, occurred_at, service, entrypoint, roles, targets, "
            "target_ids, summary) VALUES (:e, :t, :at, 'members', 'members.update_member', '{}', '{}', '{}', 'x')"),
            [{"e": uuid.uuid4(), "t": tenant, "at": NOW - age} for age in (timedelta(days=400), timedelta(days=300))])

    sweeper.sweep()

    wait_until(lambda: ages_left(db_engine, "members", "audit_log", "occurred_at", tenant) == [300],
               message="only the record younger than 365 days left")


def test_a_table_another_replica_is_sweeping_is_skipped(start_service, db_engine):
    sweeper = get_extension(start_service("notify"), Retention)
    tenant = plant(db_engine, "notify", [timedelta(days=90)] * 3)
    with db_engine.connect() as other_replica:
        other_replica.execute(text("SELECT pg_advisory_lock(hashtext('retention:notify.processed_events'))"))
        try:
            assert sweeper.sweep()["processed_events"] == 0
            assert ages_left(db_engine, "notify", "processed_events", "processed_at", tenant) == [90, 90, 90]
        finally:
            other_replica.execute(text("SELECT pg_advisory_unlock(hashtext('retention:notify.processed_events'))"))
    sweeper.sweep()
    wait_until(lambda: ages_left(db_engine, "notify", "processed_events", "processed_at", tenant) == [],
               message="the old rows deleted once the lock is free")
