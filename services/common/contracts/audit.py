"""`audit_recorded`: who changed what, when, through which route. Every service publishes it with
each write request it carries out, in the write's own transaction (services.common.audit); members
keeps the college's whole log from them for reading. One contract per publisher, since an event's
exchange is its publisher's."""
from __future__ import annotations

from pydantic import Field

from services.common.contracts.base import Event


class AuditRecorded(Event):
    """A write request carried out. `occurred_at` is when it committed, `correlation_id` the
    request's. The caller is the person (None for a token of nobody's), their roles, and the
    credential they used (`token:<hash prefix>`, never the token itself)."""

    person_id: str | None = Field(default=None, max_length=36)
    roles: list[str] = Field(default_factory=list, max_length=20)
    credential: str | None = Field(default=None, max_length=80)
    # "POST /v1/members/<member_id>/transfer": the gateway's route template, None for a call that
    # did not come through it.
    route: str | None = Field(default=None, max_length=300)
    entrypoint: str = Field(max_length=200)
    # "field=id" for each id the request named, and "answer=id" for what it created.
    targets: list[str] = Field(default_factory=list, max_length=600)
    summary: str = Field(max_length=1000)


def _publisher(service: str) -> type[AuditRecorded]:
    return type(f"{service.title()}AuditRecorded", (AuditRecorded,), {
        "__module__": __name__, "source": service, "event_type": "audit_recorded",
        "__doc__": f"`audit_recorded` as {service} publishes it."})


AUDIT_EVENTS: dict[str, type[AuditRecorded]] = {
    service: _publisher(service) for service in ("members", "activities", "points", "notify", "dues")}
