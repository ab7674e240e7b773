"""Who may do what: API tokens and the units an officer manages (credentials: services.members.accounts)."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timezone

from sqlalchemy import select

from services.common.contracts.api import members as member_api
from services.common.db import UnitOfWork
from services.common.errors import Forbidden, InvalidInput, NotFound
from services.common.tenancy import Caller
from services.members import lookups, models
from services.members.accounts.rules import token_lifetime


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(uow: UnitOfWork, tenant_id, person_id, roles, label, expires_in_days: int | None = None) -> str:
    """A new bearer token; only its hash is stored, so the caller sees it this once. It ends after
    `expires_in_days` (default TOKEN_DEFAULT_DAYS)."""
    token = secrets.token_urlsafe(32)
    uow.session.execute(models.api_tokens.insert().values(
        token_hash=hash_token(token), tenant_id=tenant_id, person_id=person_id, roles=sorted(set(roles)), label=label,
        expires_at=datetime.now(timezone.utc) + token_lifetime(expires_in_days),
    ))
    return token


def issue_member_token(uow: UnitOfWork, tenant_id, member_id, data: member_api.TokenCreate) -> dict:
    lookups.person(uow.session, tenant_id, member_id)
    token = issue_token(uow, tenant_id, member_id, data.roles, data.label, data.expires_in_days)
    return {"token": token, "member_id": str(member_id), "roles": sorted(set(data.roles))}


def issue_tenant_token(uow: UnitOfWork, tenant_id, member_id, data: member_api.TokenCreate) -> dict:
    """A token from the command line: a person's own, or an admin token that belongs to nobody."""
    lookups.tenant(uow.session, tenant_id)
    if member_id is not None:
        try:
            return issue_member_token(uow, tenant_id, member_id, data)
        except NotFound:
            raise InvalidInput.field("member", "no such person in this tenant") from None
    # Branch roles are scoped by the holder's own appointments, and "member" by their own
    # records: without a person only the tenant-wide role means anything.
    if set(data.roles) != {"tenant_admin"}:
        raise InvalidInput.field("role", "a token without --member can only carry tenant_admin")
    token = issue_token(uow, tenant_id, None, data.roles, data.label, data.expires_in_days)
    return {"token": token, "member_id": None, "roles": sorted(set(data.roles))}


# -- who may change what -------------------------------------------------------------------

def managed_units(session, tenant_id, caller: Caller) -> set:
    """The org units an officer manages: each unit where they hold a current role that their token
    also carries, with its subtree (a branch secretary manages the branch's groups)."""
    if caller.caller_id is None:
        return set()
    r, units = models.role_assignments, models.org_units
    tree = select(r.c.org_unit_id.label("id")).where(
        r.c.tenant_id == tenant_id, r.c.person_id == caller.caller_id, r.c.ended_on.is_(None),
        r.c.role.in_(sorted(caller.roles))).cte(recursive=True)
    tree = tree.union_all(select(units.c.id).where(units.c.parent_id == tree.c.id, units.c.tenant_id == tenant_id))
    return {row.id for row in session.execute(select(tree.c.id))}


def require_manages(session, tenant_id, caller: Caller, *, member_id=None, org_unit_id=None,
                    allow_self: bool = False) -> None:
    """The one check every roster change passes: a tenant admin changes anything in the tenant; an
    officer only people and units of their own branch; anyone else nothing. Someone of another
    tenant answers 404 (the lookups are tenant-scoped); someone of another branch of the same
    tenant answers 403, since the caller may know the person exists (they read the roster).
    `allow_self` lets a member act on their own record (e.g. write their own commitment)."""
    if caller.is_admin:
        return
    if allow_self and member_id is not None and caller.caller_id == member_id:
        lookups.person(session, tenant_id, member_id)
        return
    caller.require_officer()
    mine = managed_units(session, tenant_id, caller)
    if member_id is not None:
        person = lookups.person(session, tenant_id, member_id)
        if person.org_unit_id not in mine:
            raise Forbidden("officers change only the people of their own branch")
    # An unknown unit is left to the use case, which names the field in its own error.
    if org_unit_id is not None and lookups.org_unit(session, tenant_id, org_unit_id) is not None \
            and org_unit_id not in mine:
        raise Forbidden("officers change only their own branch and its groups")


ROSTER_KINDS = ("person", "org_unit")


def resolve_references(session, tenant_id, references: list) -> dict:
    """The unit of each person and unit a request names, `{id: unit id}` (a unit maps to itself), for
    the gateway's scope check; NotFound naming the first field whose id is not of this tenant."""
    ids = {kind: {ref for k, _, ref in references if k == kind} for kind in ("person", "org_unit")}
    people, units = models.people, models.org_units
    found = {str(row.id): str(row.org_unit_id) for row in session.execute(
        select(people.c.id, people.c.org_unit_id).where(
            people.c.tenant_id == tenant_id, people.c.id.in_(sorted(ids["person"]))))} if ids["person"] else {}
    if ids["org_unit"]:
        found.update({str(row.id): str(row.id) for row in session.execute(
            select(units.c.id).where(units.c.tenant_id == tenant_id, units.c.id.in_(sorted(ids["org_unit"]))))})
    for kind, field, ref in references:
        if ref not in found:
            what = "person" if kind == "person" else "org unit"
            raise NotFound(f"{field}: no such {what} in this tenant", [{"field": field, "reason": f"no such {what}"}])
    return found
