"""Idempotency-Key on writes, through the real gateway, services, broker and database.

A client that lost the answer to a write sends it again with the same key and gets the first
answer, not a second effect; the same key with another request is refused; keys of different
callers or colleges never meet.
"""
import json
import uuid
from concurrent.futures import ThreadPoolExecutor

from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import text

from services.gateway import request_keys
from tests.support.infra import wait_until

HEADER = "Idempotency-Key"


def _activity(member_id: str, title: str = "党章") -> dict:
    return {"member_id": member_id, "kind": "theory_reading", "occurred_on": "2026-11-05", "details": {"title": title}}


def _activities_of(db_engine, member_id: str) -> int:
    with db_engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM activities.activities WHERE member_id = :m"),
                            {"m": member_id}).scalar_one()


def _units_named(db_engine, tenant_id: str, name: str) -> int:
    with db_engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM members.org_units WHERE tenant_id = :t AND name = :n"),
                            {"t": tenant_id, "n": name}).scalar_one()


def test_the_same_key_twice_is_one_activity_one_award_and_the_same_answer(api, db_engine):
    college = api.new_tenant()
    member = college.add_member()
    key = {HEADER: uuid.uuid4().hex}

    first = college.admin.post("/v1/activities", json=_activity(member["id"]), headers=dict(key))
    again = college.admin.post("/v1/activities", json=_activity(member["id"]), headers=dict(key))

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert _activities_of(db_engine, member["id"]) == 1
    # One activity_logged, so one award: theory reading is worth 2 points, once.
    wait_until(lambda: college.admin.ok("GET", f"/v1/members/{member['id']}/points")["total"] == 2,
               message="the award of the one activity")
    assert college.admin.ok("GET", f"/v1/members/{member['id']}/points")["total"] == 2


def test_the_same_key_with_another_body_is_refused_naming_the_header(api, db_engine):
    college = api.new_tenant()
    member = college.add_member()
    key = {HEADER: "form-7-submit"}
    college.admin.ok("POST", "/v1/activities", 201, json=_activity(member["id"]), headers=dict(key))

    other = college.admin.post("/v1/activities", json=_activity(member["id"], title="党史"), headers=dict(key))

    assert other.status_code == 409
    assert other.json()["error"] == "idempotency_key_reused"
    assert other.json()["details"][0]["field"] == HEADER
    assert _activities_of(db_engine, member["id"]) == 1


def test_the_same_key_from_other_callers_or_colleges_is_another_request(api, db_engine):
    key = {HEADER: "same-key-everywhere"}
    college, other_college = api.new_tenant(), api.new_tenant()
    first_member, second_member = college.add_member("李明"), college.add_member("王芳")
    elsewhere = other_college.add_member("张伟")

    logged = [
        college.member_api(first_member["id"]).ok(
            "POST", "/v1/activities", 201, json=_activity(first_member["id"]), headers=dict(key)),
        college.member_api(second_member["id"]).ok(
            "POST", "/v1/activities", 201, json=_activity(second_member["id"]), headers=dict(key)),
        college.admin.ok("POST", "/v1/activities", 201, json=_activity(first_member["id"]), headers=dict(key)),
        other_college.admin.ok("POST", "/v1/activities", 201, json=_activity(elsewhere["id"]), headers=dict(key)),
    ]

    assert len({activity["id"] for activity in logged}) == 4
    assert [_activities_of(db_engine, m["id"]) for m in (first_member, second_member, elsewhere)] == [2, 1, 1]


def test_a_refused_write_is_not_remembered_and_the_key_serves_the_corrected_one(api, db_engine):
    college = api.new_tenant()
    key = {HEADER: uuid.uuid4().hex}
    # Where a kind may sit is checked inside the write's transaction: the claim rolls back with it.
    # (An unknown parent no longer gets that far: the gateway answers 404 before any write.)
    wrong = college.admin.post("/v1/org-units", json={"name": "第一党小组", "kind": "branch",
                                                      "parent_id": college.branch["id"]}, headers=dict(key))
    assert wrong.status_code == 400

    corrected = {"name": "第一党小组", "kind": "group", "parent_id": college.branch["id"]}
    created = college.admin.ok("POST", "/v1/org-units", 201, json=corrected, headers=dict(key))
    again = college.admin.ok("POST", "/v1/org-units", 201, json=corrected, headers=dict(key))

    assert again == created
    assert _units_named(db_engine, college.tenant["id"], "第一党小组") == 1


