"""The rate tables a tenant stored, by effective date, over the national rules of 2008."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, text

from services.common.db import UnitOfWork, new_id
from services.common.errors import Conflict
from services.dues import models, rates

# The built-in table is version 1; a tenant's first stored table is version 2.
BUILT_IN_VERSION = 1


@dataclass(frozen=True)
class InForce:
    table: rates.RateTable
    version: int
    effective_from: date


def resolve(session, tenant_id, on: date) -> InForce:
    t = models.rate_tables
    row = session.execute(select(t).where(t.c.tenant_id == tenant_id, t.c.effective_from <= on)
                          .order_by(t.c.effective_from.desc()).limit(1)).first()
    if row is None:
        return InForce(rates.NATIONAL_2008, BUILT_IN_VERSION, rates.NATIONAL_2008_FROM)
    return InForce(rates.RateTable.model_validate(row.body), row.version, row.effective_from)


def as_dict(in_force: InForce, on: date | None = None) -> dict:
    return {"on": on.isoformat() if on else None, "version": in_force.version,
            "effective_from": in_force.effective_from.isoformat(),
            "table": in_force.table.model_dump(mode="json")}


def save(uow: UnitOfWork, tenant_id, effective_from: date, table: rates.RateTable, caller_id) -> dict:
    """A new version from `effective_from` on; versions only move forward in time, so a month
    already assessed is never re-priced by a table dated before it."""
    t, session = models.rate_tables, uow.session
    session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": f"dues-rates:{tenant_id}"})
    latest = session.execute(select(t.c.version, t.c.effective_from).where(t.c.tenant_id == tenant_id)
                             .order_by(t.c.version.desc()).limit(1)).first()
    if latest is not None and effective_from <= latest.effective_from:
        raise Conflict(f"effective_from must be after the latest version's date ({latest.effective_from})")
    version = (latest.version if latest else BUILT_IN_VERSION) + 1
    session.execute(t.insert().values(id=new_id(), tenant_id=tenant_id, version=version,
                                      effective_from=effective_from, body=table.model_dump(mode="json"),
                                      created_by=caller_id))
    return as_dict(InForce(table, version, effective_from))
