"""The key and the fingerprint of an HTTP write request (pure; services.common.idempotency uses them).

A client may send `Idempotency-Key: <key>` with any write. The key is scoped to the tenant and
the caller, so two colleges, or two people, choosing the same key never meet: the request key is
a hash of the three. The fingerprint (method, path, canonical body) tells a copy of the request
from another request sent with the same key by mistake.
"""
from __future__ import annotations

import hashlib
import json

from services.common.errors import InvalidInput
from services.common.tenancy import IDEMPOTENCY_HEADER

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Enough for a UUID, a ULID or a client's own "<form>-<timestamp>-<random>".
MAX_KEY_LENGTH = 255


def checked_key(raw: str) -> str:
    """The client's key as sent, or InvalidInput naming the header: 1 to MAX_KEY_LENGTH printable
    ASCII characters (RFC 8941 string characters, as the IETF Idempotency-Key draft uses)."""
    if not raw:
        raise InvalidInput.field(IDEMPOTENCY_HEADER, "must not be empty")
    if len(raw) > MAX_KEY_LENGTH:
        raise InvalidInput.field(IDEMPOTENCY_HEADER, f"at most {MAX_KEY_LENGTH} characters, got {len(raw)}")
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in raw):
        raise InvalidInput.field(IDEMPOTENCY_HEADER, "must not contain control characters")
    if any(ord(char) > 0x7E for char in raw):
        raise InvalidInput.field(IDEMPOTENCY_HEADER, "printable ASCII characters only")
    return raw


def caller_scope(person_id: str | None, token: str) -> str:
    """Who sends the key: the person behind the token, or for a token that names no person (a
    college's admin token, the platform token) the token itself, hashed."""
    if person_id:
        return f"person:{person_id}"
    return "token:" + hashlib.sha256(token.encode()).hexdigest()


def request_key(tenant_id: str | None, caller: str, key: str) -> str:
    """The request key a client's Idempotency-Key stands for: 64 hex characters."""
    scoped = json.dumps([tenant_id or "", caller, key], ensure_ascii=False)
    return hashlib.sha256(scoped.encode()).hexdigest()


def fingerprint(method: str, path: str, query: bytes, body: bytes) -> str:
    """A hash of what the request asks: the same JSON in another spacing or key order is the same
    request; a body that is not JSON is compared byte for byte."""
    try:
        canonical = json.dumps(json.loads(body or b"null"), sort_keys=True, separators=(",", ":"),
                               ensure_ascii=False).encode()
    except (ValueError, RecursionError):  # not JSON, or nested too deeply: the route refuses it, naming the body
        canonical = body
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), query, canonical):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()
