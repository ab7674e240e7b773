"""The gateway's credential check: no call to members while a credential lives, a renewal when
it expired or went stale, and refusals for forged cookies and writes without the CSRF token."""
import time
import uuid

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from services.common import credentials
from services.common.contracts.members import CredentialsRevoked
from services.common.errors import Forbidden, Unauthenticated
from services.gateway import auth

PERSON = str(uuid.uuid4())


class Members:
    """Stands in for the members RPC proxy, counting renewals."""

    def __init__(self):
        self.renewals = 0

    def identity(self):
        now = time.time()
        return {"tenant_id": str(uuid.uuid4()), "person_id": PERSON, "roles": ["member"], "managed_units": [],
                "sid": "session:1", "issued_at": now, "expires_at": now + credentials.CREDENTIAL_LIFETIME_SECONDS}

    def renew_session(self, secret):
        self.renewals += 1
        if secret != "the-secret":
            raise Unauthenticated("your session has ended; sign in again")
        return self.identity()

    def authenticate(self, token):
        self.renewals += 1
        return self.identity()


@pytest.fixture
def gate():
    checker = auth.Credentials.__new__(auth.Credentials)
    checker.platform_token = "platform-token-0123456789"
    checker.key = credentials.derive_key("secret", "session credentials")
    checker.stale = credentials.StaleCredentials(started_at=time.time() - 1)
    checker._bearer = {}
    return checker


def request(method="GET", cookies=None, headers=None):
    builder = EnvironBuilder(method=method, path="/v1/me", headers=headers or {})
    if cookies:
        builder.headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    return Request(builder.get_environ())


def signed_in(gate, members):
    identity = members.identity()
    return {auth.SESSION_COOKIE: "the-secret", auth.CREDENTIAL_COOKIE: credentials.sign(identity, gate.key)}


def test_a_live_cookie_credential_costs_no_call_to_members(gate):
    members = Members()
    cookies = signed_in(gate, members)
    for _ in range(3):
        assert gate.identify(request(cookies=cookies), members)["person_id"] == PERSON
    assert members.renewals == 0


def test_a_forged_credential_is_renewed_with_the_session_and_a_forged_session_refused(gate):
    members = Members()
    cookies = signed_in(gate, members)
    cookies[auth.CREDENTIAL_COOKIE] = cookies[auth.CREDENTIAL_COOKIE][:-2] + "xx"
    renewing = request(cookies=cookies)
    assert gate.identify(renewing, members)["person_id"] == PERSON and members.renewals == 1
    assert renewing.environ[auth.PENDING_COOKIES][0][0] == auth.CREDENTIAL_COOKIE
    cookies[auth.SESSION_COOKIE] = "guessed"
    with pytest.raises(Unauthenticated):
        gate.identify(request(cookies=cookies), members)


def test_a_revocation_makes_the_credential_renew_at_once(gate):
    members = Members()
    cookies = signed_in(gate, members)
    gate.note_revoked(CredentialsRevoked(tenant_id=uuid.uuid4(), member_id=uuid.UUID(PERSON), sids=[],
                                         issued_before=time.time(), reason="revoked"))
    gate.identify(request(cookies=cookies), members)
    assert members.renewals == 1


def test_a_cookie_write_needs_the_sessions_csrf_token(gate):
    members = Members()
    cookies = signed_in(gate, members)
    with pytest.raises(Forbidden):
        gate.identify(request("POST", cookies=cookies), members)
    with pytest.raises(Forbidden):
        gate.identify(request("POST", cookies=cookies, headers={auth.CSRF_HEADER: "planted"}), members)
    token = credentials.csrf_token(gate.key, "session:1")
    assert gate.identify(request("POST", cookies=cookies, headers={auth.CSRF_HEADER: token}), members)


def test_a_bearer_credential_is_asked_for_once_until_it_goes_stale(gate):
    members = Members()
    bearer = {"Authorization": "Bearer a-token"}
    gate.identify(request(headers=bearer), members)
    gate.identify(request(headers=bearer), members)
    assert members.renewals == 1
    gate.note_revoked(CredentialsRevoked(tenant_id=uuid.uuid4(), member_id=uuid.UUID(PERSON), sids=[],
                                         issued_before=time.time(), reason="left"))
    gate.identify(request(headers=bearer), members)
    assert members.renewals == 2


def test_a_credential_issued_before_the_gateway_started_is_renewed_once(gate):
    members = Members()
    earlier = {**members.identity(), "issued_at": time.time() - 10}
    cookies = {auth.SESSION_COOKIE: "the-secret", auth.CREDENTIAL_COOKIE: credentials.sign(earlier, gate.key)}
    gate.stale = credentials.StaleCredentials(started_at=time.time() - 5)
    gate.identify(request(cookies=cookies), members)
    gate.identify(request(cookies=cookies), members)
    assert members.renewals == 2  # the old cookie again: the browser would have sent the renewed one
