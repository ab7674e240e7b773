"""Every notify route: who may call it, what it refuses, and that colleges never see each other."""
import uuid

import pytest

from tests.notify.helpers import ACTIVITY_DAY, OVERDUE, deliveries, settled
from tests.notify.servers import Robot
from tests.support.infra import wait_until


@pytest.fixture
def two_colleges(api):
    a, b = api.new_tenant(), api.new_tenant()
    return a, b, a.add_member("王芳"), b.add_member("李明")


def test_preferences_round_trip_and_guard(api, two_colleges):
    a, b, member_a, member_b = two_colleges
    me = a.member_api(member_a["id"])
    path = f"/v1/members/{member_a['id']}/notification-preferences"
    known = wait_until(lambda: (p := me.ok("GET", path))["name"] and p, message="member_joined reaching notify")
    assert known == {"person_id": member_a["id"], "email": None, "language": "zh", "notices": {},
                     "name": "王芳", "org_unit_id": a.branch["id"]}
    saved = me.ok("PUT", path, json={"email": "wf@college.example.edu", "notices": {"need_overdue": ["email", "wecom"]}})
    assert saved["notices"] == {"need_overdue": ["email", "wecom"]}
    assert a.admin.ok("GET", path) == saved  # officers may read

    peer = a.add_member("张伟")
    peer_api = a.member_api(peer["id"])
    assert peer_api.get(path).status_code == 403
    assert peer_api.request("PUT", path, json={}).status_code == 403
    # Another college: the member does not exist there.
    assert b.admin.get(path).status_code == 404
    assert b.admin.request("PUT", path, json={}).status_code == 404
    assert b.member_api(member_b["id"]).get(path).status_code == 404

    for bad in ({"email": "not-an-address"}, {"language": "fr"}, {"notices": {"no_such_notice": ["email"]}},
                {"notices": {"need_overdue": ["fax"]}}, {"surprise": 1}, {"notices": ["email"]}):
        response = me.request("PUT", path, json=bad)
        assert response.status_code == 400, bad
        assert response.json()["error"] == "invalid_input"
    assert me.request("PUT", path, data="{not json").status_code == 400
    assert me.request("PUT", path, json=[1]).status_code == 400
    assert me.get("/v1/members/not-a-uuid/notification-preferences").status_code in (400, 404)
    assert me.ok("GET", path) == saved  # nothing bad was stored


def test_robots_are_officer_only_secret_never_shown_and_per_college(api, two_colleges, robot_server):
    a, b, member_a, _ = two_colleges
    branch = a.branch["id"]
    path = f"/v1/org-units/{branch}/robots"
    url = robot_server.add("route-ding", Robot("dingtalk", secret="SEC0123456789"))
    saved = a.admin.ok("PUT", f"{path}/dingtalk", json={"webhook_url": url, "secret": "SEC0123456789"})
    assert saved["signed"] is True and "secret" not in saved
    assert a.admin.ok("GET", path) == [saved]
    updated = a.admin.ok("PUT", f"{path}/dingtalk", json={"webhook_url": url, "secret": "SEC0123456789", "enabled": False})
    assert updated["id"] == saved["id"] and updated["enabled"] is False

    member = a.member_api(member_a["id"])
    assert member.get(path).status_code == 403
    assert member.request("PUT", f"{path}/wecom", json={"webhook_url": url}).status_code == 403
    # The other college cannot see or set robots on this branch.
    assert b.admin.get(path).status_code == 404
    assert b.admin.request("PUT", f"{path}/wecom", json={"webhook_url": url}).status_code == 404
    assert a.admin.ok("GET", path) == [updated]

    for kind, body in (("fax", {"webhook_url": url}), ("wecom", {"webhook_url": "ftp://robot.example/x"}),
                       ("wecom", {"webhook_url": url, "extra": True}), ("wecom", {}),
                       ("dingtalk", {"webhook_url": url}), ("dingtalk", {"webhook_url": url, "secret": "short"})):
        response = a.admin.request("PUT", f"{path}/{kind}", json=body)
        assert response.status_code == 400, (kind, body)
    assert a.admin.get("/v1/org-units/not-a-uuid/robots").status_code == 400
    assert a.admin.get(f"/v1/org-units/{uuid.uuid4()}/robots").status_code == 404


