"""The members service's entrypoints for sign-in (mixed into MembersService): invitations and
resets, signing in and out, renewing the gateway's credentials, listing and ending sessions."""
from __future__ import annotations

from sqlalchemy import select

from services.common.errors import Forbidden, InvalidInput
from services.common.rpc import rpc
from services.common.validation import parse_uuid, validate
from services.members import access, lookups, models
from services.common.contracts.api import sign_in as sign_in_api
from services.members.accounts import console, invitations, oauth, sessions, sign_in


class AccountEndpoints:
    provider_apis = oauth.ProviderApis()

    # Entrypoints marked claims_request=False keep no answer for an Idempotency-Key
    # (services.common.idempotency): a session's secret or an invitation's codes must not lie in
    # the answers table, and a refused sign-in must commit its failure for the throttle. Each is
    # safe to repeat on its own: a repeated sign-in opens another session, a sign-out ends what
    # is live, a code is used once, and using one ends the person's other codes.
    # -- called by the gateway without a signed-in caller -------------------------------------

    @rpc(claims_request=False)
    def sign_in(self, payload: dict, client_address: str) -> dict:
        data = validate(sign_in_api.SignIn, payload)
        with self.db.transaction() as uow:
            outcome = sign_in.attempt(uow, data.tenant, data.login_name, data.password, str(client_address))
        if isinstance(outcome, sign_in.Refusal):
            outcome.raise_it()  # after the commit: the failure is on record for the throttle
        return outcome

    @rpc(claims_request=False)
    def oauth_authorize_url(self, provider: str, payload: dict) -> dict:
        """Where to send the browser to sign in with WeCom or DingTalk (the gateway keeps the state)."""
        chosen = oauth.provider(provider)
        data = validate(sign_in_api.OAuthStart, payload)
        with self.db.reader() as session:
            config = oauth.config_of(session, data.tenant, chosen)
        return {"authorize_url": oauth.authorize_url(chosen, config, data.redirect_uri, data.state)}

    @rpc(claims_request=False)
    def oauth_sign_in(self, provider: str, payload: dict, client_address: str) -> dict:
        """Trade a WeCom or DingTalk sign-in code for a session of the person with that user id."""
        chosen = oauth.provider(provider)
        data = validate(sign_in_api.OAuthSignIn, payload)
        with self.db.reader() as session:
            config = oauth.config_of(session, data.tenant, chosen)
        base = self.provider_apis[chosen.name]
        try:
            # Outside any transaction: the provider may take seconds, a connection should not wait.
            found = oauth.user_id(chosen, base, config, data.code)
            with self.db.transaction() as uow:
                person_id = oauth.person_for(uow.session, config.tenant, chosen, found)
                signed_in = sessions.open_session(uow, config.tenant, person_id, chosen.name, str(client_address))
        except Exception as exc:
            sign_in.SIGN_INS.labels(chosen.name, "failed").inc()
            raise exc
        sign_in.SIGN_INS.labels(chosen.name, "succeeded").inc()
        return signed_in

    @rpc
    def configure_sign_in_provider(self, provider: str, payload: dict) -> dict:
        self.caller.require_admin()
        chosen = oauth.provider(provider)
        data = validate(sign_in_api.ProviderConfig, payload)
        with self.db.transaction() as uow:
            return oauth.configure(uow, self.caller.tenant_id, chosen, data)

    @rpc(claims_request=False)
    def accept_invitation(self, payload: dict) -> dict:
        data = validate(sign_in_api.InvitationAccept, payload)
        with self.db.transaction() as uow:
            return invitations.accept(uow, data.tenant, data.code, data.password)

    @rpc(claims_request=False)
    def renew_session(self, secret: str) -> dict:
        """A fresh credential for a browser session (the gateway calls it when its own expired)."""
        with self.db.transaction() as uow:
            return sessions.renew(uow, str(secret))

    @rpc
    def authenticate(self, token: str) -> dict:
        """A bearer token's credential (the gateway calls it when its own expired or went stale)."""
        with self.db.reader() as session:
            return sessions.authenticate_token(session, access.hash_token(str(token)))

    @rpc(claims_request=False)
    def sign_out(self, secret: str) -> None:
        with self.db.transaction() as uow:
            sessions.sign_out(uow, str(secret))

    # -- the signed-in caller ----------------------------------------------------------------

    @rpc
    def me(self) -> dict:
        caller = self.caller
        with self.db.reader() as session:
            tenant = lookups.tenant(session, caller.tenant_id)
            person = lookups.person(session, caller.tenant_id, caller.caller_id) if caller.caller_id else None
            units = access.managed_units(session, caller.tenant_id, caller) if caller.caller_id else set()
        return console.me(tenant, person, sorted(caller.roles), sorted(str(unit) for unit in units), caller.is_admin)

    @rpc
    def my_sessions(self) -> dict:
        if self.caller.caller_id is None:
            raise Forbidden("this credential belongs to no person")
        with self.db.reader() as session:
            return sessions.list_for_person(session, self.caller.tenant_id, self.caller.caller_id)

    @rpc
    def end_my_session(self, session_id) -> None:
        session_id = parse_uuid(session_id, "session_id")
        if self.caller.caller_id is None:
            raise Forbidden("this credential belongs to no person")
        with self.db.transaction() as uow:
            sessions.end_own_session(uow, self.caller.tenant_id, self.caller.caller_id, session_id)

    @rpc
    def revoke_token(self, token_id) -> None:
        token_id = parse_uuid(token_id, "token_id")
        with self.db.transaction() as uow:
            sessions.revoke_token(uow, self.caller.tenant_id, self.caller, token_id)

    # -- officers and admins --------------------------------------------------------------------

    @rpc(claims_request=False)
    def invite(self, payload: dict) -> dict:
        self.caller.require_officer()
        data = validate(sign_in_api.InvitationCreate, payload)
        with self.db.transaction() as uow:
            people = self._people_to_invite(uow, data)
            return invitations.invite(uow, self.caller.tenant_id, people, "invitation", self.caller.caller_id)

    def _people_to_invite(self, uow, data: sign_in_api.InvitationCreate) -> list:
        p, tenant_id = models.people, self.caller.tenant_id
        if data.org_unit_id is not None:
            if lookups.org_unit(uow.session, tenant_id, data.org_unit_id) is None:
                raise InvalidInput.field("org_unit_id", "no such org unit in this tenant")
            self._require_manages(uow, org_unit_id=data.org_unit_id)
            units = lookups.subtree_ids(uow.session, tenant_id, data.org_unit_id)
            has_account = select(models.accounts.c.person_id)
            return uow.session.execute(select(p).where(
                p.c.tenant_id == tenant_id, p.c.org_unit_id.in_(units), p.c.left_at.is_(None),
                p.c.id.not_in(has_account)).order_by(p.c.name)).all()
        for member_id in data.member_ids:
            self._require_manages(uow, member_id=member_id)
        return [lookups.person(uow.session, tenant_id, member_id) for member_id in dict.fromkeys(data.member_ids)]

    @rpc(claims_request=False)
    def reset_password(self, member_id) -> dict:
        member_id = parse_uuid(member_id, "member_id")
        self.caller.require_officer()
        with self.db.transaction() as uow:
            self._require_manages(uow, member_id=member_id)
            person = lookups.person(uow.session, self.caller.tenant_id, member_id)
            return invitations.invite(uow, self.caller.tenant_id, [person], "reset", self.caller.caller_id)

    @rpc
    def revoke_sign_ins(self, member_id) -> dict:
        """End every session and token of a person at once."""
        member_id = parse_uuid(member_id, "member_id")
        self.caller.require_officer()
        with self.db.transaction() as uow:
            self._require_manages(uow, member_id=member_id)
            return {"ended": sessions.revoke_everything(uow, self.caller.tenant_id, member_id, "revoked")}
