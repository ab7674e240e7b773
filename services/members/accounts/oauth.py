"""Sign-in with WeCom (企业微信) or DingTalk (钉钉), configured per tenant.

Both are the OAuth2 code flow of an enterprise's own app: the console sends the browser to the
provider's authorize page; the provider sends it back with a one-time code; members trades the
code for the user id within the college's organisation (with the app's access token) and signs
in the person whose `wecom_user_id` / `dingtalk_user_id` it is. An id nobody on the roster has is
refused with a clear answer, never turned into a new person or account.

WeCom:    GET {base}/cgi-bin/gettoken?corpid=&corpsecret=   GET {base}/cgi-bin/auth/getuserinfo?access_token=&code=
DingTalk: GET {base}/gettoken?appkey=&appsecret=             POST {base}/topapi/v2/user/getuserinfo?access_token= {"code"}
Both answer {"errcode": 0, ...}; another errcode is the provider's refusal, named in our answer.
"""
from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from nameko.extensions import DependencyProvider
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from services.common.db import UnitOfWork
from services.common.errors import InvalidInput, ServiceUnavailable, Unauthenticated
from services.common.settings import from_container
from services.members import models
from services.members.accounts import sessions

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 5


@dataclass(frozen=True)
class Provider:
    name: str
    label: str
    person_column: str
    authorize_base: str


PROVIDERS = {
    "wecom": Provider("wecom", "WeCom", "wecom_user_id", "https://open.weixin.qq.com/connect/oauth2/authorize"),
    "dingtalk": Provider("dingtalk", "DingTalk", "dingtalk_user_id", "https://login.dingtalk.com/oauth2/auth"),
}


class ProviderApis(DependencyProvider):
    """The base URL of each provider's server API, from the settings (WECOM_API_BASE, DINGTALK_API_BASE)."""

    def setup(self):
        settings = from_container(self.container)
        self.bases = {"wecom": settings.wecom_api_base.rstrip("/"), "dingtalk": settings.dingtalk_api_base.rstrip("/")}

    def get_dependency(self, worker_ctx):
        return self.bases


def provider(name: str) -> Provider:
    if name not in PROVIDERS:
        raise InvalidInput.field("provider", f"expected one of {', '.join(sorted(PROVIDERS))}")
    return PROVIDERS[name]


def authorize_url(chosen: Provider, config, redirect_uri: str, state: str) -> str:
    """Where the browser goes to sign in with the provider (pure)."""
    if chosen.name == "wecom":
        query = {"appid": config.client_id, "redirect_uri": redirect_uri, "response_type": "code",
                 "scope": "snsapi_base", "agentid": config.agent_id or "", "state": state}
        return f"{chosen.authorize_base}?{urllib.parse.urlencode(query)}#wechat_redirect"
    query = {"client_id": config.client_id, "redirect_uri": redirect_uri, "response_type": "code",
             "scope": "openid", "state": state, "prompt": "consent"}
    return f"{chosen.authorize_base}?{urllib.parse.urlencode(query)}"


def refusal(chosen: Provider, step: str, answer: dict) -> Exception | None:
    """Our answer to a provider's error code, or None when it answered errcode 0 (pure). A refused
    code is the person's to retry; a refused app secret is the admin's to fix."""
    code = answer.get("errcode")
    if code == 0:
        return None
    said = f"errcode {code}: {str(answer.get('errmsg', ''))[:100]}"
    if step == "token":
        return ServiceUnavailable(f"{chosen.label} refused this college's app credentials ({said}); "
                                  f"ask an admin to check the {chosen.label} sign-in settings")
    return Unauthenticated(f"{chosen.label} did not accept the sign-in code ({said}); start the sign-in again")


def _call(chosen: Provider, request: urllib.request.Request) -> dict:
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            answer = json.loads(response.read(1 << 20))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        log.warning("%s unreachable: %s", chosen.label, exc)
        raise ServiceUnavailable(f"{chosen.label} is unreachable at the moment; try again shortly") from None
    if not isinstance(answer, dict):
        raise ServiceUnavailable(f"{chosen.label} answered something unexpected; try again shortly")
    return answer


def _checked(chosen: Provider, step: str, answer: dict) -> dict:
    problem = refusal(chosen, step, answer)
    if problem is not None:
        raise problem
    return answer


def user_id(chosen: Provider, base: str, config, code: str) -> str:
    """The provider's user id for a sign-in code, within the college's organisation."""
    if chosen.name == "wecom":
        token = _checked(chosen, "token", _call(chosen, urllib.request.Request(
            f"{base}/cgi-bin/gettoken?" + urllib.parse.urlencode({"corpid": config.client_id,
                                                                   "corpsecret": config.client_secret}))))
        answer = _checked(chosen, "code", _call(chosen, urllib.request.Request(
            f"{base}/cgi-bin/auth/getuserinfo?" + urllib.parse.urlencode(
                {"access_token": token.get("access_token", ""), "code": code}))))
        found = answer.get("userid")  # someone outside the organisation gets an openid instead
    else:
        token = _checked(chosen, "token", _call(chosen, urllib.request.Request(
            f"{base}/gettoken?" + urllib.parse.urlencode({"appkey": config.client_id,
                                                         "appsecret": config.client_secret}))))
        answer = _checked(chosen, "code", _call(chosen, urllib.request.Request(
            f"{base}/topapi/v2/user/getuserinfo?" + urllib.parse.urlencode(
                {"access_token": token.get("access_token", "")}),
            data=json.dumps({"code": code}).encode(), headers={"Content-Type": "application/json"})))
        found = (answer.get("result") or {}).get("userid")
    if not found or not isinstance(found, str):
        raise Unauthenticated(f"this {chosen.label} account is not a member of the college's organisation")
    return found


def config_of(session, tenant_code: str, chosen: Provider):
    p, t = models.sign_in_providers, models.tenants
    row = session.execute(select(p, t.c.id.label("tenant")).join(t, t.c.id == p.c.tenant_id)
                          .where(t.c.code == tenant_code, p.c.provider == chosen.name)).first()
    if row is None:
        raise InvalidInput.field("provider", f"this college has not set up sign-in with {chosen.label}")
    return row


def configure(uow: UnitOfWork, tenant_id, chosen: Provider, data) -> dict:
    p = models.sign_in_providers
    values = {"client_id": data.client_id, "client_secret": data.client_secret, "agent_id": data.agent_id,
              "updated_at": sessions.utcnow()}
    uow.session.execute(insert(p).values(tenant_id=tenant_id, provider=chosen.name, **values)
                        .on_conflict_do_update(index_elements=["tenant_id", "provider"], set_=values))
    return {"provider": chosen.name, "client_id": data.client_id, "agent_id": data.agent_id}


def person_for(session, tenant_id, chosen: Provider, found: str):
    people = models.people
    row = session.execute(select(people.c.id).where(
        people.c.tenant_id == tenant_id, people.c[chosen.person_column] == found, people.c.left_at.is_(None))).first()
    if row is None:
        raise Unauthenticated(f"no one on this college's roster has {chosen.label} user id {found[:64]!r}; "
                              f"ask your branch secretary to record it on your roster entry")
    return row.id
