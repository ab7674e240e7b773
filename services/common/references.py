"""Ids a request names, resolved inside the caller's college: the owner's side of the gateway's check
(services.gateway.references) that every id in a path, query or body is of the caller's tenant.

Each service answers for the things it owns, by field name (`activity_id` → its activities table):
an id of another college answers exactly as one that never existed, 404 naming the field.
"""
from __future__ import annotations

from sqlalchemy import Table, select

from services.common.errors import NotFound
from services.common.rpc import rpc
from services.common.validation import parse_uuid


def require_known(session, tenant_id, references: list, tables: dict[str, Table]) -> None:
    """`references` are (field, id) pairs; `tables` maps the field's base name (without a
    `.<index>`) to the table holding such ids, each with `id` and `tenant_id` columns."""
    wanted: dict[str, set] = {}
    for field, ref in references:
        wanted.setdefault(field.split(".")[0], set()).add(parse_uuid(ref, field))
    known = set()
    for base, ids in wanted.items():
        table = tables[base]
        known |= {row.id for row in session.execute(
            select(table.c.id).where(table.c.tenant_id == tenant_id, table.c.id.in_(sorted(ids))))}
    for field, ref in references:
        if parse_uuid(ref, field) not in known:
            raise NotFound(f"{field}: not found in this tenant", [{"field": field, "reason": "not found"}])


class ResolvesReferences:
    """Mixed into a service: `resolve_references`, the RPC the gateway calls with the ids of this
    service's things a request names, answering 404 naming the field for one not of the caller's
    tenant. `owned_things` maps each field to its table."""

    owned_things: dict[str, Table] = {}

    @rpc
    def resolve_references(self, references: list) -> None:
        with self.db.reader() as session:
            require_known(session, self.caller.tenant_id, [(str(field), ref) for _, field, ref in references],
                          self.owned_things)
