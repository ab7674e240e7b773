"""psycopg2 under eventlet must not block the hub: prove two slow queries in one service overlap.

This is an ordering proof, not a timing one. With a driver that blocks the hub, the second
worker cannot even begin until the first query returns, so it starts after the first ends.
With psycogreen's wait callback, both queries are in flight at once.
"""
import time

import eventlet
from nameko.rpc import rpc
from nameko.standalone.rpc import ServiceRpcProxy
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from services import registry
from services.common.db import Database, make_engine
from services.points import models
from tests.support.infra import PG_ADMIN_URL


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


def _backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _terminate(pid: int) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar_one()
        # Wait until the backend is gone, so the next use meets a closed connection.
        for _ in range(100):
            if not conn.execute(text("SELECT 1 FROM pg_stat_activity WHERE pid = :p"), {"p": pid}).first():
                break
            time.sleep(0.02)


def test_a_pooled_connection_that_sat_idle_is_pinged_and_replaced(settings_for):
    """A database restart kills idle pooled connections; the next checkout of one that has sat
    idle longer than DB_PING_IDLE_SECONDS finds out by its ping and gets a new connection."""
    engine = make_engine(settings_for("points", DB_PING_IDLE_SECONDS="0.2"), pool_size=1)
    try:
        first = _backend_pid(engine)
        _terminate(first)
        time.sleep(0.3)
        assert _backend_pid(engine) != first  # no error reached the caller
    finally:
        engine.dispose()


def test_a_connection_used_a_moment_ago_is_not_pinged_and_the_pool_recovers_after_one_failure(settings_for):
    """The price of pinging only idle connections: one that dies while in steady use fails the
    statement that meets it (consumers retry; an RPC answers an error). SQLAlchemy then
    invalidates the pool, so the very next checkout works."""
    engine = make_engine(settings_for("points", DB_PING_IDLE_SECONDS="60"), pool_size=1)
    try:
        first = _backend_pid(engine)
        _terminate(first)
        try:
            _backend_pid(engine)
        except DBAPIError as exc:
            assert exc.connection_invalidated
        else:
            raise AssertionError("a dead connection used within DB_PING_IDLE_SECONDS was pinged")
        assert _backend_pid(engine) != first
    finally:
        engine.dispose()
