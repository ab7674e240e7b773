"""The golden path in one process: activity logged -> points accrued -> member notified."""
from tests.support.infra import wait_until


def test_activity_accrues_points_and_notifies_member(api):
    college = api.new_tenant()
    member = college.add_member("王芳")
    me = college.member_api(member["id"])

    activity = me.ok("POST", "/v1/activities", 201, json={
        "member_id": member["id"], "kind": "opinion_listening", "occurred_on": "2026-11-05",
        "details": {"whom": "数学教研室 张老师", "channel": "talk", "opinions": "希望增加教研活动经费"},
    })
    assert activity["period"] == "2026-11"

    inbox = wait_until(lambda: me.ok("GET", f"/v1/members/{member['id']}/inbox")["items"], message="inbox notice")
    assert len(inbox) == 1
    assert inbox[0]["title"] == "积分变动：+2 分"
    assert "听取党外群众意见" in inbox[0]["body"]

    points = me.ok("GET", f"/v1/members/{member['id']}/points")
    assert points["total"] == 2
    assert points["periods"] == {"2026-11": {"points": 2, "entries": 1}}
    statement = me.ok("GET", f"/v1/members/{member['id']}/points/statement")
    assert [(e["kind"], e["delta"], e["activity_id"]) for e in statement] == [
        ("opinion_listening", 2, activity["id"])]


def test_monthly_cap_trims_points_but_still_records_an_entry(api):
    college = api.new_tenant()
    member = college.add_member()
    for day in ("2026-10-02", "2026-10-09", "2026-10-16"):
        college.admin.ok("POST", "/v1/activities", 201, json={
            "member_id": member["id"], "kind": "theory_reading", "occurred_on": day, "details": {"title": "党章"}})
    statement = wait_until(
        lambda: (s := college.admin.ok("GET", f"/v1/members/{member['id']}/points/statement")) and len(s) == 3 and s,
        message="three ledger entries")
    assert sorted(e["delta"] for e in statement) == [0, 2, 2]  # cap 4 per month
    assert college.admin.ok("GET", f"/v1/members/{member['id']}/points")["total"] == 4
