"""Password hashing with Argon2id (argon2-cffi).

Parameters: time_cost=2, memory_cost=19 MiB, parallelism=1, a 16-byte salt and a 32-byte hash:
the OWASP Password Storage Cheat Sheet's first Argon2id configuration, which RFC 9106 also
allows. Why these: a hash costs about 20-40 ms of one core here, so a sign-in stays well under
a tenth of a second, and 19 MiB per concurrent sign-in keeps a burst of a hundred sign-ins on a
small members replica within memory; an offline attacker with a stolen table still pays 19 MiB
and two passes per guess. The parameters travel inside each hash, so raising them later needs no
migration: `needs_rehash` tells the sign-in to store the password again with the new ones.
"""
from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16,
                        type=Type.ID)


def hash_password(password: str) -> str:
    return HASHER.hash(password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return HASHER.hash("a password no account has")


def verify(stored_hash: str | None, password: str) -> bool:
    """Whether `password` matches; with no hash (an unknown login name) a dummy is verified, so the
    answer takes as long as for a wrong password and timing does not tell who has an account."""
    try:
        return HASHER.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return HASHER.check_needs_rehash(stored_hash)
