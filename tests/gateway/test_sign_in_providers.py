"""Sign-in with WeCom and DingTalk against loopback stand-ins of their server APIs."""
import pytest

from tests.support.browser import Browser
from tests.support.infra import Api, free_port
from tests.support.sign_in_providers import APP_SECRET, ProviderStandIn

REDIRECT = "https://console.example.edu.cn/sign-in/callback"


@pytest.fixture
def stand_in():
    server = ProviderStandIn()
    yield server
    server.close()


@pytest.fixture
def gateway_with_providers(start_service, stand_in):
    port = free_port()
    start_service("members", WECOM_API_BASE=stand_in.url, DINGTALK_API_BASE=stand_in.url)
    for name in ("activities", "points", "notify"):
        start_service(name)
    start_service("gateway", HTTP_PORT=port)
    return f"http://127.0.0.1:{port}"


def _college(base):
    api = Api(base)
    college = api.new_tenant()
    for provider, client_id in (("wecom", "ww0123456789"), ("dingtalk", "dingappkey01")):
        configured = college.admin.ok("PUT", f"/v1/tenant/sign-in/{provider}",
                                      json={"client_id": client_id, "client_secret": APP_SECRET, "agent_id": "1000002"})
        assert "client_secret" not in configured
    return api, college


def _start(browser, college, provider):
    started = browser.request("POST", f"/v1/sign-in/{provider}/start",
                              json={"tenant": college.tenant["code"], "redirect_uri": REDIRECT})
    assert started.status_code == 200, started.text
    url = started.json()["authorize_url"]
    return url.split("state=")[1].split("&")[0].split("#")[0]


@pytest.mark.parametrize("provider, column", [("wecom", "wecom_user_id"), ("dingtalk", "dingtalk_user_id")])
def test_a_person_signs_in_with_the_providers_user_id(gateway_with_providers, stand_in, provider, column):
    api, college = _college(gateway_with_providers)
    member = college.add_member(**{column: "zhangwei01"})
    browser = Browser(gateway_with_providers)
    state = _start(browser, college, provider)
    stand_in.codes["one-time-code"] = "zhangwei01"

    signed_in = browser.request("POST", f"/v1/sign-in/{provider}", json={"code": "one-time-code", "state": state})

    assert signed_in.status_code == 200, signed_in.text
    browser.csrf = signed_in.json()["csrf_token"]
    assert browser.request("GET", "/v1/me").json()["person"]["id"] == member["id"]
    sessions = browser.request("GET", "/v1/me/sessions").json()["sessions"]
    assert [s["method"] for s in sessions] == [provider]


@pytest.mark.parametrize("provider", ["wecom", "dingtalk"])
def test_an_unknown_user_id_is_refused_and_nothing_is_created(gateway_with_providers, stand_in, provider, db_engine):
    from sqlalchemy import text

    api, college = _college(gateway_with_providers)
    browser = Browser(gateway_with_providers)
    state = _start(browser, college, provider)
    stand_in.codes["code-of-a-stranger"] = "stranger99"

    refused = browser.request("POST", f"/v1/sign-in/{provider}", json={"code": "code-of-a-stranger", "state": state})

    assert refused.status_code == 401
    assert "no one on this college's roster" in refused.json()["message"] and "stranger99" in refused.json()["message"]
    with db_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM members.people WHERE tenant_id = :t"),
                            {"t": college.tenant["id"]}).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM members.sessions WHERE tenant_id = :t"),
                            {"t": college.tenant["id"]}).scalar_one() == 0


@pytest.mark.parametrize("provider", ["wecom", "dingtalk"])
def test_the_providers_error_codes_are_named_in_a_clear_answer(gateway_with_providers, stand_in, provider):
    api, college = _college(gateway_with_providers)
    college.add_member(wecom_user_id="zhangwei01", dingtalk_user_id="zhangwei01")
    browser = Browser(gateway_with_providers)

    state = _start(browser, college, provider)
    bad_code = browser.request("POST", f"/v1/sign-in/{provider}", json={"code": "used-or-invented", "state": state})
    assert bad_code.status_code == 401
    assert "did not accept the sign-in code" in bad_code.json()["message"]
    assert ("40029" if provider == "wecom" else "40078") in bad_code.json()["message"]

    stand_in.token_error = {"errcode": 40013, "errmsg": "invalid corpid"}
    stand_in.codes["good-code"] = "zhangwei01"
    bad_app = browser.request("POST", f"/v1/sign-in/{provider}", json={"code": "good-code", "state": state})
    assert bad_app.status_code == 503 and "ask an admin" in bad_app.json()["message"]


def test_a_callback_without_the_browsers_state_is_refused(gateway_with_providers, stand_in):
    api, college = _college(gateway_with_providers)
    college.add_member(wecom_user_id="zhangwei01")
    started = Browser(gateway_with_providers)
    state = _start(started, college, "wecom")
    stand_in.codes["one-time-code"] = "zhangwei01"

    elsewhere = Browser(gateway_with_providers)  # the code and state, replayed from another browser
    refused = elsewhere.request("POST", "/v1/sign-in/wecom", json={"code": "one-time-code", "state": state})
    assert refused.status_code == 400 and refused.json()["details"][0]["field"] == "state"
    forged = started.request("POST", "/v1/sign-in/wecom", json={"code": "one-time-code", "state": "x" * 32})
    assert forged.status_code == 400
    assert "one-time-code" in stand_in.codes  # never sent to the provider
