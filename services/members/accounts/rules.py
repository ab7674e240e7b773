"""The pure decisions of signing in: password rules, throttling and lockout, session lifetimes.

No database and no clock of their own: the callers hand in what they read and `now`.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Sequence

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256  # Argon2 takes any length; a megabyte "password" is a denial of service.

# Failed attempts within FAILURE_WINDOW lock the login name (whether or not it exists, so a
# lockout tells nothing) or the client address; the lock ends by itself after LOCKOUT.
FAILURE_WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
ACCOUNT_FAILURE_LIMIT = 5
ADDRESS_FAILURE_LIMIT = 20

# A browser session ends after IDLE_TIMEOUT without a request, and after ABSOLUTE_LIFETIME in
# any case; the signed credential the gateway checks on its own lives CREDENTIAL_LIFETIME.
IDLE_TIMEOUT = timedelta(hours=2)
ABSOLUTE_LIFETIME = timedelta(hours=12)
CREDENTIAL_LIFETIME = timedelta(minutes=5)
# Bearer tokens for scripts: a lifetime unless the issuer asks for less (or more, up to the cap).
TOKEN_DEFAULT_DAYS = 90
TOKEN_MAX_DAYS = 365
INVITATION_LIFETIME = timedelta(days=14)
RESET_LIFETIME = timedelta(hours=1)

_COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = _COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, login_name: str) -> str | None:
    """Why `password` may not be chosen, or None: at least MIN_PASSWORD_LENGTH characters, not a
    common password, not the login name itself."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"at most {MAX_PASSWORD_LENGTH} characters"
    folded = password.strip().lower()
    if folded in common_passwords():
        return "too common: it is on the list of passwords tried first by attackers"
    if folded == login_name.strip().lower():
        return "must not be the login name"
    return None


def locked_until(failures: Sequence[datetime], now: datetime, limit: int) -> datetime | None:
    """When the lock set by `failures` (the times of failed attempts, any order) ends, or None
    when there is no lock now: `limit` failures within FAILURE_WINDOW lock for LOCKOUT after the
    last of them. Attempts refused during a lock are not counted, so a lock ends on time even
    while someone keeps trying."""
    recent = sorted(at for at in failures if now - at < FAILURE_WINDOW + LOCKOUT)
    ends = [recent[i + limit - 1] + LOCKOUT for i in range(len(recent) - limit + 1)
            if recent[i + limit - 1] - recent[i] < FAILURE_WINDOW]
    return max(ends) if ends and max(ends) > now else None

def session_ends(created_at: datetime, last_seen_at: datetime) -> datetime:
    """When a session ends unless it is used again: idle timeout, capped by the absolute lifetime."""
    return min(last_seen_at + IDLE_TIMEOUT, created_at + ABSOLUTE_LIFETIME)


def credential_expires(now: datetime, session_expires: datetime) -> datetime:
    """A credential never outlives the session or token it was issued for."""
    return min(now + CREDENTIAL_LIFETIME, session_expires)


def token_lifetime(days: int | None) -> timedelta:
    if days is None:
        return timedelta(days=TOKEN_DEFAULT_DAYS)
    return timedelta(days=days)
