"""A scratch database and vhost for a benchmark, removed afterwards, and the services' env for them."""
from __future__ import annotations

import contextlib
import uuid
from typing import NamedTuple

import requests
from sqlalchemy import create_engine, text

from services import registry
from services.common import migrations
from services.common.settings import load
from tests.support.infra import PG_ADMIN_URL, RABBIT_API, RABBIT_AUTH, service_env


class Scratch(NamedTuple):
    env: dict  # what every service process of the benchmark starts with
    database_url: str
    amqp_uri: str
    vhost: str


@contextlib.contextmanager
def scratch_servers(prefix: str, **overrides):
    """Yields a `Scratch` (every service's schema migrated); removes the database and vhost after."""
    suffix = uuid.uuid4().hex[:8]
    db_name, vhost = f"bench_{prefix}_{suffix}", f"bench-{prefix.replace('_', '-')}-{suffix}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db_name}"'))
    requests.put(f"{RABBIT_API}/vhosts/{vhost}", auth=RABBIT_AUTH, timeout=10).raise_for_status()
    requests.put(f"{RABBIT_API}/permissions/{vhost}/guest", auth=RABBIT_AUTH, timeout=10,
                 json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()
    database_url = f"postgresql+psycopg2://postgres@127.0.0.1:5432/{db_name}"
    amqp_uri = f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    env = service_env(database_url, amqp_uri, LOG_LEVEL="WARNING", **overrides)
    try:
        for service in registry.WITH_DATABASE:
            migrations.upgrade(load(service, env))
        yield Scratch(env, database_url, amqp_uri, vhost)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
        requests.delete(f"{RABBIT_API}/vhosts/{vhost}", auth=RABBIT_AUTH, timeout=30)
