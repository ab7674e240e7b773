"""The tables every service keeps beside its own, defined once; each service's models call these
with its own metadata, and its migrations create them (services.common.migrations).

* `outbox` — events written in the same transaction as the state change that caused them
  (no dual writes); `services.common.outbox.OutboxRelay` publishes and deletes them.
* `processed_events` — (consumer, event_id) of every event a handler applied, inserted in the
  same transaction as the handler's effect; a redelivered event hits the primary key and is
  skipped, which turns at-least-once delivery into exactly-once effects.
* `handled_requests` — the request key of every write request carried out, with its answer,
  claimed in the write's own transaction; a copy of the request (a redelivered RPC, a client
  sending its Idempotency-Key again) is answered from it (services.common.idempotency).
"""
from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, DateTime, Index, Integer, MetaData, String, Table, Text, func, text
from sqlalchemy.dialects.postgresql import JSON, JSONB, UUID


def outbox_table(metadata: MetaData) -> Table:
    return Table(
        "outbox", metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("event_id", UUID(as_uuid=True), nullable=False, unique=True),
        Column("source", String(32), nullable=False),
        Column("event_type", String(64), nullable=False),
        Column("tenant_id", UUID(as_uuid=True), nullable=False),
        Column("payload", JSONB, nullable=False),
        Column("headers", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now(), index=True),
        Column("last_error", Text),
    )


def processed_events_table(metadata: MetaData) -> Table:
    return Table(
        "processed_events", metadata,
        Column("consumer", String(128), primary_key=True),
        Column("event_id", UUID(as_uuid=True), primary_key=True),
        Column("tenant_id", UUID(as_uuid=True), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        # For the retention sweep (services.common.retention). A B-tree: benchmarks/retention.py
        # measured no cost on marker inserts, and a BRIN index would stop helping once the sweep
        # frees old pages and new rows fill them (its page ranges only ever widen).
        Index("ix_processed_events_processed_at", "processed_at"),
    )


def handled_requests_table(metadata: MetaData) -> Table:
    """Write requests already carried out, with their answers (services.common.idempotency). A
    copy comes within seconds when RabbitMQ redelivers an RPC, within a day when a client sends
    an Idempotency-Key again; services.common.retention deletes rows after
    IDEMPOTENCY_KEYS_KEEP_HOURS."""
    return Table(
        "handled_requests", metadata,
        Column("request_id", String(64), primary_key=True),
        Column("entrypoint", String(128), primary_key=True),
        Column("tenant_id", UUID(as_uuid=True)),
        # json, not jsonb: a copy is answered byte for byte as the first (jsonb reorders keys).
        Column("result", JSON),
        # services.gateway.request_keys.fingerprint of the request that claimed the key
        Column("fingerprint", String(64)),
        Column("handled_at", DateTime(timezone=True), nullable=False, server_default=func.now(), index=True),
    )


def effective_version_columns() -> list[Column]:
    """The columns of configuration versioned by effective date (points's rule sets, dues's rate
    tables): each change is a new numbered version that applies from a date on, kept whole as a
    JSON body with who stored it and when, so a past month is always judged by the rules of its
    day. Fresh columns on every call: a Column belongs to one table."""
    return [
        Column("version", Integer, nullable=False),
        Column("effective_from", Date, nullable=False),
        Column("body", JSONB, nullable=False),
        Column("created_by", UUID(as_uuid=True)),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    ]
