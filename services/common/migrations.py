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