def test_a_key_sent_twice_at_once_is_carried_out_once(api, db_engine):
    college = api.new_tenant()
    member = college.add_member()
    key = {HEADER: uuid.uuid4().hex}

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: college.admin.post("/v1/activities", json=_activity(member["id"]),
                                                             headers=dict(key)), range(4)))

    assert [answer.status_code for answer in answers] == [201] * 4
    assert len({answer.text for answer in answers}) == 1
    assert _activities_of(db_engine, member["id"]) == 1


def test_a_keyed_write_redelivered_by_the_broker_is_answered_from_the_first(api, amqp_uri, db_engine):
    """The RPC copy RabbitMQ delivers again after a dropped connection carries the context the
    gateway bound for the keyed request, which this sends as the broker would."""
    college = api.new_tenant()
    member = college.add_member()
    body = _activity(member["id"])
    first = college.admin.ok("POST", "/v1/activities", 201, json=body, headers={HEADER: "redelivered-1"})

    context = {
        "tenant_id": college.tenant["id"], "roles": ["tenant_admin"],
        "request_id": request_keys.request_key(
            college.tenant["id"], request_keys.caller_scope(None, college.admin.token), "redelivered-1"),
        "request_fingerprint": request_keys.fingerprint("POST", "/v1/activities", b"", json.dumps(body).encode()),
    }
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, context_data=context, timeout=30) as rpc:
        copy = rpc.activities.log_activity(body)

    assert copy == first
    assert _activities_of(db_engine, member["id"]) == 1


def test_a_key_too_long_or_with_control_characters_is_refused(api, db_engine):
    college = api.new_tenant()
    member = college.add_member()
    for bad, reason in (("k" * 256, "at most 255 characters"), ("order\x01", "control characters")):
        refused = college.admin.post("/v1/activities", json=_activity(member["id"]), headers={HEADER: bad})
        assert refused.status_code == 400, refused.text
        assert refused.json()["details"][0]["field"] == HEADER
        assert reason in refused.json()["details"][0]["reason"]
    assert _activities_of(db_engine, member["id"]) == 0


def test_a_key_on_a_read_changes_nothing(api):
    college = api.new_tenant()
    member = college.add_member()
    for _ in range(2):
        assert college.admin.ok("GET", f"/v1/members/{member['id']}", headers={HEADER: "k" * 300})["id"] == member["id"]


def test_a_keyed_write_of_any_service_is_carried_out_once(api, db_engine):
    """Writes that never recorded their request before: a need (members), a rule set (points)."""
    college = api.new_tenant()
    member = college.add_member()
    mine = college.member_api(member["id"])
    need = {"title": "子女入学咨询"}
    raised = [mine.ok("POST", "/v1/needs", 201, json=need, headers={HEADER: "need-1"}) for _ in range(2)]
    assert raised[0] == raised[1]
    with db_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM members.needs WHERE tenant_id = :t"),
                            {"t": college.tenant["id"]}).scalar_one() == 1

    rule_set = {"org_unit_id": college.branch["id"], "effective_from": "2026-12-01",
                "layer": {"rules": {"theory_reading": {"points_per_unit": 3}}}}
    saved = college.admin.ok("POST", "/v1/points/rule-sets", 201, json=rule_set, headers={HEADER: "rules-dec"})
    # Without the key, saving the same date again is a conflict; with it, the first answer.
    assert college.admin.ok("POST", "/v1/points/rule-sets", 201, json=rule_set, headers={HEADER: "rules-dec"}) == saved
    assert college.admin.post("/v1/points/rule-sets", json=rule_set).status_code == 409
