"""Generated from the gateway's route table: every route, present and future, is checked for the
three ways a caller could reach beyond their scope.

* Every route with an id in its path answers 404 for another college's id, as if it did not exist.
* Every write answers 403 (or 404) to a plain member's token, unless members may make it on
  themselves (`SELF_SERVICE`), where it is checked for someone else's records instead.
* Every write answers 403 to an officer of one branch naming anything of another branch.

The routes are read from GatewayService's nameko entrypoints, so a route added tomorrow is in
these tests the day it is added; a path argument with no example below fails the test, naming it.
"""
import inspect
from datetime import date
import re
import uuid

import pytest

from services.gateway.request_keys import WRITE_METHODS
from services.gateway.service import GatewayService
from tests.dues.conftest import known_to_dues
from tests.support.browser import PASSWORD, Browser
from tests.support.infra import Api, wait_until

# The writes a member makes about themself (an activity, a need); with another person's records
# they are refused like any other write.
SELF_SERVICE = {("POST", "/v1/activities"), ("POST", "/v1/needs")}
# Writes made before there is a caller: signing in, and accepting an invitation to set a password.
# They name no one's records, so the scope tests have nothing to refuse; their own tests
# (test_sign_in.py, test_sign_in_providers.py) check who they let in.
BEFORE_A_CALLER = {("POST", "/v1/sign-in"), ("POST", "/v1/sign-in/<provider>"),
                   ("POST", "/v1/sign-in/<provider>/start"), ("POST", "/v1/invitations/accept")}
# Writes a member makes on their own part in something: their own session, their own receipt of a
# notice, their own check-in or leave for a meeting they are invited to. The colleague's example in
# the branch invites the member too, so these are allowed; the service refuses a non-invitee.
ON_THEIR_OWN_PART = {("DELETE", "/v1/me/sessions/<session_id>"), ("POST", "/v1/sign-out"),
                     ("POST", "/v1/notices/<notice_id>/acknowledge"), ("POST", "/v1/meetings/<meeting_id>/check-in"),
                     ("POST", "/v1/meetings/<meeting_id>/leave")}
# Routes that do not yet answer 404 first for another college's id, with the reason; each answers
# without reading or writing anything of the other college.
NOT_404_FIRST = {
    # The caller's own browser sessions: a credential that is no person's (the admin's token here)
    # has none, and is told so (403) before the id is read.
    ("DELETE", "/v1/me/sessions/<session_id>"),
    # The transfers service validates the answer's body (400) before it looks the transfer up; the
    # gateway cannot resolve a transfer id, which is the letter's, shared by both colleges' rows.
    ("POST", "/v1/inter-tenant-transfers/<transfer_id>/accept"),
    ("POST", "/v1/inter-tenant-transfers/<transfer_id>/refuse"),
}
# Path arguments that are not ids.
NOT_IDS = {"kind": "wecom", "provider": "wecom", "name": "swagger-ui.css"}  # path arguments that name no record


def routes() -> list[tuple[str, str]]:
    found = set()
    for _, member in inspect.getmembers(GatewayService):
        for entrypoint in getattr(member, "nameko_entrypoints", ()):
            if getattr(entrypoint, "url", None) and entrypoint.url != "/health":
                found.add((entrypoint.method, entrypoint.url))
    return sorted(found)


def path_arguments(url: str) -> list[str]:
    return re.findall(r"<(?:[a-z]+:)?([a-z_]+)>", url)


def filled(url: str, ids: dict) -> str:
    missing = [name for name in path_arguments(url) if name not in ids and name not in NOT_IDS]
    assert not missing, f"{url}: no example for {missing}; add one to `things_of` in this test"
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: {**NOT_IDS, **ids}[m.group(1)], url)


ROUTES = routes()
WRITES = [r for r in ROUTES if r[0] in WRITE_METHODS]
WITH_IDS = [r for r in ROUTES if set(path_arguments(r[1])) - set(NOT_IDS)]




@pytest.fixture
def api(every_service_api):
    return every_service_api