def test_notices_are_officer_only_validated_and_per_college(api, two_colleges):
    a, b, member_a, member_b = two_colleges
    overdue = {"notice": "pairing_contact_overdue", "cause": "c-1", "person_id": member_a["id"], "fields": OVERDUE}
    assert a.member_api(member_a["id"]).request("POST", "/v1/notices", json=overdue).status_code == 403
    assert b.admin.request("POST", "/v1/notices", json=overdue).status_code == 404
    assert b.admin.request("POST", "/v1/notices", json={
        "notice": "activity_day_tomorrow", "cause": "x", "org_unit_id": a.branch["id"], "fields": ACTIVITY_DAY,
    }).status_code == 404
    for bad in ({**overdue, "notice": "no_such_notice"}, {**overdue, "fields": {"partner_name": "赵老师"}},
                {**overdue, "person_id": None}, {**overdue, "cause": "has spaces"}, {**overdue, "cause": ""},
                {**overdue, "person_id": "nope"}, {**overdue, "unexpected": 1},
                {"notice": "activity_day_tomorrow", "cause": "x", "fields": ACTIVITY_DAY}):
        response = a.admin.request("POST", "/v1/notices", json=bad)
        assert response.status_code == 400, (bad, response.text)
    assert a.admin.request("POST", "/v1/notices", data="nope").status_code == 400

    sent = a.admin.ok("POST", "/v1/notices", 201, json=overdue)
    assert [d["channel"] for d in sent["deliveries"]] == ["inbox"]
    assert b.member_api(member_b["id"]).ok("GET", f"/v1/members/{member_b['id']}/inbox")["items"] == []
    inbox = a.member_api(member_a["id"]).ok("GET", f"/v1/members/{member_a['id']}/inbox")["items"]
    assert [m["title"] for m in inbox] == ["结对联系已逾期：赵老师"]


def test_delivery_log_filters_pages_and_stays_in_its_college(api, two_colleges):
    a, b, member_a, member_b = two_colleges
    for n in range(3):
        a.admin.ok("POST", "/v1/notices", 201, json={
            "notice": "need_overdue", "cause": f"need-{n}", "person_id": member_a["id"],
            "fields": {"need_title": "设备维修", "raised_by_name": "陈静", "raised_on": "2026-11-01",
                       "status_name": "已指派", "status": "assigned", "days_overdue": n + 1}})
    page = a.admin.ok("GET", "/v1/notification-deliveries", params={"limit": 2, "channel": "inbox", "status": "sent"})
    assert page["total"] == 3 and len(page["items"]) == 2
    rest = a.admin.ok("GET", "/v1/notification-deliveries", params={"limit": 2, "offset": 2, "channel": "inbox"})
    assert len(rest["items"]) == 1
    assert {d["id"] for d in page["items"] + rest["items"]} == {d["id"] for d in deliveries(a.admin)}
    assert deliveries(a.admin, status="failed") == []
    assert b.admin.ok("GET", "/v1/notification-deliveries")["total"] == 0

    member = a.member_api(member_a["id"])
    assert member.get("/v1/notification-deliveries").status_code == 403
    assert member.ok("GET", "/v1/notification-deliveries", params={"person_id": member_a["id"]})["total"] == 3
    peer = a.add_member("张伟")
    assert a.member_api(peer["id"]).get("/v1/notification-deliveries",
                                        params={"person_id": member_a["id"]}).status_code == 403
    for params in ({"status": "lost"}, {"channel": "fax"}, {"limit": 0}, {"limit": 201}, {"limit": "x"},
                   {"offset": -1}, {"person_id": "nope"}):
        response = a.admin.get("/v1/notification-deliveries", params=params)
        assert response.status_code == 400, params


def test_month_close_posts_the_statement_and_joined_members_reach_their_branch_robot(api, robot_server):
    college = api.new_tenant()
    branch = college.branch["id"]
    robot = Robot("wecom")
    college.admin.ok("PUT", f"/v1/org-units/{branch}/robots/wecom", json={"webhook_url": robot_server.add("wecom-month", robot)})
    member = college.add_member("周敏")
    me = college.member_api(member["id"])
    prefs = f"/v1/members/{member['id']}/notification-preferences"
    wait_until(lambda: me.ok("GET", prefs)["name"] == "周敏", message="member_joined reaching notify")
    me.ok("PUT", prefs, json={"notices": {"points_awarded": ["wecom"]}})
    me.ok("POST", "/v1/activities", 201, json={
        "member_id": member["id"], "kind": "theory_reading", "occurred_on": "2026-10-05", "details": {"title": "党章"}})
    # Close only once the reading has counted, or the close would find all four duties missing.
    wait_until(lambda: college.admin.ok("GET", f"/v1/members/{member['id']}/points",
                                        params={"period": "2026-10"})["total"] == 2, message="the reading to count")
    college.admin.ok("POST", "/v1/points/month-closes", json={"org_unit_id": branch, "period": "2026-10"})

    # The month close also deducts for the three duties not done; the person's choice of robot for
    # points notices covers the deduction notice too.
    wait_until(lambda: len(robot.accepted) == 3, timeout=30,
               message="the award, the deduction and the statement on the robot")
    contents = sorted(r["payload"]["text"]["content"] for r in robot.accepted)
    assert any(c.startswith("2026-10 月积分结算") for c in contents)
    assert any("周敏" in c and "积分变动：+2 分" in c for c in contents)
    assert any("周敏" in c and "积分扣减：-6 分" in c and "“四个一”未完成" in c for c in contents), contents
    settled(college.admin, f"points_statement:{branch}:2026-10", 1)
