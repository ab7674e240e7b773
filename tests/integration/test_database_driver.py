"""psycopg2 under eventlet must not block the hub: prove two slow queries in one service overlap.

This is an ordering proof, not a timing one. With a driver that blocks the hub, the second
worker cannot even begin until the first query returns, so it starts after the first ends.
With psycogreen's wait callback, both queries are in flight at once.
"""
import time

import eventlet
from nameko.rpc import rpc
from nameko.standalone.rpc import ServiceRpcProxy
from sqlalchemy import text

from services import registry
from services.common.db import Database
from services.points import models


class SlowQueries:
    name = "slow_queries"
    db = Database(models.metadata)
    log: list = []

    @rpc
    def sleep_in_database(self, label: str, seconds: float) -> None:
        started = time.monotonic()
        with self.db.reader() as session:
            session.execute(text("SELECT pg_sleep(:s)"), {"s": seconds})
        self.log.append((label, started, time.monotonic()))


def test_two_slow_queries_in_one_service_overlap(start_service, amqp_uri):
    start_service("points", cls=SlowQueries)
    SlowQueries.log.clear()

    def call(label):
        # Over real RPC, each caller with its own reply queue.
        with ServiceRpcProxy("slow_queries", {"AMQP_URI": amqp_uri}) as proxy:
            proxy.sleep_in_database(label, 1.0)

    first = eventlet.spawn(call, "first")
    eventlet.sleep(0.1)  # let the first query reach the database
    second = eventlet.spawn(call, "second")
    first.wait()
    second.wait()
    spans = {label: (start, end) for label, start, end in SlowQueries.log}
    assert spans["second"][0] < spans["first"][1], f"the queries ran one after the other: {spans}"


def test_migrations_match_the_models(settings_for, migrated):
    """Alembic's autogenerate finds nothing to add: each schema is exactly what models.py says."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from services.common.db import make_engine

    for service in registry.WITH_DATABASE:
        settings = settings_for(service)
        metadata = __import__(f"services.{service}.models", fromlist=["metadata"]).metadata
        engine = make_engine(settings, pool_size=1)
        try:
            with engine.connect() as conn:
                context = MigrationContext.configure(conn, opts={
                    "compare_type": True,
                    "include_name": lambda name, type_, parent: not (type_ == "table" and name == "alembic_version"),
                })
                diff = compare_metadata(context, metadata)
        finally:
            engine.dispose()
        assert diff == [], f"{service}: models and migrations differ: {diff}"