def things_of(college, unit_id: str, name: str) -> dict:
    """One of everything a path can name, in `unit_id` of `college`: {path argument: id}."""
    admin = college.admin
    person = college.add_member(name, org_unit_id=unit_id)
    teacher = college.add_member(f"{name}的同事", org_unit_id=unit_id, political_status="non_party")
    activity = admin.ok("POST", "/v1/activities", 201, json={
        "member_id": person["id"], "kind": "theory_reading", "occurred_on": "2026-10-05", "details": {"title": "党章"}})
    days = admin.ok("POST", "/v1/activity-days", 201, json={"org_unit_id": unit_id, "year": 2026})
    pairing = admin.ok("POST", "/v1/pairings", 201, json={
        "mentor_id": person["id"], "target_kind": "staff_non_party", "target_person_id": teacher["id"]})
    need = admin.ok("POST", "/v1/needs", 201, json={"title": "子女入学", "raised_by": teacher["id"]})
    post = admin.ok("POST", f"/v1/members/{person['id']}/pioneer-posts", 201, json={
        "title": "教学示范岗", "started_on": "2025-03-01"})
    commitment = admin.ok("POST", f"/v1/members/{person['id']}/commitments", 201, json={
        "year": 2025, "items": ["按时交纳党费"]})
    known_to_dues(admin, person["id"])
    payment = admin.ok("POST", "/v1/dues/payments", 201, json={
        "member_id": person["id"], "period": "2026-10", "amount_fen": 3_000, "paid_on": "2026-10-10"})
    meeting = admin.ok("POST", "/v1/meetings", 201, json={
        "org_unit_id": unit_id, "kind": "party_lecture", "title": "学习党章", "starts_at": "2026-10-20T08:00:00+00:00",
        "place": "党员活动室", "agenda": "学习、讨论"})
    # The notify service learns of a new unit from an event: the notice waits until it has.
    notice = wait_until(lambda: (r := admin.post(f"/v1/org-units/{unit_id}/notices", json={
        "title": "支部通知", "body": "周三学习"})).status_code == 201 and r.json(), message="notify knows the unit")
    holder = admin.as_(admin.ok("POST", f"/v1/members/{person['id']}/tokens", 201, json={"roles": ["member"]})["token"])
    token = holder.ok("GET", "/v1/me/sessions")["tokens"][0]
    session = _signed_in_session(college, unit_id)
    transfer = _incoming_transfer(college)
    return {"member_id": person["id"], "org_unit_id": unit_id, "meeting_id": meeting["id"], "notice_id": notice["id"],
            "token_id": token["id"], "session_id": session["id"],
            "transfer_id": transfer["transfer_id"], "activity_id": activity["id"],
            "day_id": days[0]["id"], "pairing_id": pairing["id"], "need_id": need["id"], "post_id": post["id"],
            "commitment_id": commitment["id"], "payment_id": payment["id"]}


def _signed_in_session(college, unit_id: str) -> dict:
    """A browser session of a new member of `unit_id`: invited (by their staff number, their login
    name), the invitation accepted with a password, signed in."""
    admin = college.admin
    person = college.add_member("持账号者", org_unit_id=unit_id, external_no=f"S{uuid.uuid4().hex[:8]}")
    invitation = admin.ok("POST", "/v1/invitations", 201, json={"member_ids": [person["id"]]})["invitations"][0]
    admin.ok("POST", "/v1/invitations/accept", json={
        "tenant": college.tenant["code"], "code": invitation["code"], "password": PASSWORD})
    browser = Browser(admin.base_url)
    signed_in = browser.sign_in(college.tenant["code"], invitation["login_name"])
    assert signed_in.status_code == 200, signed_in.text
    return browser.request("GET", "/v1/me/sessions").json()["sessions"][0]


def _incoming_transfer(college) -> dict:
    """A transfer letter another college issues to `college`, as `college` sees it arrive."""
    sender = college.admin.new_tenant()
    leaver = sender.add_member("转出者")
    sender.admin.ok("POST", f"/v1/members/{leaver['id']}/inter-tenant-transfers", 201, json={
        "letter_no": "转字〔2026〕9号", "issued_on": "2026-11-20", "destination_code": college.tenant["code"]})
    return wait_until(lambda: next(iter(college.admin.ok("GET", "/v1/inter-tenant-transfers/incoming")), None),
                      timeout=30, message="the incoming transfer request")


def body_naming(ids: dict) -> dict:
    """A write's body naming the people and units of `ids` in every field the gateway reads."""
    person, unit = ids["member_id"], ids["org_unit_id"]
    return {"member_id": person, "person_id": person, "member_ids": [person], "follower_id": person,
            "mentor_id": person, "target_person_id": person, "raised_by": person, "assignee_id": person,
            "org_unit_id": unit, "to_org_unit_id": unit, "branch_id": unit}


def refusals(caller: Api, ids: dict, body, allowed: set, cases) -> list[str]:
    wrong = []
    for method, url in cases:
        response = caller.request(method, filled(url, ids), json=body)
        if response.status_code not in allowed:
            wrong.append(f"{method} {url}: {response.status_code} {response.text[:120]}")
    return wrong


def secretary_and_another_branch(college) -> tuple[Api, str]:
    """A secretary of the college's branch (their client), and a second branch they do not manage."""
    admin = college.admin
    theirs = admin.ok("POST", "/v1/org-units", 201, json={"name": "学生党支部", "kind": "branch"})["id"]
    secretary = college.add_member("孙丽")
    admin.ok("POST", f"/v1/members/{secretary['id']}/roles", 201, json={
        "role": "secretary", "org_unit_id": college.branch["id"], "started_on": "2024-01-01"})
    token = admin.ok("POST", f"/v1/members/{secretary['id']}/tokens", 201, json={"roles": ["secretary"]})["token"]
    return admin.as_(token), theirs


