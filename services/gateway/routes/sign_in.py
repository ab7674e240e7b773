"""Signing in (password, WeCom, DingTalk) and out, invitations and resets, who am I, and one's own
sessions and tokens."""
from __future__ import annotations

import secrets

from services.common.contracts.api import sign_in as sign_in_api
from services.common.contracts.api.answers import OpenObject
from services.common.errors import Unauthenticated
from services.gateway import auth
from services.gateway.parsing import json_body
from services.gateway.routing import route


class SignInRoutes:
    @route("POST", "/v1/sign-in", authenticated=False, refuses=(401, 429), answers=sign_in_api.SignedIn, body=sign_in_api.SignIn)
    def sign_in(self, request):
        """Login name and password, in the college named by `tenant` (its code). The session travels
        in cookies; the answer carries the CSRF token every write must echo in X-CSRF-Token."""
        signed_in = self.members.sign_in(json_body(request), request.remote_addr or "unknown")
        return self._session_started(request, signed_in)

    def _session_started(self, request, signed_in: dict) -> dict:
        cookies = self.credentials.session_cookies(signed_in)
        auth.set_cookies(request, cookies)
        credential = signed_in["credential"]
        return {"member_id": credential["person_id"], "tenant_id": credential["tenant_id"],
                "roles": credential["roles"], "csrf_token": cookies[-1][1],
                "session_expires_at": signed_in["session_expires_at"]}

    @route("POST", "/v1/sign-in/<provider>/start", authenticated=False, answers=OpenObject, body=sign_in_api.ProviderStart)
    def start_provider_sign_in(self, request, provider):
        """WeCom or DingTalk: {tenant, redirect_uri} -> where to send the browser. The state travels
        to the provider and, signed, in a cookie of this browser, so only this browser finishes it."""
        body = json_body(request)
        state = secrets.token_urlsafe(24)
        answer = self.members.oauth_authorize_url(provider, {**body, "state": state})
        auth.set_cookies(request, [self.credentials.oauth_state_cookie(state, str(body.get("tenant")), provider)])
        return answer

    @route("POST", "/v1/sign-in/<provider>", authenticated=False, refuses=(401, 429), answers=sign_in_api.SignedIn, body=sign_in_api.ProviderFinish)
    def finish_provider_sign_in(self, request, provider):
        """The page the provider sent the browser back to posts {code, state}."""
        body = json_body(request)
        tenant = self.credentials.oauth_tenant(request, provider, body.get("state"))
        signed_in = self.members.oauth_sign_in(provider, {"tenant": tenant, "code": body.get("code")},
                                               request.remote_addr or "unknown")
        return self._session_started(request, signed_in)

    @route("POST", "/v1/sign-out", answers=sign_in_api.SignedOut)
    def sign_out(self, request):
        secret = request.cookies.get(auth.SESSION_COOKIE)
        if not secret:
            raise Unauthenticated("signing out ends a browser session; revoke a token with DELETE /v1/tokens/<id>")
        self.members.sign_out(secret)
        auth.set_cookies(request, auth.ended_session_cookies())
        return {"signed_out": True}

    @route("POST", "/v1/invitations/accept", authenticated=False, refuses=(401, 429), answers=OpenObject, body=sign_in_api.InvitationAccept)
    def accept_invitation(self, request):
        """Set one's password with an invitation or reset code: {tenant, code, password}."""
        return self.members.accept_invitation(json_body(request))

    @route("POST", "/v1/invitations", status=201, answers=OpenObject, body=sign_in_api.InvitationCreate)
    def invite(self, request):
        """Codes for `member_ids`, or for everyone without an account in `org_unit_id`: the printable sheet."""
        return self.members.invite(json_body(request))

    @route("POST", "/v1/members/<member_id>/password-reset", status=201, answers=OpenObject)
    def reset_password(self, request, member_id):
        return self.members.reset_password(member_id)

    @route("POST", "/v1/members/<member_id>/revoke-sign-ins", answers=OpenObject)
    def revoke_sign_ins(self, request, member_id):
        return self.members.revoke_sign_ins(member_id)

    @route("GET", "/v1/me", answers=OpenObject)
    def me(self, request):
        return self.members.me()

    @route("GET", "/v1/me/sessions", answers=OpenObject)
    def my_sessions(self, request):
        return self.members.my_sessions()

    @route("DELETE", "/v1/me/sessions/<session_id>", answers=sign_in_api.SessionEnded)
    def end_my_session(self, request, session_id):
        self.members.end_my_session(session_id)
        return {"ended": True}

    @route("PUT", "/v1/tenant/sign-in/<provider>", answers=OpenObject, body=sign_in_api.ProviderConfig)
    def configure_sign_in_provider(self, request, provider):
        """The college's WeCom or DingTalk app: {client_id, client_secret, agent_id}."""
        return self.members.configure_sign_in_provider(provider, json_body(request))

    @route("DELETE", "/v1/tokens/<token_id>", answers=sign_in_api.TokenRevoked)
    def revoke_token(self, request, token_id):
        self.members.revoke_token(token_id)
        return {"revoked": True}
