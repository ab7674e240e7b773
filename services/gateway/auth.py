"""Authentication at the edge: browser sessions (cookies) and bearer tokens (scripts).

Either way members answers with a short-lived credential (services.common.credentials): the
identity (tenant, person, roles, managed units), the session or token it came from, and its
expiry. Checking a request costs no RPC and no query while that credential lives:

* a browser holds it in an HttpOnly cookie signed by the gateway; on expiry the gateway renews it
  with the session cookie (members.renew_session) and sets the new one on the answer. Every
  cookie-authenticated write must carry the session's CSRF token in X-CSRF-Token.
* a bearer token's credential is kept in this process's memory, keyed by the token's hash, and
  renewed the same way (members.authenticate).

Revocation is immediate: members broadcasts `credentials_revoked` to every gateway process, which
notes the credentials it makes stale; a stale one is renewed, and members refuses an ended
session or token, a leaver's, or an expired one.
"""
from __future__ import annotations

import hashlib
import hmac
import time

from nameko.extensions import DependencyProvider

from services.common import credentials
from services.common.errors import Forbidden, InvalidInput, Unauthenticated
from services.common.settings import from_container
from services.common.tenancy import PLATFORM_ADMIN
from services.gateway.request_keys import WRITE_METHODS

SESSION_COOKIE = "__Host-session"
CREDENTIAL_COOKIE = "__Host-credential"
CSRF_COOKIE = "__Host-csrf"
CSRF_HEADER = "X-CSRF-Token"
# Binds a WeCom or DingTalk sign-in to the browser that started it (OAuth2's state), 10 minutes.
OAUTH_COOKIE = "__Host-oauth"
OAUTH_SECONDS = 600
MAX_CACHED = 10_000
# Where the answer's Set-Cookie headers wait for `route` (never the context data: that travels
# with every RPC call).
PENDING_COOKIES = "gateway.set_cookies"