def test_another_colleges_ids_answer_404_on_every_route_that_names_one(api):
    home, elsewhere = api.new_tenant(), api.new_tenant()
    theirs = things_of(elsewhere, elsewhere.branch["id"], "张伟")
    # An empty body: the ids in the path are checked before anything else the request says.
    wrong = refusals(home.admin, theirs, {}, {404}, [route for route in WITH_IDS if route not in NOT_404_FIRST])
    assert wrong == [], "\n".join(wrong)


def test_a_plain_member_writes_nothing_but_their_own_records(api):
    college = api.new_tenant()
    mine = college.add_member("李明")
    colleague = things_of(college, college.branch["id"], "周敏")
    member = college.member_api(mine["id"])
    cases = [route for route in WRITES if route not in SELF_SERVICE | BEFORE_A_CALLER | ON_THEIR_OWN_PART]
    wrong = refusals(member, colleague, {}, {403, 404}, cases)
    # The self-service writes too, once they name someone else.
    wrong += refusals(member, colleague, body_naming(colleague), {403}, sorted(SELF_SERVICE))
    assert wrong == [], "\n".join(wrong)


def test_an_officer_of_one_branch_writes_nothing_about_another(api):
    college = api.new_tenant()
    officer, theirs = secretary_and_another_branch(college)
    other_branch = things_of(college, theirs, "李华")
    cases = [route for route in WRITES if route not in BEFORE_A_CALLER]
    wrong = refusals(officer, other_branch, body_naming(other_branch), {403}, cases)
    assert wrong == [], "\n".join(wrong)


def test_the_route_table_is_read_whole():
    """The walk sees the routes of every module, spreadsheet routes included, and every write."""
    assert ("GET", "/v1/org-units/<org_unit_id>/assessment.xlsx") in ROUTES
    assert ("POST", "/v1/dues/payments/<payment_id>/correct") in WRITES
    assert len(WRITES) >= 50 and len(WITH_IDS) >= 40


def test_the_probes_examples_with_valid_bodies(api):
    """The outside probe's cases, each a request that is valid but for its scope: refused, naming
    the field, and nothing written."""
    college, elsewhere = api.new_tenant(), api.new_tenant()
    admin, ours = college.admin, college.branch["id"]
    officer, theirs = secretary_and_another_branch(college)
    mine, activist = college.add_member("周敏"), college.add_member("陈静", political_status="activist")
    stranger = college.add_member("李华", org_unit_id=theirs)
    their_need = admin.ok("POST", "/v1/needs", 201, json={"title": "住房", "raised_by": stranger["id"]})
    admin.ok("POST", f"/v1/needs/{their_need['id']}/assign", json={"assignee_id": stranger["id"]})

    refused = {
        "raised_by": officer.post("/v1/needs", json={"title": "代提诉求", "raised_by": stranger["id"]}),
        "need_id": officer.post(f"/v1/needs/{their_need['id']}/resolve", json={"resolution": "已办"}),
        "to_org_unit_id": officer.post(f"/v1/members/{mine['id']}/transfer", json={
            "to_org_unit_id": theirs, "effective_on": "2026-10-01"}),
        "follower_id": officer.post(f"/v1/members/{activist['id']}/followers", json={
            "follower_id": stranger["id"], "assigned_on": "2026-10-01"}),
    }
    assert {field: r.status_code for field, r in refused.items()} == dict.fromkeys(refused, 403)
    for field in ("raised_by", "to_org_unit_id", "follower_id"):
        assert refused[field].json()["details"][0]["field"] == field
    assert admin.ok("GET", f"/v1/needs/{their_need['id']}")["status"] == "assigned"
    assert admin.ok("GET", f"/v1/members/{mine['id']}")["org_unit_id"] == ours
    assert admin.ok("GET", f"/v1/members/{activist['id']}/followers") == []

    # Another college's unit in a body is not one of ours: 404 naming it, no days, no rule set.
    foreign = elsewhere.branch["id"]
    # A branch has its activity days as soon as it exists (scheduled by activities from the
    # roster's events, this year's and next year's at once): what the refused request must not
    # have done is add to them.
    next_year = date.today().year + 1
    wait_until(lambda: len(elsewhere.admin.ok("GET", f"/v1/org-units/{foreign}/activity-days?year={next_year}")) == 12,
               message="the other college's activity days")
    their_days = elsewhere.admin.ok("GET", f"/v1/org-units/{foreign}/activity-days?year=2026")
    days = admin.post("/v1/activity-days", json={"org_unit_id": foreign, "year": 2026})
    rules = admin.post("/v1/points/rule-sets", json={"org_unit_id": foreign, "effective_from": "2026-12-01",
                                                     "layer": {"rules": {"theory_reading": {"points_per_unit": 3}}}})
    for response in (days, rules):
        assert response.status_code == 404, response.text
        assert response.json()["details"][0]["field"] == "org_unit_id"
    assert elsewhere.admin.ok("GET", f"/v1/org-units/{foreign}/activity-days?year=2026") == their_days
