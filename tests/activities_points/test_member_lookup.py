"""Logging an activity finds the member in activities' own roster read model, and asks the members
service (RPC) only for those the read model has not learnt yet: same answers, fewer round trips."""
from prometheus_client import REGISTRY
from sqlalchemy import text

from tests.support.infra import wait_until

READING = {"title": "中国共产党章程"}
MEETING = {"meeting": "group_meeting", "topic": "学习党章"}


def _get_member_calls() -> float:
    """How many get_member RPCs the members service has answered in this process, any outcome.

    Every service runs in the test process, so the members service's own entrypoint timer counts
    the calls that reached it, whoever made them.
    """
    return sum(sample.value for metric in REGISTRY.collect() if metric.name == "entrypoint_duration_seconds"
               for sample in metric.samples
               if sample.name.endswith("_count") and sample.labels.get("service") == "members"
               and sample.labels.get("entrypoint") == "get_member")


def _scalar(db_engine, sql, **params):
    with db_engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one_or_none()


def _execute(db_engine, sql, **params):
    with db_engine.begin() as conn:
        conn.execute(text(sql), params)


def _known_to_activities(db_engine, member_id, org_unit_id):
    """activities has consumed the member's join (and transfers up to `org_unit_id`) and the tenant."""
    return _scalar(db_engine, "SELECT r.org_unit_id::text FROM activities.roster r "
                              "JOIN activities.tenants t ON t.tenant_id = r.tenant_id "
                              "WHERE r.member_id = :m", m=member_id) == org_unit_id


def _log(admin, member_id, day="2026-10-08", expected=201):
    return admin.ok("POST", "/v1/activities", expected, json={
        "member_id": member_id, "kind": "theory_reading", "occurred_on": day, "details": READING})


def _activity_count(db_engine, member_id) -> int:
    return _scalar(db_engine, "SELECT count(*) FROM activities.activities WHERE member_id = :m", m=member_id)


def test_a_member_in_the_read_model_is_logged_in_their_current_unit_without_asking_members(api, db_engine):
    college = api.new_tenant()
    admin = college.admin
    other_branch = admin.ok("POST", "/v1/org-units", 201, json={"name": "学生党支部", "kind": "branch"})["id"]
    member = college.add_member("王芳")
    admin.ok("POST", f"/v1/members/{member['id']}/transfer",
             json={"to_org_unit_id": other_branch, "effective_on": "2026-10-01"})
    wait_until(lambda: _known_to_activities(db_engine, member["id"], other_branch),
               message="activities follows the join and the transfer")

    before = _get_member_calls()
    logged = _log(admin, member["id"])
    assert logged["org_unit_id"] == other_branch
    assert _get_member_calls() == before

    # A member who has left is still on the read model and may still have past work logged, as
    # the members service's get_member allowed before.
    admin.ok("POST", f"/v1/members/{member['id']}/leave", json={"left_on": "2026-10-20", "reason": "调离学校"})
    wait_until(lambda: _scalar(db_engine, "SELECT left_on FROM activities.roster WHERE member_id = :m",
                               m=member["id"]) is not None, message="activities follows the leaving")
    before = _get_member_calls()
    assert _log(admin, member["id"], day="2026-10-12")["org_unit_id"] == other_branch
    assert _get_member_calls() == before


def test_a_member_the_read_model_has_not_learnt_yet_is_logged_at_once(api, db_engine):
    college = api.new_tenant()
    admin, branch = college.admin, college.branch["id"]
    # Straight after creating: the member_joined event may or may not have been consumed yet.
    fresh = college.add_member("张伟")
    assert _log(admin, fresh["id"])["org_unit_id"] == branch

    # Made certain: the read model forgets a member (as if member_joined were still queued), and
    # the tenant's time zone (as if tenant_configured were): both fall back to the members service.
    late = college.add_member("刘洋")
    wait_until(lambda: _known_to_activities(db_engine, late["id"], branch), message="activities learns the member")
    _execute(db_engine, "DELETE FROM activities.roster WHERE member_id = :m", m=late["id"])
    before = _get_member_calls()
    assert _log(admin, late["id"])["org_unit_id"] == branch
    assert _get_member_calls() == before + 1

    known = college.add_member("赵敏")
    wait_until(lambda: _known_to_activities(db_engine, known["id"], branch), message="activities learns the member")
    _execute(db_engine, "DELETE FROM activities.tenants WHERE tenant_id = :t", t=college.tenant["id"])
    before = _get_member_calls()
    assert _log(admin, known["id"])["org_unit_id"] == branch
    assert _get_member_calls() == before + 1


def test_a_member_of_another_tenant_is_not_found_and_nothing_is_written(api, db_engine):
    college, other = api.new_tenant(), api.new_tenant()
    member = college.add_member("孙丽")
    wait_until(lambda: _known_to_activities(db_engine, member["id"], college.branch["id"]),
               message="activities learns the member")
    stranger = other.admin
    refused = stranger.post("/v1/activities", json={
        "member_id": member["id"], "kind": "theory_reading", "occurred_on": "2026-10-08", "details": READING})
    assert refused.status_code == 404, refused.text
    assert refused.json()["details"] == [{"field": "member_id", "reason": "no such person"}]
    refused = stranger.post("/v1/activities/bulk", json={
        "member_ids": [member["id"]], "kind": "org_life", "occurred_on": "2026-10-08", "details": MEETING})
    assert refused.status_code == 404, refused.text
    assert _activity_count(db_engine, member["id"]) == 0


def test_a_bulk_log_covers_every_member_on_the_list(api, db_engine):
    college = api.new_tenant()
    admin, branch = college.admin, college.branch["id"]
    group = admin.ok("POST", "/v1/org-units", 201, json={"name": "第一党小组", "kind": "group",
                                                        "parent_id": branch})["id"]
    attendees = [college.add_member(f"党员{i}") for i in range(4)]
    in_group = college.add_member("李明", org_unit_id=group)
    for person, unit in [(m, branch) for m in attendees] + [(in_group, group)]:
        wait_until(lambda: _known_to_activities(db_engine, person["id"], unit), message="activities learns them")
    # One not learnt yet, to mix both paths in one list.
    newcomer = college.add_member("陈静")
    wait_until(lambda: _known_to_activities(db_engine, newcomer["id"], branch), message="activities learns them")
    _execute(db_engine, "DELETE FROM activities.roster WHERE member_id = :m", m=newcomer["id"])
    everyone = attendees + [in_group, newcomer]

    before = _get_member_calls()
    logged = admin.ok("POST", "/v1/activities/bulk", 201, json={
        "member_ids": [m["id"] for m in everyone], "kind": "org_life", "occurred_on": "2026-10-08",
        "details": MEETING})
    assert _get_member_calls() == before + 1
    assert [a["member_id"] for a in logged] == [m["id"] for m in everyone]
    assert [a["org_unit_id"] for a in logged] == [branch] * 4 + [group, branch]
    assert {a["kind"] for a in logged} == {"org_life"}
    for person in everyone:
        assert _activity_count(db_engine, person["id"]) == 1
