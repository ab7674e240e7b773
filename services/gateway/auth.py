"""Bearer-token authentication at the edge.

A token maps to a tenant, an optional person, roles (stored hashed by `members`) and, for an
officer, the org units they manage. Answers are cached briefly so a busy gateway does not ask
`members` on every request; a revoked token therefore stops working, and a new or ended
appointment takes effect outside members, within TOKEN_CACHE_SECONDS.
"""
from __future__ import annotations

import hashlib
import hmac
import time

from nameko.extensions import DependencyProvider

from services.common.errors import Unauthenticated
from services.common.settings import from_container
from services.common.tenancy import PLATFORM_ADMIN

TOKEN_CACHE_SECONDS = 30
MAX_CACHED = 10_000


class TokenCache(DependencyProvider):
    def setup(self):
        self.platform_token = from_container(self.container).platform_admin_token
        self._cache: dict[str, tuple[float, dict]] = {}

    def get_dependency(self, worker_ctx):
        return self

    def is_platform_admin(self, token: str) -> bool:
        return hmac.compare_digest(token.encode(), self.platform_token.encode())

    def resolve(self, token: str, lookup) -> dict:
        """The identity behind `token`; `lookup(token)` asks members on a cache miss."""
        if self.is_platform_admin(token):
            return {"tenant_id": None, "person_id": None, "roles": [PLATFORM_ADMIN]}
        key = hashlib.sha256(token.encode()).hexdigest()
        now = time.monotonic()
        hit = self._cache.get(key)
        if hit and hit[0] > now:
            return hit[1]
        identity = lookup(token)
        if len(self._cache) >= MAX_CACHED:
            self._cache.clear()
        self._cache[key] = (now + TOKEN_CACHE_SECONDS, identity)
        return identity


def bearer_token(request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Authorization: expected 'Bearer <token>'")
    return token.strip()
