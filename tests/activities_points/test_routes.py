"""Every activities and points route: bad input answers 400 naming the field, other tenants 404,
members 403 where an officer is needed."""
import pytest

from tests.support.infra import wait_until

ZERO = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def world(api):
    college = api.new_tenant()
    member = college.add_member("周敏")
    me = college.member_api(member["id"])
    branch = college.branch["id"]
    days = college.admin.ok("POST", "/v1/activity-days", 201, json={"org_unit_id": branch, "year": 2026})
    activity = me.ok("POST", "/v1/activities", 201, json={
        "member_id": member["id"], "kind": "volunteer_service", "occurred_on": "2026-10-03", "quantity": "2",
        "details": {"partner": "社区"}})
    award = me.ok("POST", "/v1/activities", 201, json={
        "member_id": member["id"], "kind": "achievement", "occurred_on": "2026-10-04",
        "details": {"title": "优秀教师", "level": "school", "awarded_by": "学校"}})
    wait_until(lambda: college.admin.ok("GET", f"/v1/members/{member['id']}/points")["total"] == 2, message="accrual")
    other = api.new_tenant()
    return dict(college=college, member=member, me=me, branch=branch, day=days[9], activity=activity, award=award,
                other=other)


def _field(response, status=400):
    assert response.status_code == status, response.text
    return [d["field"] for d in response.json().get("details", [])]


def test_bad_input_on_every_route(world):
    admin, m, branch = world["college"].admin, world["member"]["id"], world["branch"]
    day, act = world["day"]["id"], world["activity"]["id"]
    cases = [
        ("POST", "/v1/activities", {"member_id": m, "kind": "theory_reading", "occurred_on": "2026-10-01",
                                    "details": {}}, "details.title"),
        ("POST", "/v1/activities", {"member_id": m, "kind": "dancing", "occurred_on": "2026-10-01"}, "kind"),
        ("POST", "/v1/activities", {"member_id": m, "kind": "org_life", "occurred_on": "2099-01-01",
                                    "details": {"meeting": "party_lecture", "topic": "t"}}, "occurred_on"),
        ("POST", "/v1/activities", {"member_id": m, "kind": "org_life", "occurred_on": "2026-10-01",
                                    "details": {"meeting": "party_lecture", "topic": "t"}, "evidence": [""]}, "evidence"),
        ("POST", "/v1/activities/bulk", {"member_ids": [], "kind": "org_life", "occurred_on": "2026-10-01"}, "member_ids"),
        ("POST", f"/v1/activities/{act}/reject", {"reason": ""}, "reason"),
        ("POST", f"/v1/activities/{act}/correct", {"quantity": "0", "reason": "x"}, "quantity"),
        ("POST", f"/v1/activities/{act}/correct", {"quantity": "30", "reason": "x"}, "quantity"),
        ("POST", "/v1/activity-days", {"org_unit_id": branch, "year": 1900}, "year"),
        ("POST", f"/v1/activity-days/{day}/move", {"held_on": "2026-11-03", "reason": "x"}, "held_on"),
        ("POST", f"/v1/activity-days/{day}/attendance", {"member_id": m, "status": "late"}, "status"),
        ("POST", f"/v1/activity-days/{day}/attendance", {"member_id": m, "status": "leave"}, "leave_reason"),
        ("POST", "/v1/points/rule-sets", {"org_unit_id": branch, "effective_from": "2026-12-01",
                                          "layer": {"rules": {"theory_reading": {"dimension": "charm"}}}},
         "layer.rules.theory_reading.dimension"),
        ("POST", "/v1/points/month-closes", {"org_unit_id": branch, "period": "2026-13"}, "period"),
        ("POST", "/v1/activity-kinds", {"key": "Bad Key", "title_zh": "x", "points_per_unit": 1,
                                        "dimension": "ability"}, "key"),
        ("POST", "/v1/activity-kinds", {"key": "talks", "title_zh": "x", "points_per_unit": 1,
                                        "dimension": "charm"}, "dimension"),
        ("POST", "/v1/points/month-closes", {"org_unit_id": branch, "period": "2099-01"}, "period"),
    ]
    for method, path, body, field in cases:
        assert field in _field(admin.request(method, path, json=body)), (path, body)
    gets = [
        (f"/v1/members/{m}/activities?period=2026-1", "period"),
        (f"/v1/members/{m}/four-duties", "period"),
        (f"/v1/org-units/{branch}/four-duties?period=x", "period"),
        (f"/v1/org-units/{branch}/activity-days", "year"),
        (f"/v1/org-units/{branch}/activity-days?year=abc", "year"),
        (f"/v1/members/{m}/points?period=2026-00", "period"),
        (f"/v1/members/{m}/points/statement?period=26-10", "period"),
        ("/v1/points/rule-set?on=yesterday", "on"),
        ("/v1/points/leaderboard", "period"),
        ("/v1/points/leaderboard?period=2026-10&dimension=charm", "dimension"),
        ("/v1/points/leaderboard?period=2026-10&limit=0", "limit"),
        ("/v1/points/leaderboard/org-units?period=10-2026", "period"),
        ("/v1/points/leaderboard/org-units?period=2026-10&dimension=x", "dimension"),
        (f"/v1/org-units/{branch}/assessment?year=20x6", "year"),
        ("/v1/activities/not-a-uuid", "activity_id"),
        (f"/v1/org-units/{branch}/points-report?period=2026", "period"),
        (f"/v1/org-units/{branch}/points-report.xlsx", "period"),
        (f"/v1/org-units/{branch}/assessment.xlsx", "year"),
    ]
    for path, field in gets:
        assert field in _field(admin.get(path)), path
    assert "body" in _field(admin.request("POST", "/v1/activities/bulk", data="[1"))
    # Nothing half-written: a bulk log with one unknown member logs nobody.
    response = admin.post("/v1/activities/bulk", json={"member_ids": [m, ZERO], "kind": "org_life",
                                                       "occurred_on": "2026-10-02",
                                                       "details": {"meeting": "group_meeting", "topic": "t"}})
    assert response.status_code == 404
    assert not [a for a in admin.ok("GET", f"/v1/members/{m}/activities") if a["kind"] == "org_life"]


