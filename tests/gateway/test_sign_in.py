"""Sign-in through the real gateway, members, broker and database: invitations, sessions in
cookies with CSRF, immediate revocation, tokens that end, and the abuse cases."""
import uuid

from sqlalchemy import text

from tests.support.browser import PASSWORD, Browser
from tests.support.infra import wait_until


def _invite_and_accept(api, college, member, password=PASSWORD) -> str:
    sheet = college.admin.ok("POST", "/v1/invitations", 201, json={"member_ids": [member["id"]]})
    code = sheet["invitations"][0]["code"]
    accepted = api.post("/v1/invitations/accept",
                        json={"tenant": college.tenant["code"], "code": code, "password": password})
    assert accepted.status_code == 200, accepted.text
    return sheet["invitations"][0]["login_name"]


def _activity(member_id: str) -> dict:
    return {"member_id": member_id, "kind": "theory_reading", "occurred_on": "2026-11-05", "details": {"title": "党章"}}


def _count(db_engine, sql: str, **params) -> int:
    with db_engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def test_an_invited_member_signs_in_logs_an_activity_with_csrf_and_signs_out(api, gateway, db_engine):
    college = api.new_tenant()
    member = college.add_member(external_no="T2001")
    login_name = _invite_and_accept(api, college, member)
    browser = Browser(gateway)

    signed_in = browser.sign_in(college.tenant["code"], login_name)
    assert signed_in.status_code == 200, signed_in.text
    set_cookie = signed_in.headers["Set-Cookie"]
    assert "HttpOnly" in set_cookie and "Secure" in set_cookie and "SameSite=Strict" in set_cookie
    me = browser.request("GET", "/v1/me")
    assert "Set-Cookie" not in me.headers  # the credential of the sign-in served: no renewal
    me = me.json()
    assert me["person"]["id"] == member["id"] and me["roles"] == ["member"]
    assert "my_activities" in me["console"] and "roster_import" not in me["console"]

    without_csrf = browser.request("POST", "/v1/activities", csrf=False, json=_activity(member["id"]))
    assert without_csrf.status_code == 403 and "X-CSRF-Token" in without_csrf.json()["message"]
    assert _count(db_engine, "SELECT count(*) FROM activities.activities WHERE member_id = :m", m=member["id"]) == 0
    logged = browser.request("POST", "/v1/activities", json=_activity(member["id"]))
    assert logged.status_code == 201, logged.text

    stolen = dict(browser.cookies)
    assert browser.request("POST", "/v1/sign-out").status_code == 200
    replayed = Browser(gateway)
    replayed.cookies = stolen
    wait_until(lambda: replayed.request("GET", "/v1/me").status_code == 401, timeout=5,
               message="the signed-out session refused")


def test_a_forged_credential_cookie_is_refused(api, gateway):
    college = api.new_tenant()
    member = college.add_member(external_no="T2002")
    browser = Browser(gateway)
    browser.sign_in(college.tenant["code"], _invite_and_accept(api, college, member))
    body, _, signature = browser.cookies["__Host-credential"].partition(".")
    forger = Browser(gateway)
    forger.cookies = {"__Host-credential": body + "." + signature[::-1]}
    assert forger.request("GET", "/v1/me").status_code == 401


def test_codes_wrong_reused_expired_and_bad_passwords_are_refused_naming_the_field(api, db_engine):
    college = api.new_tenant()
    member, other = college.add_member(external_no="T2003"), college.add_member("王芳", phone="13800000000")
    sheet = college.admin.ok("POST", "/v1/invitations", 201, json={"org_unit_id": college.branch["id"]})
    codes = {row["member_id"]: row["code"] for row in sheet["invitations"]}
    tenant = college.tenant["code"]

    def accept(code, password=PASSWORD):
        return api.post("/v1/invitations/accept", json={"tenant": tenant, "code": code, "password": password})

    for password, reason in (("short-9", "at least 10 characters"), ("qwertyuiop", "too common")):
        refused = accept(codes[member["id"]], password)
        assert refused.status_code == 400 and refused.json()["details"][0]["field"] == "password"
        assert reason in refused.json()["details"][0]["reason"]
    assert accept("AAAAA-BBBBB-CCCCC-DDDDD").json()["details"][0]["field"] == "code"
    other_college = api.new_tenant()
    elsewhere = api.post("/v1/invitations/accept",
                         json={"tenant": other_college.tenant["code"], "code": codes[member["id"]], "password": PASSWORD})
    assert elsewhere.status_code == 400 and "unknown code" in elsewhere.json()["message"]
    assert _count(db_engine, "SELECT count(*) FROM members.accounts WHERE person_id = :p", p=member["id"]) == 0

    assert accept(codes[member["id"]]).status_code == 200
    reused = accept(codes[member["id"]])
    assert reused.status_code == 400 and "already used" in reused.json()["message"]
    with db_engine.begin() as conn:
        conn.execute(text("UPDATE members.invitations SET expires_at = now() - interval '1 second' "
                          "WHERE person_id = :p"), {"p": other["id"]})
    expired = accept(codes[other["id"]])
    assert expired.status_code == 400 and "expired" in expired.json()["message"]
    assert _count(db_engine, "SELECT count(*) FROM members.accounts WHERE person_id = :p", p=other["id"]) == 0


