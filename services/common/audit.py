"""The audit record of every write: who, in which college, what, when, under which correlation id.

Written where every write request already passes: the transaction that claims its request key
(services.common.idempotency) publishes `audit_recorded` into the service's outbox just before it
commits with the entrypoint's answer. So the record commits with the change or not at all, no
entrypoint has to remember it, and a copy of the request answered from the record adds none.
Members keeps the college's log from these events (services.members.audit_log).

What it carries comes from the context the gateway bound for the request (tenancy's ROUTE_KEY,
TARGETS_KEY, CREDENTIAL_KEY, beside the tenant, caller, roles and correlation id), the entrypoint
and its arguments. The summary names the fields a payload set, never their values: the log
says what was changed and by whom; the records it points at say to what.
"""
from __future__ import annotations

from services.common.contracts.audit import AUDIT_EVENTS, AuditRecorded
from services.common.errors import clip
from services.common.tenancy import (
    CALLER_KEY, CORRELATION_KEY, CREDENTIAL_KEY, ROLES_KEY, ROUTE_KEY, TARGETS_KEY, TENANT_KEY,
)

MAX_TARGETS = 500


def summary(method: str, args, kwargs) -> str:
    """`transfer_member(<id>, {effective_on, to_org_unit_id})`: the entrypoint, each plain
    argument clipped, and the field names of each payload."""
    def shown(value) -> str:
        if isinstance(value, dict):
            return "{" + ", ".join(sorted(str(key) for key in value)) + "}"
        if isinstance(value, (list, tuple)):
            return f"[{len(value)} items]"
        return clip(str(value), 60)
    parts = [shown(arg) for arg in args] + [f"{key}={shown(value)}" for key, value in sorted(kwargs.items())]
    return clip(f"{method}({', '.join(parts)})", 1000)


def answer_targets(result) -> list[str]:
    """What the write created or changed, as its answer names it: `answer=<id>` for an object, one
    per item for a list of them (an attendance list)."""
    items = result if isinstance(result, list) else [result]
    return [f"answer={item['id']}" for item in items if isinstance(item, dict) and item.get("id")]


def audit_event(context: dict, service: str, method: str, args, kwargs, result) -> AuditRecorded | None:
    """The record of a write carried out by `service.method` in `context`; None for a write with no
    college (the platform creating one: the new college's log starts with its own requests)."""
    tenant_id = context.get(TENANT_KEY)
    contract = AUDIT_EVENTS.get(service)
    if not tenant_id or contract is None:
        return None
    targets = list(context.get(TARGETS_KEY) or ()) + answer_targets(result)
    return contract(
        tenant_id=tenant_id, correlation_id=context.get(CORRELATION_KEY), person_id=context.get(CALLER_KEY),
        roles=sorted(context.get(ROLES_KEY) or ()), credential=context.get(CREDENTIAL_KEY),
        route=context.get(ROUTE_KEY), entrypoint=f"{service}.{method}", targets=targets[:MAX_TARGETS],
        summary=summary(method, args, kwargs))


def record(uow, worker_ctx, result) -> None:
    """Publish the audit record of the write `worker_ctx` carried out, in `uow`, its transaction."""
    event = audit_event(worker_ctx.context_data, worker_ctx.service_name, worker_ctx.entrypoint.method_name,
                        worker_ctx.args, worker_ctx.kwargs, result)
    if event is not None:
        uow.publish(event)
        uow.flush()
