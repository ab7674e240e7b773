"""From an imported branch to a member signed in and logging an activity, every service its own process."""
import base64

from tests.support.browser import PASSWORD, Browser
from tests.support.infra import Api, wait_until


def test_a_new_member_of_an_imported_branch_goes_from_invitation_to_a_logged_activity(system):
    api = Api(system.gateway_url)
    college = api.new_tenant()
    roster = "工号/学号,姓名,类别,政治面貌\nT4001,吴刚,教工,正式党员\nT4002,郑洁,教工,预备党员\n".encode()
    college.admin.ok("POST", "/v1/roster/import", json={
        "branch_id": college.branch["id"], "format": "csv", "content_base64": base64.b64encode(roster).decode()})

    # The one admin call: the whole branch invited at once; the sheet lists each person's code.
    sheet = college.admin.ok("POST", "/v1/invitations", 201, json={"org_unit_id": college.branch["id"]})
    assert sorted(row["login_name"] for row in sheet["invitations"]) == ["t4001", "t4002"]
    mine = next(row for row in sheet["invitations"] if row["login_name"] == "t4001")

    # From here on only the member: set a password with the code, sign in, log, read the points.
    browser = Browser(system.gateway_url)
    set_up = browser.request("POST", "/v1/invitations/accept",
                             json={"tenant": college.tenant["code"], "code": mine["code"], "password": PASSWORD})
    assert set_up.status_code == 200, set_up.text
    assert browser.sign_in(college.tenant["code"], "T4001").status_code == 200
    me = browser.request("GET", "/v1/me").json()
    assert me["person"]["name"] == "吴刚" and me["tenant"]["code"] == college.tenant["code"]
    logged = browser.request("POST", "/v1/activities", json={
        "member_id": me["person"]["id"], "kind": "theory_reading", "occurred_on": "2026-11-05",
        "details": {"title": "党章"}})
    assert logged.status_code == 201, logged.text
    wait_until(lambda: browser.request("GET", f"/v1/members/{me['person']['id']}/points").json().get("total") == 2,
               message="the points of the activity")
