"""PostgreSQL access for services: engine, unit of work, outbox writes and once-only processing.

Each service owns one PostgreSQL schema (its name by default) and reaches it through the
connection's `search_path`, so its models carry no schema and it cannot read another service's
tables by accident. The tables every service keeps beside its own (outbox, processed_events,
handled_requests) are defined in services.common.tables.
"""
from __future__ import annotations

import contextlib
import json
import logging
import time
import uuid
from datetime import datetime, timezone
from typing import Callable, Iterator, TypeVar

from kombu.utils import json as kombu_json
from nameko.extensions import DependencyProvider
from sqlalchemy import (
    MetaData, Table, create_engine, event, select, text,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError, DisconnectionError
from sqlalchemy.orm import Session

from services.common import audit, idempotency, logs, metrics
from services.common.contracts import Event
from services.common.errors import IdempotencyKeyReused, InvalidInput
from services.common.settings import Settings, from_container
from services.common.tenancy import CALLER_KEY, CORRELATION_KEY, IDEMPOTENCY_HEADER, ROLES_KEY, TENANT_KEY

PROPAGATED_CONTEXT = (TENANT_KEY, CALLER_KEY, ROLES_KEY, CORRELATION_KEY, "call_id_stack")

log = logging.getLogger(__name__)

T = TypeVar("T")


def notify_channel(schema: str) -> str:
    return f"outbox_{schema}"


def make_engine(settings: Settings, pool_size: int | None = None) -> Engine:
    engine = create_engine(
        settings.database_url,
        pool_size=pool_size or settings.db_pool_size,
        max_overflow=pool_size or settings.db_pool_size,
        pool_recycle=1800,
        connect_args={
            "options": f"-c search_path={settings.db_schema} -c timezone=UTC",
            "application_name": settings.service,
        },
    )
    _ping_when_idle(engine, settings.db_ping_idle_seconds)
    return engine


def _ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Test a pooled connection before use only if it sat idle for `idle_seconds`.

    SQLAlchemy's pool_pre_ping tests every checkout: one extra round trip per transaction, which
    was 6-14 % of a busy service's CPU in a profile. A connection in steady use has just proved
    itself, and the ones a database restart or a dropped link kills are mostly the idle ones; a
    statement that still meets a dead connection makes SQLAlchemy invalidate the whole pool, so
    a restart costs a process one failed statement, which a consumer retries. `idle_seconds` 0
    tests every checkout, as pool_pre_ping does.
    """
    @event.listens_for(engine, "checkin")
    def stamp(dbapi_connection, record):
        if record is not None:
            record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping(dbapi_connection, record, proxy):
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return  # fresh from connect, or used a moment ago
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        except engine.dialect.loaded_dbapi.Error as exc:
            # The pool discards this connection and checks out (or opens) another.
            raise DisconnectionError(f"pooled connection failed its ping: {exc}") from exc
        finally:
            cursor.close()


def insert_rows(session: Session, statement, rows: list[dict]) -> None:
    """Run an INSERT ... ON CONFLICT for many rows in one round trip (per thousand rows).

    SQLAlchemy turns an executemany INSERT into multi-row VALUES, but for one with ON CONFLICT
    only when it has RETURNING; without it psycopg2 sends one statement per row. So this asks
    for the primary key back and drops it."""
    if rows:
        session.execute(statement.returning(*statement.table.primary_key.columns), rows).all()


def _propagated(context: dict) -> dict:
    """Only the context this system defines travels on: a consumed message also carries broker
    headers (x-death, with datetimes) that must not leak into new events."""
    return {k: context[k] for k in PROPAGATED_CONTEXT if context.get(k) is not None}


class UnitOfWork:
    """One database transaction. Events given to `publish` commit with it or not at all."""

    def __init__(self, session: Session, tables: "ServiceTables", context_headers: dict):
        self.session = session
        self._tables = tables
        self._context_headers = context_headers
        self.published: list[Event] = []
        self._outbox_rows: list[dict] = []
        self._memo: dict = {}
        # The message context of each event a batch applies, by event id (see `on_behalf_of`).
        self.contexts: dict[uuid.UUID, dict] = {}

    def publish(self, event: Event) -> None:
        self.publish_many([event])

    def publish_many(self, events: list[Event]) -> None:
        """Queue events for the outbox; `flush` writes them, just before the commit."""
        correlation_id = self._context_headers.get("correlation_id")
        for event in events:
            if event.correlation_id is None and correlation_id:
                event = event.model_copy(update={"correlation_id": correlation_id})
            self._outbox_rows.append({
                "event_id": event.event_id, "source": event.source, "event_type": event.event_type,
                "tenant_id": event.tenant_id, "payload": event.to_message(), "headers": self._context_headers})
            self.published.append(event)

    def on_behalf_of(self, event: Event) -> None:
        """From here on, log and publish in the context of the message that carried `event`."""
        headers = self.contexts.get(event.event_id)
        if headers is not None:
            logs.bind(headers.get(TENANT_KEY), headers.get(CORRELATION_KEY))
            self._context_headers = _propagated(headers)

    def remember(self, key, compute: Callable[[], T]) -> T:
        """`compute()` once per transaction for `key`: a batch of events priced by the same rule
        set reads it once. Only for what this transaction itself does not change."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def flush(self, batch_size: int = 1000) -> None:
        """Write the queued outbox rows, many per statement (a batch or a roster import has
        thousands), and wake the relay; NOTIFY is transactional, so it wakes only on commit."""
        rows, self._outbox_rows = self._outbox_rows, []
        for start in range(0, len(rows), batch_size):
            self.session.execute(self._tables.outbox.insert(), rows[start:start + batch_size])
        if self.published:
            self.session.execute(text("SELECT pg_notify(:c, '')"), {"c": self._tables.channel})


class ServiceTables:
    def __init__(self, metadata: MetaData, schema: str):
        self.outbox = metadata.tables["outbox"]
        self.processed = metadata.tables["processed_events"]
        self.handled_requests = metadata.tables.get("handled_requests")
        self.channel = notify_channel(schema)


@contextlib.contextmanager
def _data_errors_as_invalid_input():
    """The last guard behind each schema: a value PostgreSQL cannot store or compare (too long
    for its column, out of its type's range, not valid text) is bad input, not a fault. The
    transaction is rolled back; the caller gets a 400 with PostgreSQL's reason, no traceback."""
    try:
        yield
    except DataError as exc:
        reason = str(getattr(exc.orig, "pgerror", None) or exc.orig).strip().splitlines()[0]
        raise InvalidInput.field("body", f"a value the database cannot store: {reason}") from None


class DatabaseHandle:
    """What a worker sees as `self.db`."""

    def __init__(self, provider: "Database", worker_ctx):
        self._provider = provider
        self._worker_ctx = worker_ctx

    @property
    def engine(self) -> Engine:
        return self._provider.engine

    def _context_headers(self) -> dict:
        return _propagated(self._worker_ctx.context_data)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[UnitOfWork]:
        """Commit on success, roll back on any exception; the outbox rides along.

        In a write RPC with a request key, the first transaction also claims the key and commits
        only once the entrypoint has returned, with its answer (services.common.idempotency)."""
        claim = idempotency.claim_for(self._worker_ctx)
        if claim is None:
            with _data_errors_as_invalid_input(), Session(self._provider.engine, expire_on_commit=False) as session:
                with session.begin():
                    uow = UnitOfWork(session, self._provider.tables, self._context_headers())
                    yield uow
                    if idempotency.audits_without_claim(self._worker_ctx):
                        audit.record(uow, self._worker_ctx, None)
                    uow.flush()
            metrics.count_committed(self._worker_ctx.service_name, uow.published)
            return
        session = Session(self._provider.engine, expire_on_commit=False)
        held = False
        try:
            with _data_errors_as_invalid_input():
                session.begin()
                uow = UnitOfWork(session, self._provider.tables, self._context_headers())
                self._claim(session, claim)
                yield uow
                uow.flush()
            idempotency.hold(self._worker_ctx, _HeldTransaction(self, uow, claim))
            held = True
        finally:
            if not held:
                session.close()  # rolls back, the claim with the rest
                idempotency.release(self._worker_ctx)

    @contextlib.contextmanager
    def reader(self) -> Iterator[Session]:
        with _data_errors_as_invalid_input(), Session(self._provider.engine) as session:
            yield session

    def _claim(self, session: Session, claim: idempotency.Claim) -> None:
        """Claim the request key, or answer for the copy of a request already carried out."""
        table = self._handled_requests()
        entrypoint = self._entrypoint_name()
        claimed = session.execute(
            insert(table).values(request_id=claim.request_id, entrypoint=entrypoint, fingerprint=claim.fingerprint,
                                 tenant_id=self._worker_ctx.context_data.get(TENANT_KEY))
            .on_conflict_do_nothing().returning(table.c.request_id)
        ).first()
        if claimed is not None:
            return
        # The insert waited for the first copy's transaction; this statement sees its commit.
        first = session.execute(select(table.c.result, table.c.fingerprint).where(
            table.c.request_id == claim.request_id, table.c.entrypoint == entrypoint)).one()
        if first.fingerprint != claim.fingerprint:
            reason = "already used for another request (another body or path); send a new key with a new request"
            raise IdempotencyKeyReused(f"{IDEMPOTENCY_HEADER}: {reason}",
                                       [{"field": IDEMPOTENCY_HEADER, "reason": reason}])
        log.warning("request %s redelivered to %s: answering with the result already committed",
                    claim.request_id, entrypoint)
        raise idempotency.Replayed(first.result)

    def _handled_requests(self) -> Table:
        table = self._provider.tables.handled_requests
        if table is None:
            raise RuntimeError("write requests need the handled_requests table in the service's metadata")
        return table

    def _record_answer(self, uow: UnitOfWork, claim: idempotency.Claim, result):
        """Store the answer beside the claim, as the JSON the RPC reply carries (ids and dates as
        strings), so the copy is answered exactly as the first was."""
        table = self._handled_requests()
        answer = json.loads(kombu_json.dumps(result))
        uow.session.execute(table.update().where(
            table.c.request_id == claim.request_id, table.c.entrypoint == self._entrypoint_name(),
        ).values(result=answer))
        return answer

    def _entrypoint_name(self) -> str:
        return f"{self._worker_ctx.service_name}.{self._worker_ctx.entrypoint.method_name}"

    def process_once(self, event: Event, apply: Callable[[UnitOfWork, Event], None]) -> bool:
        """Apply `event` unless this entrypoint has already applied it. False on a duplicate."""
        return self.process_batch([(event, self._worker_ctx.context_data)], apply) == 1

    def process_batch(self, batch: list[tuple[Event, dict]], apply: Callable[[UnitOfWork, Event], None]) -> int:
        """Apply each event of a batch not yet applied by this entrypoint, all in one transaction.

        One commit, one connection checkout and one marker insert serve the whole batch, which is
        where a consumer's time went when each event had its own transaction. Each event's
        effects publish with the context its own message carried (tenant, correlation id). If any
        event fails, nothing of the batch commits and the caller retries the events one by one,
        so one bad event costs its neighbours a retry, never their effect. Returns how many
        events were applied; the rest were duplicates.
        """
        def apply_each(uow: UnitOfWork, events: list[Event]) -> None:
            for event in events:
                uow.on_behalf_of(event)
                apply(uow, event)

        return self.process_together(batch, apply_each)

    def process_together(self, batch: list[tuple[Event, dict]],
                         apply_all: Callable[[UnitOfWork, list[Event]], None]) -> int:
        """Like `process_batch`, but `apply_all` gets every fresh event of the batch at once, so it
        can read and write for all of them in a few set-based statements. It calls
        `uow.on_behalf_of(event)` before publishing what an event caused."""
        if not batch:
            return 0
        consumer = self._entrypoint_name()
        processed = self._provider.tables.processed
        with self.transaction() as uow:
            fresh_ids = {str(event_id) for event_id in uow.session.execute(
                insert(processed).on_conflict_do_nothing().returning(processed.c.event_id),
                [{"consumer": consumer, "event_id": e.event_id, "tenant_id": e.tenant_id} for e, _ in batch],
            ).scalars()}
            fresh = []
            for event, headers in batch:
                key = str(event.event_id)
                # A copy redelivered into the same batch finds its id already taken here.
                if key not in fresh_ids:
                    log.info("skipping duplicate %s %s for %s", event.event_type, event.event_id, consumer)
                    continue
                fresh_ids.discard(key)
                uow.contexts[event.event_id] = headers
                fresh.append(event)
            if fresh:
                apply_all(uow, fresh)
        return len(fresh)


class _HeldTransaction:
    """A claiming transaction kept open until its entrypoint's answer is known."""

    def __init__(self, handle: DatabaseHandle, uow: UnitOfWork, claim: idempotency.Claim):
        self._handle, self._uow, self._claim = handle, uow, claim

    def commit(self, result):
        try:
            # The write's audit record commits with it, published like any event it caused.
            audit.record(self._uow, self._handle._worker_ctx, result)
            answer = self._handle._record_answer(self._uow, self._claim, result)
            self._uow.session.commit()
        finally:
            self._uow.session.close()
        metrics.count_committed(self._handle._worker_ctx.service_name, self._uow.published)
        return answer

    def rollback(self) -> None:
        self._uow.session.close()


class Database(DependencyProvider):
    """Declared on a service class with the service's metadata; one engine per container."""

    def __init__(self, metadata: MetaData):
        self.metadata = metadata

    def setup(self):
        settings = from_container(self.container)
        self.engine = make_engine(settings)
        self.tables = ServiceTables(self.metadata, settings.db_schema)

    def stop(self):
        self.engine.dispose()

    def kill(self):
        self.engine.dispose()

    def get_dependency(self, worker_ctx):
        return DatabaseHandle(self, worker_ctx)

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        # OncePerRequestRpc finished the claim before replying. A worker started another way
        # (nameko's entrypoint_hook in a test) finishes it here: committed, not silently lost.
        idempotency.finish(worker_ctx, result, exc_info)

    def worker_teardown(self, worker_ctx):
        # No held transaction keeps its connection past its worker, whatever happened above.
        idempotency.release(worker_ctx)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def new_id() -> uuid.UUID:
    return uuid.uuid4()
