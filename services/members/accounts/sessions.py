"""Sessions and tokens: issuing the short-lived credential the gateway checks, renewing it, and
ending sessions and tokens (with the `credentials_revoked` broadcast that makes it immediate)."""
from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timezone

from sqlalchemy import select

from services.common.contracts.members import CredentialsRevoked
from services.common.db import UnitOfWork
from services.common.errors import Forbidden, NotFound, Unauthenticated
from services.common.tenancy import CALLER_KEY, MEMBER, ROLES_KEY, Caller
from services.members import access, models
from services.members.accounts import rules

SESSION_ENDED = "your session has ended; sign in again"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def current_roles(session, tenant_id, person_id) -> list[str]:
    """A person's roles now: member, and each role of a current appointment. Read at every
    issue, never stored on the account, so an appointment ending takes effect with the next
    credential (and `roles_changed` makes that the next request)."""
    r = models.role_assignments
    held = session.execute(select(r.c.role).where(r.c.tenant_id == tenant_id, r.c.person_id == person_id,
                                                  r.c.ended_on.is_(None))).scalars()
    return sorted({MEMBER, *held})


def identity(session, tenant_id, person_id, roles, sid: str, now: datetime, ends: datetime) -> dict:
    """What the gateway binds for each request, stamped with where it came from and its lifetime."""
    caller = Caller({CALLER_KEY: str(person_id) if person_id else None, ROLES_KEY: list(roles)})
    units = access.managed_units(session, tenant_id, caller) if caller.is_officer and not caller.is_admin else set()
    return {"tenant_id": str(tenant_id), "person_id": str(person_id) if person_id else None, "roles": list(roles),
            "managed_units": sorted(str(unit) for unit in units), "sid": sid,
            "issued_at": now.timestamp(), "expires_at": rules.credential_expires(now, ends).timestamp()}


def session_sid(session_id) -> str:
    return f"session:{session_id}"


def token_sid(token_id) -> str:
    return f"token:{token_id}"


def open_session(uow: UnitOfWork, tenant_id, person_id, method: str, client_address: str | None) -> dict:
    """A new browser session; the secret (for the HttpOnly cookie) is seen this once."""
    secret, now, session_id = secrets.token_urlsafe(32), utcnow(), uuid.uuid4()
    uow.session.execute(models.sessions.insert().values(
        id=session_id, tenant_id=tenant_id, person_id=person_id, secret_hash=secret_hash(secret), method=method,
        client_address=client_address, created_at=now, last_seen_at=now))
    roles = current_roles(uow.session, tenant_id, person_id)
    return {"session_secret": secret, "session_expires_at": rules.session_ends(now, now).timestamp(),
            "credential": identity(uow.session, tenant_id, person_id, roles, session_sid(session_id), now,
                                   rules.session_ends(now, now))}


def renew(uow: UnitOfWork, secret: str) -> dict:
    """A fresh credential for a live session, or Unauthenticated: revoked, idle too long, past its
    absolute lifetime, or its person has left the roster."""
    s, people = models.sessions, models.people
    row = uow.session.execute(
        select(s, people.c.left_at).join(people, people.c.id == s.c.person_id)
        .where(s.c.secret_hash == secret_hash(secret)).with_for_update(of=s)).first()
    now = utcnow()
    if row is None or row.revoked_at is not None or row.left_at is not None \
            or rules.session_ends(row.created_at, row.last_seen_at) <= now:
        raise Unauthenticated(SESSION_ENDED)
    uow.session.execute(s.update().where(s.c.id == row.id).values(last_seen_at=now))
    roles = current_roles(uow.session, row.tenant_id, row.person_id)
    return identity(uow.session, row.tenant_id, row.person_id, roles, session_sid(row.id), now,
                    rules.session_ends(row.created_at, now))


def authenticate_token(session, token_hash: str) -> dict:
    """A bearer token's credential: unknown, revoked, expired and a leaver's tokens all refused."""
    t, people = models.api_tokens, models.people
    row = session.execute(
        select(t.c.id, t.c.tenant_id, t.c.person_id, t.c.roles, t.c.expires_at, people.c.left_at)
        .outerjoin(people, people.c.id == t.c.person_id)
        .where(t.c.token_hash == token_hash, t.c.revoked_at.is_(None))).first()
    now = utcnow()
    if row is None or row.expires_at <= now or row.left_at is not None:
        raise Unauthenticated("unknown, expired or revoked token")
    return identity(session, row.tenant_id, row.person_id, row.roles, token_sid(row.id), now, row.expires_at)


