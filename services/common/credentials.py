"""Short-lived credentials the gateway checks without asking anyone, and the list of stale ones.

Members is the authority on sessions and tokens: it answers a renewal with an identity (tenant,
person, roles, managed units) stamped with the session or token it came from (`sid`), when it
was issued and when it expires, at most CREDENTIAL_LIFETIME_SECONDS later. The gateway signs that
identity into a cookie (HMAC-SHA256) and, for a bearer token, keeps it in memory; either way a
request then costs one HMAC, not an RPC and not a query.

What makes revocation immediate is `StaleCredentials`: members publishes `credentials_revoked`
(a sign-out, an admin's revoke, a person leaving, a change of roles) and every gateway process
notes "credentials of this session, or of this person, issued before T are stale"; a stale
credential is renewed against members, which refuses it when the session or token has ended.
An entry is needed only as long as a credential issued before T could still be unexpired.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json

CREDENTIAL_LIFETIME_SECONDS = 300


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def derive_key(secret: str, purpose: str) -> bytes:
    """A key for one purpose from a configured secret, so one leaked use does not forge another."""
    return hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).digest()


def sign(identity: dict, key: bytes) -> str:
    body = _b64(json.dumps(identity, separators=(",", ":"), sort_keys=True).encode())
    return f"{body}.{_b64(hmac.new(key, body.encode(), hashlib.sha256).digest())}"


def verified(credential: str | None, key: bytes) -> dict | None:
    """The identity a credential carries when its signature is ours, else None (forged, cut or
    garbled). Expiry is the caller's check: it needs the clock."""
    if not credential or credential.count(".") != 1 or len(credential) > 8192:
        return None
    body, signature = credential.split(".")
    expected = _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        return None
    try:
        identity = json.loads(_unb64(body))
    except ValueError:
        return None
    return identity if isinstance(identity, dict) else None


def csrf_token(key: bytes, sid: str) -> str:
    """The anti-forgery token of a session: readable by the page (a cookie without HttpOnly) and
    sent back in a header on every write. Derived from the session, so a token planted from
    elsewhere (a sibling subdomain's cookie) does not match."""
    return _b64(hmac.new(key, f"csrf:{sid}".encode(), hashlib.sha256).digest())


class StaleCredentials:
    """Per gateway process: which credentials must be renewed before they are trusted again."""

    def __init__(self, started_at: float):
        # Credentials issued before this process started are renewed once: it may have missed
        # revocations while it was down. (Members' clock against ours: seconds of skew at most.)
        self.started_at = started_at
        self._before: dict[str, float] = {}

    def note(self, keys, issued_before: float, now: float) -> None:
        """Credentials of `keys` (a session's sid, or "person:<id>") issued before `issued_before`."""
        for key in keys:
            self._before[key] = max(self._before.get(key, 0.0), issued_before)
        self._forget_older_than(now - CREDENTIAL_LIFETIME_SECONDS - 60)

    def is_stale(self, identity: dict) -> bool:
        issued = identity.get("issued_at", 0.0)
        if issued < self.started_at:
            return True
        for key in (identity.get("sid"), f"person:{identity.get('person_id')}"):
            if key in self._before and issued <= self._before[key]:
                return True
        return False

    def _forget_older_than(self, horizon: float) -> None:
        # Anything issued before `horizon` has expired by itself; the list stays small.
        for key in [key for key, before in self._before.items() if before < horizon]:
            del self._before[key]
