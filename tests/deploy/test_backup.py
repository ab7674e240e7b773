"""deploy/backup: each service's schema is dumped and restored for real, on a scratch database."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text

from services import registry
from services.common import migrations
from services.common.settings import load
from tests.deploy.conftest import DEPLOY, clean_env, require_tool, run
from tests.support.infra import PG_ADMIN_URL, _require_port

BACKUP = DEPLOY / "backup" / "backup.sh"
RESTORE = DEPLOY / "backup" / "restore.sh"


def _create_database(admin, name):
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}"


@pytest.fixture
def scratch_databases():
    """Make empty databases on the local PostgreSQL; dropped afterwards."""
    _require_port(5432, "PostgreSQL", "Start it with bin/ensure-infra.")
    for tool in ("pg_dump", "pg_restore", "psql"):
        require_tool(tool)
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    names = []

    def make():
        names.append(f"br_backup_{uuid.uuid4().hex[:10]}")
        return _create_database(admin, names[-1])

    yield make
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def migrate_all(url: str) -> None:
    for service in registry.WITH_DATABASE:
        migrations.upgrade(load(service, {"DATABASE_URL": url}))


def snapshot(url: str, schema: str) -> dict:
    """Every table of the schema with its rows, as text, in a stable order."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY tablename"), {"s": schema}
            ).scalars().all()
            return {
                table: conn.execute(text(f'SELECT t::text FROM "{schema}"."{table}" t ORDER BY 1')).scalars().all()
                for table in tables
            }
    finally:
        engine.dispose()


def execute(url: str, sql: str, **params) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(sql), params)
    finally:
        engine.dispose()


def test_backup_then_restore_returns_one_schema_to_its_dumped_state_and_leaves_the_others(scratch_databases, tmp_path):
    url = scratch_databases()
    migrate_all(url)
    tenant = uuid.uuid4()
    kept, later = uuid.uuid4(), uuid.uuid4()
    insert = "INSERT INTO points.processed_events (consumer, event_id, tenant_id) VALUES ('points.on_activity_logged', :e, :t)"
    execute(url, insert, e=kept, t=tenant)
    dumped = snapshot(url, "points")
    assert dumped["processed_events"] and dumped["alembic_version"]

    env = clean_env(DATABASE_URL=url)
    out = run(["bash", str(BACKUP), "-o", str(tmp_path), "points"], env=env).stdout.split()
    assert len(out) == 1 and out[0].startswith(str(tmp_path / "points-")) and out[0].endswith(".dump")

    # Changes after the backup, in the backed-up schema and in another one.
    execute(url, insert, e=later, t=tenant)
    execute(url, "DELETE FROM points.processed_events WHERE event_id = :e", e=kept)
    execute(url, "INSERT INTO members.processed_events (consumer, event_id, tenant_id) VALUES ('x', :e, :t)", e=later, t=tenant)
    members_before = snapshot(url, "members")

    refused = run(["bash", str(RESTORE), out[0]], env=env, check=False)
    assert refused.returncode != 0 and "--replace" in refused.stderr
    assert snapshot(url, "points") != dumped  # nothing was touched

    run(["bash", str(RESTORE), "--replace", out[0]], env=env)
    assert snapshot(url, "points") == dumped
    assert snapshot(url, "members") == members_before
    schemas = create_engine(url)
    try:
        with schemas.connect() as conn:
            leftovers = conn.execute(text("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'points_before_restore%'")).all()
    finally:
        schemas.dispose()
    assert leftovers == []

    # The restored schema is one the service accepts: its migrations are already at head.
    migrations.upgrade(load("points", {"DATABASE_URL": url}))
    assert snapshot(url, "points") == dumped


def test_every_service_schema_restores_into_an_empty_database(scratch_databases, tmp_path):
    source, target = scratch_databases(), scratch_databases()
    migrate_all(source)
    out = run(["bash", str(BACKUP), "-o", str(tmp_path)], env=clean_env(DATABASE_URL=source)).stdout.split()
    assert sorted(path.split("/")[-1].split("-")[0] for path in out) == sorted(registry.WITH_DATABASE)
    for path in out:
        run(["bash", str(RESTORE), path], env=clean_env(DATABASE_URL=target))
    for schema in registry.WITH_DATABASE:
        assert snapshot(target, schema) == snapshot(source, schema), schema


def test_backup_of_a_schema_that_does_not_exist_fails_and_writes_nothing(scratch_databases, tmp_path):
    url = scratch_databases()
    result = run(["bash", str(BACKUP), "-o", str(tmp_path), "points"], env=clean_env(DATABASE_URL=url), check=False)
    assert result.returncode != 0 and "does not exist" in result.stderr
    assert list(tmp_path.iterdir()) == []
