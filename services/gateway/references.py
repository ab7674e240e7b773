"""Every person and org unit a request names resolves in the caller's college, and a write touches
only people and units the caller manages.

Checked here, once for every route, rather than in each use case: a new route, or a new field
naming a person in an old one, is covered the day it is added, because what is checked is decided
by the field's name (`PERSON_FIELDS`, `UNIT_FIELDS`), not by a line each entrypoint must remember.
The services still check the thing a route acts on (an activity, a need, a payment), which only
they can read; this covers the people and units named around it: the source and the destination
of a transfer, the follower of an activist, the target of a pairing, the assignee of a need.

* An id of another college (or of nobody) answers 404 naming the field, on reads and writes alike,
  as if it did not exist.
* On a write, each person named must be the caller themself or a person of a unit the caller
  manages, and each unit named one the caller manages (`Caller.manages`: admins manage the whole
  college). Whether acting on oneself is allowed at all is the service's decision.
"""
from __future__ import annotations

import uuid

from services.common.errors import Forbidden, InvalidInput
from services.common.tenancy import TARGETS_KEY, TENANT_KEY, Caller
from services.gateway import request_keys
from services.gateway.parsing import parse_json_object, read_body

PERSON = "person"
UNIT = "org_unit"

# Path, query and top-level body fields that name a person or an org unit of the roster.
PERSON_FIELDS = frozenset({
    "member_id", "member_ids", "person_id", "follower_id", "mentor_id", "target_person_id", "raised_by",
    "assignee_id",
})
UNIT_FIELDS = frozenset({"org_unit_id", "to_org_unit_id", "branch_id", "parent_id"})
# Fields naming a thing another service owns, and that owner: it answers whether the id is of the
# caller's college; whether the caller may act on the thing stays its decision (a member confirms
# their own need, resolves one assigned to them).
THING_OWNERS = {
    "activity_id": "activities", "day_id": "activities", "meeting_id": "activities", "payment_id": "dues",
    "pairing_id": "members", "need_id": "members", "post_id": "members", "commitment_id": "members",
}


def named_references(params: dict, query: dict, body: dict | None) -> list[tuple[str, str, str]]:
    """(kind, field, id) for each person, unit or thing the path arguments, query and body name, in
    that order; a list field (`member_ids`) gives one reference per item, named `member_ids.<index>`.
    A thing's kind is its field."""
    found = []
    for source in (params, query, body or {}):
        for field, value in source.items():
            kind = PERSON if field in PERSON_FIELDS else UNIT if field in UNIT_FIELDS \
                else field if field in THING_OWNERS else None
            if kind is None or value is None:
                continue
            items = enumerate(value) if isinstance(value, list) else [(None, value)]
            for index, item in items:
                if not isinstance(item, str):
                    continue  # not an id at all: the service's validation names it
                name = field if index is None else f"{field}.{index}"
                found.append((kind, name, _uuid(item, name)))
    return found


def _uuid(value: str, field: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise InvalidInput.field(field, "must be a UUID") from None


def check_write_scope(caller: Caller, references: list[tuple[str, str, str]], units_of: dict) -> None:
    """Forbidden unless the caller manages every unit the write names, and the unit of every person
    it names other than themself. `units_of` maps each id to its unit (a unit to itself)."""
    for kind, field, ref in references:
        if kind not in (PERSON, UNIT):
            continue
        if kind == PERSON and caller.caller_id is not None and str(caller.caller_id) == ref:
            continue
        if not caller.manages(units_of[ref]):
            # The messages the services' own checks give (Caller.require_manages), naming the field.
            message = "officers change only their own branch and its groups" if caller.is_officer \
                else "members may only act on their own records"
            raise Forbidden(message, [{"field": field, "reason": "not of a unit the caller manages"}])


def check_references(service, request, params: dict) -> None:
    """After `authenticate`: 404 for any named id outside the caller's college; 403 on a write that
    names someone or some unit the caller does not manage. One RPC, only when something is named."""
    caller = service.caller
    if not caller.data.get(TENANT_KEY):
        return  # the platform's own token names no college; its routes name no roster ids
    is_write = request.method in request_keys.WRITE_METHODS
    raw = read_body(request) if is_write else b""
    body = parse_json_object(raw) if raw else None
    references = named_references(params, request.args.to_dict(), body)
    if not references:
        return
    if is_write:
        caller.data[TARGETS_KEY] = [f"{field}={ref}" for _, field, ref in references]  # for the audit record
    by_owner: dict[str, list] = {}
    for kind, field, ref in references:
        by_owner.setdefault(THING_OWNERS.get(kind, "members"), []).append([kind, field, ref])
    units_of = service.members.resolve_references(by_owner.pop("members", []))
    for owner, owned in by_owner.items():
        getattr(service, owner).resolve_references(owned)
    if is_write:
        check_write_scope(caller, references, units_of)