class Credentials(DependencyProvider):
    """One per gateway process: its signing key, its bearer credentials and its stale list."""

    def setup(self):
        settings = from_container(self.container)
        self.platform_token = settings.platform_admin_token
        self.key = credentials.derive_key(settings.credential_secret, "session credentials")
        self.stale = credentials.StaleCredentials(started_at=time.time())
        self._bearer: dict[str, dict] = {}

    def get_dependency(self, worker_ctx):
        return self

    def identify(self, request, members) -> dict:
        """The identity behind the request's bearer token or session cookies."""
        if "Authorization" in request.headers:
            return self._bearer_identity(bearer_token(request), members)
        if SESSION_COOKIE in request.cookies or CREDENTIAL_COOKIE in request.cookies:
            identity = self._cookie_identity(request, members)
            if request.method in WRITE_METHODS:
                self.require_csrf(request, identity["sid"])
            return identity
        raise Unauthenticated("sign in, or send Authorization: Bearer <token>")

    def _usable(self, identity: dict | None) -> bool:
        return identity is not None and identity.get("expires_at", 0) > time.time() \
            and not self.stale.is_stale(identity)

    def _bearer_identity(self, token: str, members) -> dict:
        if hmac.compare_digest(token.encode(), self.platform_token.encode()):
            return {"tenant_id": None, "person_id": None, "roles": [PLATFORM_ADMIN], "sid": "platform"}
        key = hashlib.sha256(token.encode()).hexdigest()
        identity = self._bearer.get(key)
        if not self._usable(identity):
            identity = self._renewed(lambda: members.authenticate(token))
            if len(self._bearer) >= MAX_CACHED:
                self._bearer.clear()
            self._bearer[key] = identity
        return identity

    def _cookie_identity(self, request, members) -> dict:
        identity = credentials.verified(request.cookies.get(CREDENTIAL_COOKIE), self.key)
        if self._usable(identity):
            return identity
        secret = request.cookies.get(SESSION_COOKIE)
        if not secret:
            raise Unauthenticated("your session has ended; sign in again")
        identity = self._renewed(lambda: members.renew_session(secret))
        request.environ.setdefault(PENDING_COOKIES, []).append(self.credential_cookie(identity))
        return identity

    def _renewed(self, renew) -> dict:
        identity = renew()
        if self.stale.is_stale(identity):
            # A revocation overtook the answer on its way here: ask once more, after it.
            identity = renew()
        return identity

    def require_csrf(self, request, sid: str) -> None:
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent or not hmac.compare_digest(sent.encode(), credentials.csrf_token(self.key, sid).encode()):
            raise Forbidden(f"{CSRF_HEADER}: a write signed in by cookie must carry the session's CSRF token")

    def note_revoked(self, event) -> None:
        keys = list(event.sids) or [f"person:{event.member_id}"]
        self.stale.note(keys, event.issued_before, time.time())
        for key in [key for key, identity in self._bearer.items() if self.stale.is_stale(identity)]:
            self._bearer.pop(key, None)

    # -- cookies --------------------------------------------------------------------------------

    def credential_cookie(self, identity: dict) -> tuple[str, str, dict]:
        return CREDENTIAL_COOKIE, credentials.sign(identity, self.key), {
            "max_age": max(0, int(identity["expires_at"] - time.time())), "httponly": True}

    def session_cookies(self, signed_in: dict) -> list[tuple[str, str, dict]]:
        """The three cookies of a new session: its secret (HttpOnly, until the absolute lifetime),
        its first credential, and the CSRF token the page reads and echoes in a header."""
        identity = signed_in["credential"]
        lifetime = max(0, int(signed_in["session_expires_at"] - time.time()))
        return [
            (SESSION_COOKIE, signed_in["session_secret"], {"max_age": lifetime, "httponly": True}),
            self.credential_cookie(identity),
            (CSRF_COOKIE, credentials.csrf_token(self.key, identity["sid"]), {"max_age": lifetime, "httponly": False}),
        ]


    def oauth_state_cookie(self, state: str, tenant: str, provider: str) -> tuple[str, str, dict]:
        signed = credentials.sign({"state": state, "tenant": tenant, "provider": provider,
                                   "expires_at": time.time() + OAUTH_SECONDS}, self.key)
        return OAUTH_COOKIE, signed, {"max_age": OAUTH_SECONDS, "httponly": True}

    def oauth_tenant(self, request, provider: str, state) -> str:
        """The college a provider's callback belongs to, if it comes back to the browser that started
        it with the state it was given; otherwise the sign-in is refused (a forged or stale callback)."""
        started = credentials.verified(request.cookies.get(OAUTH_COOKIE), self.key)
        if not isinstance(state, str) or started is None or started.get("provider") != provider \
                or started.get("expires_at", 0) <= time.time() \
                or not hmac.compare_digest(str(started.get("state")).encode(), state.encode()):
            raise InvalidInput.field("state", "this sign-in was not started in this browser, or over 10 minutes "
                                              "ago; start it again")
        return started["tenant"]


def ended_session_cookies() -> list[tuple[str, str, dict]]:
    return [(name, "", {"max_age": 0, "httponly": name != CSRF_COOKIE})
            for name in (SESSION_COOKIE, CREDENTIAL_COOKIE, CSRF_COOKIE, OAUTH_COOKIE)]


def set_cookies(request, cookies) -> None:
    request.environ.setdefault(PENDING_COOKIES, []).extend(cookies)


def with_cookies(request, response):
    """Add the cookies a route or the authentication step set aside. `__Host-` cookies are Secure,
    for the whole site and for this host only; SameSite=Strict keeps them off cross-site requests."""
    for name, value, options in request.environ.get(PENDING_COOKIES, ()):
        response.set_cookie(name, value, max_age=options["max_age"], path="/", secure=True,
                            httponly=options["httponly"], samesite="Strict")
    return response


def bearer_token(request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Authorization: expected 'Bearer <token>'")
    return token.strip()


def request_secret(request) -> str:
    """What authenticated the request, for scoping an Idempotency-Key of a caller without a person."""
    if "Authorization" in request.headers:
        return bearer_token(request)
    return request.cookies.get(SESSION_COOKIE, "")
