"""Alembic, once for every service: each service's `migrations/` holds only its versions.

The service's schema is created if missing, and Alembic's version table lives inside it, so
services migrate independently, in any order, on one database or on several.
"""
from __future__ import annotations

import importlib
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text

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
