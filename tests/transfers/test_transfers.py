"""Transfers between colleges (组织关系转接) through the gateway: accepted, refused, sent to a
code no college has, to a college outside the deployment, and carried through a kill of members
between the saga's steps."""
import signal

import pytest

from tests.pairing.conftest import wait_inbox
from tests.support.infra import Api, free_port, service_env, wait_until
from tests.support.processes import SERVICES, SystemProcesses


def incoming(college, state="pending"):
    return college.admin.ok("GET", "/v1/inter-tenant-transfers/incoming", params={"state": state})


def outgoing_state(college, transfer_id):
    return next(t["state"] for t in college.admin.ok("GET", "/v1/inter-tenant-transfers/outgoing")
                if t["transfer_id"] == transfer_id)


def issue(college, person, destination_code, letter_no="转字〔2026〕1号", issued_on="2026-11-20"):
    return college.admin.ok("POST", f"/v1/members/{person['id']}/inter-tenant-transfers", 201, json={
        "letter_no": letter_no, "issued_on": issued_on, "destination_code": destination_code})


def wait_incoming(college):
    return wait_until(lambda: incoming(college), timeout=30, message="the incoming transfer request")


def wait_outgoing(college, transfer_id, state):
    wait_until(lambda: outgoing_state(college, transfer_id) == state, timeout=30, message=f"outgoing {state}")


def test_a_transfer_accepted_moves_the_person_with_their_history_and_nothing_else(api):
    origin, destination = api.new_tenant(), api.new_tenant()
    person = origin.add_member("周敏", political_status="probationary", joined_party_on="2025-06-01")
    origin.admin.ok("POST", f"/v1/members/{person['id']}/status", json={"to_status": "full",
                                                                         "effective_on": "2026-06-05"})
    sent = issue(origin, person, destination.tenant["code"])
    assert (sent["state"], sent["destination_code"]) == ("issued", destination.tenant["code"])

    [request] = wait_incoming(destination)
    # The destination sees the person's name, status and dates, the letter, and nothing of the origin.
    assert request["person"]["name"] == "周敏" and request["person"]["political_status"] == "full"
    assert (request["person"]["joined_party_on"], request["person"]["full_member_on"]) == ("2025-06-01", "2026-06-05")
    assert origin.tenant["code"] not in str(request) and origin.tenant["id"] not in str(request)
    assert person["id"] not in str(request)

    accepted = destination.admin.ok("POST", f"/v1/inter-tenant-transfers/{request['transfer_id']}/accept",
                                    json={"org_unit_id": destination.branch["id"]})
    assert accepted["state"] == "accepted"
    twice = destination.admin.post(f"/v1/inter-tenant-transfers/{request['transfer_id']}/accept",
                                   json={"org_unit_id": destination.branch["id"]})
    assert twice.status_code == 409 and twice.json()["details"][0]["field"] == "transfer_id"

    newcomer = destination.admin.ok("GET", f"/v1/members/{accepted['member_id']}")
    assert (newcomer["name"], newcomer["political_status"], newcomer["org_unit_id"]) == (
        "周敏", "full", destination.branch["id"])
    history = destination.admin.ok("GET", f"/v1/members/{accepted['member_id']}/status-history")
    assert [(h["to_status"], h["effective_on"]) for h in history] == [("probationary", "2025-06-01"),
                                                                      ("full", "2026-06-05")]
    wait_outgoing(origin, sent["transfer_id"], "accepted")
    left = origin.admin.ok("GET", f"/v1/members/{person['id']}")
    assert left["left_at"] is not None and "转字〔2026〕1号" in left["left_reason"]
    # Neither college reaches the other's person.
    assert destination.admin.get(f"/v1/members/{person['id']}").status_code == 404
    assert origin.admin.get(f"/v1/members/{accepted['member_id']}").status_code == 404


