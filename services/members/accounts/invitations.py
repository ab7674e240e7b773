"""Invitations and password resets: a single-use code for one person, with which they set a password."""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from services.common.db import UnitOfWork
from services.common.errors import InvalidInput
from services.members import models
from services.members.accounts import passwords, rules, sessions
from services.members.accounts.sign_in import normal_login_name


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def new_code() -> str:
    # 20 characters of Crockford-like base32 (100 bits): typed from a printed sheet without
    # ambiguous letters, unguessable within any code's lifetime at any request rate.
    alphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))


def login_name_of(person) -> str | None:
    """The name the college already uses for them: the staff or student number, else the phone."""
    for value in (person.external_no, person.phone):
        if value and value.strip():
            return normal_login_name(value)
    return None


def invite(uow: UnitOfWork, tenant_id, people_rows, purpose: str, created_by) -> dict:
    """A code for each person; those who cannot have one are listed with the reason. The answer
    is the printable sheet: each code is shown this once and handed to its person alone."""
    lifetime = rules.INVITATION_LIFETIME if purpose == "invitation" else rules.RESET_LIFETIME
    expires_at = sessions.utcnow() + lifetime
    has_account = set(uow.session.execute(select(models.accounts.c.person_id).where(
        models.accounts.c.person_id.in_([p.id for p in people_rows]))).scalars())
    issued, skipped = [], []
    for person in people_rows:
        login_name = login_name_of(person)
        if person.left_at is not None:
            skipped.append({"member_id": str(person.id), "name": person.name, "reason": "has left the roster"})
        elif login_name is None:
            skipped.append({"member_id": str(person.id), "name": person.name,
                            "reason": "no staff or student number and no phone to sign in with"})
        elif purpose == "invitation" and person.id in has_account:
            skipped.append({"member_id": str(person.id), "name": person.name,
                            "reason": "already has an account (send a password reset instead)"})
        else:
            code = new_code()
            uow.session.execute(models.invitations.insert().values(
                code_hash=code_hash(code), tenant_id=tenant_id, person_id=person.id, login_name=login_name,
                purpose=purpose, created_by=created_by, expires_at=expires_at))
            issued.append({"member_id": str(person.id), "name": person.name, "login_name": login_name,
                           "code": code, "expires_at": expires_at.isoformat()})
    return {"purpose": purpose, "invitations": issued, "skipped": skipped}


def accept(uow: UnitOfWork, tenant_code: str, code: str, password: str) -> dict:
    """Set the password an invitation or reset code allows, once. Every refusal names the field
    and changes nothing."""
    i, people = models.invitations, models.people
    row = uow.session.execute(
        select(i, people.c.left_at).join(models.tenants, models.tenants.c.id == i.c.tenant_id)
        .join(people, people.c.id == i.c.person_id)
        .where(models.tenants.c.code == tenant_code, i.c.code_hash == code_hash(code.strip().upper()))
        .with_for_update(of=i)).first()
    now = sessions.utcnow()
    if row is None:
        raise InvalidInput.field("code", "unknown code for this college; check it or ask for a new one")
    if row.used_at is not None:
        raise InvalidInput.field("code", "this code was already used; ask for a new one")
    if row.expires_at <= now or row.left_at is not None:
        raise InvalidInput.field("code", "this code has expired; ask for a new one")
    problem = rules.password_problem(password, row.login_name)
    if problem:
        raise InvalidInput.field("password", problem)
    a = models.accounts
    clash = uow.session.execute(select(a.c.person_id).where(
        a.c.tenant_id == row.tenant_id, a.c.login_name == row.login_name, a.c.person_id != row.person_id)).first()
    if clash is not None:
        raise InvalidInput.field("code", "another account already signs in with this login name; ask an admin")
    hashed = passwords.hash_password(password)
    exists = uow.session.execute(a.update().where(a.c.person_id == row.person_id).values(
        password_hash=hashed, login_name=row.login_name, password_changed_at=now)).rowcount
    if not exists:
        uow.session.execute(a.insert().values(person_id=row.person_id, tenant_id=row.tenant_id,
                                              login_name=row.login_name, password_hash=hashed))
    # One code per purpose is live at a time: using one ends its siblings too.
    uow.session.execute(i.update().where(i.c.person_id == row.person_id, i.c.used_at.is_(None)).values(used_at=now))
    if row.purpose == "reset":
        # Whoever knew the old password is signed out everywhere.
        s = models.sessions
        uow.session.execute(s.update().where(s.c.person_id == row.person_id, s.c.revoked_at.is_(None))
                            .values(revoked_at=now))
        sessions.announce(uow, row.tenant_id, row.person_id, [], "password_changed")
    return {"member_id": str(row.person_id), "login_name": row.login_name}
