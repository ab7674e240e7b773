"""Alembic, once for every service: each service's `migrations/` holds only its versions.

The service's schema is created if missing, and Alembic's version table lives inside it, so
services migrate independently, in any order, on one database or on several.
"""
from __future__ import annotations

import importlib
from pathlib import Path

from alembic import command
from alembic.config import Config
import sqlalchemy as sa
from sqlalchemy import text
from sqlalchemy.dialects import postgresql

from services.common.db import make_engine
from services.common.settings import Settings


def alembic_config(settings: Settings) -> Config:
    package = importlib.import_module(f"services.{settings.service}")
    config = Config()
    config.set_main_option("script_location", str(Path(package.__file__).parent / "migrations"))
    config.attributes["settings"] = settings
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    engine = make_engine(settings, pool_size=1)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{settings.db_schema}"'))
    finally:
        engine.dispose()
    command.upgrade(alembic_config(settings), revision)


def run_env(context, target_metadata) -> None:
    """Body of every service's migrations/env.py."""
    settings: Settings = context.config.attributes["settings"]
    engine = make_engine(settings, pool_size=1)
    try:
        with engine.connect() as connection:
            # Serialise concurrent replicas starting at once: one migrates, the others wait.
            connection.execute(text("SELECT pg_advisory_lock(hashtext(:s))"), {"s": f"migrate:{settings.db_schema}"})
            connection.commit()
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                version_table_schema=settings.db_schema,
                include_schemas=False,
                compare_type=True,
                # The version table sits in the service's schema (on the search_path), so
                # autogenerate would otherwise propose dropping it.
                include_name=lambda name, type_, parent: not (type_ == "table" and name == "alembic_version"),
            )
            with context.begin_transaction():
                context.run_migrations()
            connection.execute(text("SELECT pg_advisory_unlock(hashtext(:s))"), {"s": f"migrate:{settings.db_schema}"})
            connection.commit()
    finally:
        engine.dispose()


# -- steps every service's history takes once, for the tables defined in services.common.db ------
# A revision calls one of these; a later change to a shared table is a new function and a new
# revision in each service, never an edit here (that would rewrite history already applied).

def create_processed_at_index(op) -> None:
    """processed_events.processed_at, for the retention sweep (services.common.retention).
    CONCURRENTLY, outside the migration's transaction: the table is large by the time this runs,
    and a plain CREATE INDEX would hold up every consumer's marker insert until it is built."""
    with op.get_context().autocommit_block():
        # A concurrent build cut short leaves an invalid index behind; start again without it.
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_processed_events_processed_at")
        op.create_index("ix_processed_events_processed_at", "processed_events", ["processed_at"], unique=False,
                        postgresql_concurrently=True)


def drop_processed_at_index(op) -> None:
    with op.get_context().autocommit_block():
        op.drop_index("ix_processed_events_processed_at", table_name="processed_events", postgresql_concurrently=True)


def create_handled_requests(op) -> None:
    """handled_requests as services.common.db defines it, for a service that had none: every
    write request is now recorded (services.common.idempotency)."""
    op.create_table(
        "handled_requests",
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("entrypoint", sa.String(length=128), nullable=False),
        sa.Column("tenant_id", sa.UUID(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("request_id", "entrypoint"),
    )
    op.create_index("ix_handled_requests_handled_at", "handled_requests", ["handled_at"], unique=False)


def drop_handled_requests(op) -> None:
    op.drop_index("ix_handled_requests_handled_at", table_name="handled_requests")
    op.drop_table("handled_requests")


def answer_client_keys(op) -> None:
    """handled_requests for clients' Idempotency-Keys: `fingerprint`, the request that claimed a
    key, so the same key with another request is refused; `result` as json, not jsonb, so a copy
    gets the first answer byte for byte (jsonb reorders an object's keys). The table holds a day
    of rows, so the type change rewrites little."""
    op.add_column("handled_requests", sa.Column("fingerprint", sa.String(length=64), nullable=True))
    op.alter_column("handled_requests", "result", type_=sa.JSON(), postgresql_using="result::json")


def unanswer_client_keys(op) -> None:
    op.alter_column("handled_requests", "result", type_=postgresql.JSONB(astext_type=sa.Text()),
                    postgresql_using="result::jsonb")
    op.drop_column("handled_requests", "fingerprint")