def test_refused_unknown_and_bad_transfers_leave_the_person_where_they_are(api):
    origin, destination = api.new_tenant(), api.new_tenant()
    person = origin.add_member("吴昊")
    path = f"/v1/members/{person['id']}/inter-tenant-transfers"

    same = origin.admin.post(path, json={"letter_no": "1", "issued_on": "2026-11-20",
                                         "destination_code": origin.tenant["code"]})
    assert same.status_code == 400 and same.json()["details"][0]["field"] == "destination_code"
    neither = origin.admin.post(path, json={"letter_no": "1", "issued_on": "2026-11-20"})
    assert neither.status_code == 400 and neither.json()["details"][0]["field"] == "destination_code"
    applicant = origin.add_member("郑洁", political_status="applicant")
    not_member = origin.admin.post(f"/v1/members/{applicant['id']}/inter-tenant-transfers", json={
        "letter_no": "1", "issued_on": "2026-11-20", "destination_code": destination.tenant["code"]})
    assert not_member.status_code == 400 and not_member.json()["details"][0]["field"] == "member_id"

    sent = issue(origin, person, destination.tenant["code"])
    again = origin.admin.post(path, json={"letter_no": "2", "issued_on": "2026-11-20",
                                          "destination_code": destination.tenant["code"]})
    assert again.status_code == 409 and again.json()["details"][0]["field"] == "member_id"
    [request] = wait_incoming(destination)
    refused = destination.admin.ok("POST", f"/v1/inter-tenant-transfers/{request['transfer_id']}/refuse",
                                   json={"reason": "人员信息不符"})
    assert refused["state"] == "refused"
    wait_outgoing(origin, sent["transfer_id"], "refused")
    assert origin.admin.ok("GET", f"/v1/members/{person['id']}")["left_at"] is None
    [told] = wait_inbox(origin.admin, person["id"], "inter_tenant_transfer_concluded", 1)
    assert "未被接收" in told["body"] and "转字〔2026〕1号" in told["body"]

    # A code no college has: the same answer as a refusal, at the same place.
    unknown = issue(origin, person, "no-such-college")
    wait_outgoing(origin, unknown["transfer_id"], "refused")
    assert origin.admin.ok("GET", f"/v1/members/{person['id']}")["left_at"] is None

    # A letter left unanswered past its three months lapses: the person stays, both sides see it.
    lapsing = issue(origin, person, destination.tenant["code"], issued_on="2026-01-05")
    wait_until(lambda: incoming(destination), timeout=30, message="the second request")
    assert destination.admin.ok("POST", "/v1/inter-tenant-transfer-scans", json={})[
        "inter_tenant_transfer_expired"] == 1
    wait_outgoing(origin, lapsing["transfer_id"], "expired")
    assert [t["state"] for t in incoming(destination, "expired")] == ["expired"]
    assert origin.admin.ok("GET", f"/v1/members/{person['id']}")["left_at"] is None

    # Outside the deployment: leaving, with the letter.
    gone = origin.admin.ok("POST", path, 201, json={"letter_no": "转字〔2026〕9号", "issued_on": "2026-11-20",
                                                    "destination_name": "某大学党委"})
    assert gone["state"] == "left"
    member = origin.admin.ok("GET", f"/v1/members/{person['id']}")
    assert member["left_at"] is not None
    assert "某大学党委" in member["left_reason"] and "转字〔2026〕9号" in member["left_reason"]


@pytest.fixture
def system(database_url, amqp_uri, migrated, tmp_path):
    processes = SystemProcesses(service_env(database_url, amqp_uri), gateway_port=free_port(),
                                metrics_ports={name: free_port() for name in SERVICES}, log_dir=tmp_path)
    try:
        processes.start_all()
        yield processes
    finally:
        processes.stop_all()


def test_a_transfer_survives_members_killed_between_its_steps(system):
    api = Api(system.gateway_url)
    origin, destination = api.new_tenant(), api.new_tenant()
    person = origin.add_member("冯雪")
    sent = issue(origin, person, destination.tenant["code"])
    # Killed with the issue committed and its event perhaps still in the outbox.
    system.restart("members", sig=signal.SIGKILL)
    [request] = wait_incoming(destination)
    destination.admin.ok("POST", f"/v1/inter-tenant-transfers/{request['transfer_id']}/accept",
                         json={"org_unit_id": destination.branch["id"]})
    system.restart("members", sig=signal.SIGKILL)
    wait_outgoing(origin, sent["transfer_id"], "accepted")
    assert origin.admin.ok("GET", f"/v1/members/{person['id']}")["left_at"] is not None
    assert len(incoming(destination, "accepted")) == 1