def test_state_conflicts(world):
    admin, act, award, day = world["college"].admin, world["activity"]["id"], world["award"]["id"], world["day"]["id"]
    assert admin.post(f"/v1/activities/{act}/approve").status_code == 409  # already approved (self-declared)
    admin.ok("POST", f"/v1/activities/{award}/reject", json={"reason": "证书未上传"})
    assert admin.post(f"/v1/activities/{award}/approve").status_code == 409
    assert admin.post(f"/v1/activities/{award}/reject", json={"reason": "again"}).status_code == 409
    body = {"member_id": world["member"]["id"], "status": "attended"}
    admin.ok("POST", f"/v1/activity-days/{day}/attendance", 201, json=body)
    assert admin.post(f"/v1/activity-days/{day}/attendance", json=body).status_code == 409


def test_members_cannot_do_officer_work(world):
    me, m, branch, act = world["me"], world["member"]["id"], world["branch"], world["activity"]["id"]
    forbidden = [
        ("POST", f"/v1/activities/{act}/approve", None),
        ("POST", f"/v1/activities/{act}/reject", {"reason": "x"}),
        ("POST", f"/v1/activities/{act}/correct", {"quantity": "1", "reason": "x"}),
        ("POST", "/v1/activities/bulk", {"member_ids": [m], "kind": "org_life", "occurred_on": "2026-10-01"}),
        ("POST", "/v1/activity-days", {"org_unit_id": branch, "year": 2027}),
        ("POST", f"/v1/activity-days/{world['day']['id']}/attendance", {"member_id": m, "status": "attended"}),
        ("POST", "/v1/points/month-closes", {"org_unit_id": branch, "period": "2026-10"}),
        ("POST", "/v1/points/rule-sets", {"effective_from": "2026-12-01", "layer": {}}),
        ("GET", f"/v1/org-units/{branch}/four-duties?period=2026-10", None),
        ("GET", f"/v1/org-units/{branch}/assessment?year=2026", None),
        ("GET", "/v1/activities/pending", None),
        ("GET", f"/v1/org-units/{branch}/points-report?period=2026-10", None),
        ("GET", f"/v1/org-units/{branch}/points-report.xlsx?period=2026-10", None),
        ("GET", f"/v1/org-units/{branch}/assessment.xlsx?year=2026", None),
    ]
    for method, path, body in forbidden:
        assert me.request(method, path, json=body).status_code == 403, path
    assert me.ok("GET", f"/v1/members/{m}/four-duties?period=2026-10")["done"] == ["volunteer_service"]


def test_other_tenants_see_nothing(world):
    stranger = world["other"].admin
    m, branch, act, day = world["member"]["id"], world["branch"], world["activity"]["id"], world["day"]["id"]
    not_found = [
        ("GET", f"/v1/activities/{act}", None),
        ("POST", f"/v1/activities/{act}/approve", None),
        ("POST", f"/v1/activities/{act}/reject", {"reason": "x"}),
        ("POST", f"/v1/activities/{act}/correct", {"quantity": "1", "reason": "x"}),
        ("POST", "/v1/activities", {"member_id": m, "kind": "org_life", "occurred_on": "2026-10-01",
                                    "details": {"meeting": "party_lecture", "topic": "t"}}),
        ("POST", "/v1/activities/bulk", {"member_ids": [m], "kind": "org_life", "occurred_on": "2026-10-01",
                                         "details": {"meeting": "party_lecture", "topic": "t"}}),
        ("GET", f"/v1/members/{m}/activities", None),
        ("GET", f"/v1/members/{m}/four-duties?period=2026-10", None),
        ("GET", f"/v1/org-units/{branch}/four-duties?period=2026-10", None),
        ("POST", f"/v1/activity-days/{day}/move", {"held_on": "2026-10-20", "reason": "x"}),
        ("POST", f"/v1/activity-days/{day}/attendance", {"member_id": m, "status": "attended"}),
        ("GET", f"/v1/members/{m}/points", None),
        ("GET", f"/v1/members/{m}/points/statement", None),
        ("POST", "/v1/points/month-closes", {"org_unit_id": branch, "period": "2026-10"}),
        ("GET", f"/v1/org-units/{branch}/assessment?year=2026", None),
        ("GET", f"/v1/org-units/{branch}/assessment.xlsx?year=2026", None),
        ("GET", f"/v1/org-units/{branch}/points-report?period=2026-10", None),
        ("GET", f"/v1/org-units/{branch}/points-report.xlsx?period=2026-10", None),
    ]
    # A unit of another college answers as if it did not exist, on reads as on writes.
    not_found.append(("GET", f"/v1/org-units/{branch}/activity-days?year=2026", None))
    for method, path, body in not_found:
        assert stranger.request(method, path, json=body).status_code == 404, path
    assert stranger.ok("GET", "/v1/points/leaderboard?period=2026-10")["entries"] == []
    assert stranger.ok("GET", "/v1/points/leaderboard/org-units?period=2026-10")["entries"] == []
    assert stranger.ok("GET", "/v1/activities/pending") == []
    assert world["college"].admin.ok("GET", "/v1/activities/pending")[0]["id"] == world["award"]["id"]
