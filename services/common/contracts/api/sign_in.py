"""Payloads of sign-in, invitations and resets."""
from __future__ import annotations

import uuid

from pydantic import Field, model_validator

from services.common.contracts.api.answers import Answer
from services.common.contracts.api.members import Strict

# Codes of tenants are short slugs; login names are numbers or phones; a password is capped
# before it reaches Argon2 (rules.MAX_PASSWORD_LENGTH, checked with a clear reason there).
TenantCode = Field(min_length=1, max_length=64)


class SignIn(Strict):
    tenant: str = TenantCode
    login_name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class InvitationCreate(Strict):
    """One by one (`member_ids`) or a whole branch (`org_unit_id`, everyone in it and its groups
    who has no account yet)."""

    member_ids: list[uuid.UUID] | None = Field(default=None, min_length=1, max_length=2000)
    org_unit_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def one_way(self):
        if (self.member_ids is None) == (self.org_unit_id is None):
            raise ValueError("member_ids: give member_ids or org_unit_id, not both and not neither")
        return self


class InvitationAccept(Strict):
    tenant: str = TenantCode
    code: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class OAuthStart(Strict):
    tenant: str = TenantCode
    redirect_uri: str = Field(min_length=1, max_length=500, pattern=r"^https://")
    state: str = Field(min_length=16, max_length=128)


class OAuthSignIn(Strict):
    tenant: str = TenantCode
    code: str = Field(min_length=1, max_length=256)


class ProviderConfig(Strict):
    client_id: str = Field(min_length=1, max_length=128)
    client_secret: str = Field(min_length=1, max_length=256)
    agent_id: str | None = Field(default=None, min_length=1, max_length=64)


class ProviderStart(Strict):
    """What the browser posts to start a WeCom or DingTalk sign-in (the gateway adds the state)."""

    tenant: str = TenantCode
    redirect_uri: str = Field(min_length=1, max_length=500, pattern=r"^https://")


class ProviderFinish(Strict):
    """What the page the provider sent the browser back to posts."""

    code: str = Field(min_length=1, max_length=256)
    state: str = Field(min_length=1, max_length=128)


# ---- answers ----


class SignedIn(Answer):
    """A session started: it travels in cookies; every write echoes `csrf_token` in X-CSRF-Token."""

    member_id: uuid.UUID
    tenant_id: uuid.UUID
    roles: list[str]
    csrf_token: str
    session_expires_at: str = Field(description="an ISO 8601 moment")


class SignedOut(Answer):
    signed_out: bool


class SessionEnded(Answer):
    ended: bool


class TokenRevoked(Answer):
    revoked: bool