def announce(uow: UnitOfWork, tenant_id, member_id, sids, reason: str) -> None:
    uow.publish(CredentialsRevoked(tenant_id=tenant_id, member_id=member_id, sids=sorted(sids),
                                   issued_before=utcnow().timestamp(), reason=reason))


def sign_out(uow: UnitOfWork, secret: str) -> None:
    s = models.sessions
    row = uow.session.execute(s.update().where(s.c.secret_hash == secret_hash(secret), s.c.revoked_at.is_(None))
                              .values(revoked_at=utcnow()).returning(s.c.id, s.c.tenant_id, s.c.person_id)).first()
    if row is not None:
        announce(uow, row.tenant_id, row.person_id, [session_sid(row.id)], "signed_out")


def list_for_person(session, tenant_id, person_id) -> dict:
    s, t, now = models.sessions, models.api_tokens, utcnow()
    live = [row for row in session.execute(
        select(s).where(s.c.tenant_id == tenant_id, s.c.person_id == person_id, s.c.revoked_at.is_(None))
        .order_by(s.c.created_at.desc())) if rules.session_ends(row.created_at, row.last_seen_at) > now]
    tokens = session.execute(
        select(t.c.id, t.c.label, t.c.roles, t.c.created_at, t.c.expires_at)
        .where(t.c.tenant_id == tenant_id, t.c.person_id == person_id, t.c.revoked_at.is_(None), t.c.expires_at > now)
        .order_by(t.c.created_at.desc())).all()
    return {
        "sessions": [{"id": str(row.id), "method": row.method, "client_address": row.client_address,
                      "created_at": row.created_at.isoformat(), "last_seen_at": row.last_seen_at.isoformat(),
                      "ends_at": rules.session_ends(row.created_at, row.last_seen_at).isoformat()} for row in live],
        "tokens": [{"id": str(row.id), "label": row.label, "roles": list(row.roles),
                    "created_at": row.created_at.isoformat(), "expires_at": row.expires_at.isoformat()}
                   for row in tokens],
    }


def end_own_session(uow: UnitOfWork, tenant_id, person_id, session_id) -> None:
    s = models.sessions
    row = uow.session.execute(s.update().where(s.c.id == session_id, s.c.tenant_id == tenant_id,
                                               s.c.person_id == person_id, s.c.revoked_at.is_(None))
                              .values(revoked_at=utcnow()).returning(s.c.id)).first()
    if row is None:
        raise NotFound("no such session of yours, or it has ended")
    announce(uow, tenant_id, person_id, [session_sid(session_id)], "revoked")


def revoke_token(uow: UnitOfWork, tenant_id, caller: Caller, token_id) -> None:
    """A person revokes their own tokens; a tenant admin any token of the tenant."""
    t = models.api_tokens
    row = uow.session.execute(select(t.c.person_id).where(t.c.id == token_id, t.c.tenant_id == tenant_id,
                                                          t.c.revoked_at.is_(None))).first()
    if row is None:
        raise NotFound("no such token, or it is already revoked")
    if not caller.is_admin and (row.person_id is None or row.person_id != caller.caller_id):
        raise Forbidden("only the token's holder or a tenant_admin revokes a token")
    uow.session.execute(t.update().where(t.c.id == token_id).values(revoked_at=utcnow()))
    announce(uow, tenant_id, row.person_id, [token_sid(token_id)], "revoked")


def revoke_everything(uow: UnitOfWork, tenant_id, person_id, reason: str) -> int:
    """End every session and token of a person at once (an admin's revoke, or leaving the roster)."""
    s, t, now = models.sessions, models.api_tokens, utcnow()
    ended = uow.session.execute(s.update().where(s.c.tenant_id == tenant_id, s.c.person_id == person_id,
                                                 s.c.revoked_at.is_(None)).values(revoked_at=now)).rowcount
    ended += uow.session.execute(t.update().where(t.c.tenant_id == tenant_id, t.c.person_id == person_id,
                                                  t.c.revoked_at.is_(None)).values(revoked_at=now)).rowcount
    announce(uow, tenant_id, person_id, [], reason)
    return ended


def roles_changed(uow: UnitOfWork, tenant_id, person_id) -> None:
    """Credentials carry roles: after an appointment starts or ends the gateway renews them."""
    announce(uow, tenant_id, person_id, [], "roles_changed")