def test_wrong_password_unknown_name_and_another_colleges_name_answer_alike_then_lock(api, gateway):
    college, other_college = api.new_tenant(), api.new_tenant()
    member = college.add_member(external_no="T2004")
    login_name = _invite_and_accept(api, college, member)
    browser = Browser(gateway)

    answers = [browser.sign_in(college.tenant["code"], login_name, "wrong-password-1"),
               browser.sign_in(college.tenant["code"], "nobody-here", PASSWORD),
               browser.sign_in(other_college.tenant["code"], login_name, PASSWORD)]
    assert {(a.status_code, a.json()["message"]) for a in answers} == {(401, "wrong login name or password")}

    for _ in range(4):
        browser.sign_in(college.tenant["code"], login_name, "wrong-password-1")
    locked = browser.sign_in(college.tenant["code"], login_name, PASSWORD)
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert locked.json()["error"] == "too_many_attempts"


def test_a_leaver_and_a_revoked_token_stop_working_at_once(api, db_engine):
    college = api.new_tenant()
    member = college.add_member(external_no="T2005")
    script = college.member_api(member["id"])
    assert script.get("/v1/me").status_code == 200

    college.admin.ok("POST", f"/v1/members/{member['id']}/leave", json={"left_on": "2026-11-20", "reason": "调离"})
    wait_until(lambda: script.get("/v1/me").status_code == 401, timeout=5, message="the leaver's token refused")

    other = college.add_member("王芳", external_no="T2006")
    token = college.admin.ok("POST", f"/v1/members/{other['id']}/tokens", 201,
                             json={"roles": ["member"], "expires_in_days": 7})["token"]
    holder = college.admin.as_(token)
    listed = holder.ok("GET", "/v1/me/sessions")["tokens"]
    assert len(listed) == 1
    holder.ok("DELETE", f"/v1/tokens/{listed[0]['id']}")
    wait_until(lambda: holder.get("/v1/me").status_code == 401, timeout=5, message="the revoked token refused")


def test_an_expired_token_is_refused(api, db_engine):
    college = api.new_tenant()
    member = college.add_member(external_no="T2007")
    script = college.member_api(member["id"])
    with db_engine.begin() as conn:
        conn.execute(text("UPDATE members.api_tokens SET expires_at = now() WHERE person_id = :p"),
                     {"p": member["id"]})
    # The gateway may hold the token's credential for its short lifetime; a revoke by event makes
    # it renew at once, which then finds the expiry.
    college.admin.ok("POST", f"/v1/members/{member['id']}/revoke-sign-ins")
    wait_until(lambda: script.get("/v1/me").status_code == 401, timeout=5, message="the expired token refused")


def test_an_officer_revokes_every_session_of_a_person(api, gateway):
    college = api.new_tenant()
    member = college.add_member(external_no="T2008")
    login_name = _invite_and_accept(api, college, member)
    first, second = Browser(gateway), Browser(gateway)
    first.sign_in(college.tenant["code"], login_name)
    second.sign_in(college.tenant["code"], login_name)
    sessions = first.request("GET", "/v1/me/sessions").json()["sessions"]
    assert len(sessions) == 2

    assert first.request("DELETE", f"/v1/me/sessions/{uuid.uuid4()}").status_code == 404
    college.admin.ok("POST", f"/v1/members/{member['id']}/revoke-sign-ins")
    wait_until(lambda: first.request("GET", "/v1/me").status_code == 401
               and second.request("GET", "/v1/me").status_code == 401, timeout=5, message="both sessions ended")


def test_a_role_ending_takes_effect_at_the_next_request(api, gateway):
    college = api.new_tenant()
    first, successor = college.add_member(external_no="T2009"), college.add_member("王芳", external_no="T2010")
    appointment = {"org_unit_id": college.branch["id"], "role": "secretary", "started_on": "2026-01-01"}
    college.admin.ok("POST", f"/v1/members/{first['id']}/roles", 201, json=appointment)
    browser = Browser(gateway)
    browser.sign_in(college.tenant["code"], _invite_and_accept(api, college, first))
    me = browser.request("GET", "/v1/me").json()
    assert me["roles"] == ["member", "secretary"] and me["managed_units"] == [college.branch["id"]]

    # The successor's appointment ends the first secretary's term.
    college.admin.ok("POST", f"/v1/members/{successor['id']}/roles", 201, json={**appointment, "started_on": "2026-11-01"})
    wait_until(lambda: browser.request("GET", "/v1/me").json()["roles"] == ["member"], timeout=5,
               message="the ended role gone from the credential")
    assert browser.request("GET", "/v1/members").status_code == 403
