"""Signing in with a login name and password: throttled, and the same answer for every failure."""
from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import Counter
from sqlalchemy import select

from services.common.db import UnitOfWork
from services.common.errors import TooManyAttempts, Unauthenticated
from services.members import models
from services.members.accounts import passwords, rules, sessions

SIGN_INS = Counter("sign_ins_total", "Sign-in attempts by method and outcome", ["method", "outcome"])

WRONG = "wrong login name or password"


@dataclass(frozen=True)
class Refusal:
    """A failed attempt, recorded in the transaction and raised after it commits (so the record
    that throttles the next attempt is not rolled back with the error)."""

    error: Exception
    outcome: str

    def raise_it(self):
        SIGN_INS.labels("password", self.outcome).inc()
        raise self.error


def normal_login_name(raw: str) -> str:
    return raw.strip().lower()


def _tenant_id(session, code: str):
    return session.execute(select(models.tenants.c.id).where(models.tenants.c.code == code)).scalar()


def _lock(session, tenant_id, login_name: str, client_address: str):
    f, now = models.sign_in_failures, sessions.utcnow()
    horizon = now - rules.FAILURE_WINDOW - rules.LOCKOUT
    by_name = session.execute(select(f.c.failed_at).where(
        f.c.tenant_id == tenant_id, f.c.login_name == login_name, f.c.failed_at > horizon)).scalars().all()
    by_address = session.execute(select(f.c.failed_at).where(
        f.c.client_address == client_address, f.c.failed_at > horizon)).scalars().all()
    ends = [until for until in (rules.locked_until(by_name, now, rules.ACCOUNT_FAILURE_LIMIT),
                                rules.locked_until(by_address, now, rules.ADDRESS_FAILURE_LIMIT)) if until]
    return max(ends) if ends else None


def attempt(uow: UnitOfWork, tenant_code: str, raw_login_name: str, password: str, client_address: str):
    """A new session's secret and credential, or a `Refusal`. An unknown college, an unknown login
    name, a leaver's account and a wrong password are one answer after one Argon2 verification."""
    login_name = normal_login_name(raw_login_name)
    tenant_id = _tenant_id(uow.session, tenant_code)
    locked = _lock(uow.session, tenant_id, login_name, client_address)
    if locked is not None:
        seconds = max(1, int((locked - sessions.utcnow()).total_seconds()))
        return Refusal(TooManyAttempts(f"too many failed sign-ins; try again in {seconds} s", seconds), "locked")
    a, people = models.accounts, models.people
    row = uow.session.execute(
        select(a.c.person_id, a.c.password_hash).join(people, people.c.id == a.c.person_id)
        .where(a.c.tenant_id == tenant_id, a.c.login_name == login_name, people.c.left_at.is_(None))).first()
    if not passwords.verify(row.password_hash if row else None, password):
        uow.session.execute(models.sign_in_failures.insert().values(
            tenant_id=tenant_id, login_name=login_name[:64], client_address=client_address[:64]))
        return Refusal(Unauthenticated(WRONG), "failed")
    if passwords.needs_rehash(row.password_hash):
        uow.session.execute(a.update().where(a.c.person_id == row.person_id)
                            .values(password_hash=passwords.hash_password(password)))
    SIGN_INS.labels("password", "succeeded").inc()
    return sessions.open_session(uow, tenant_id, row.person_id, "password", client_address)
