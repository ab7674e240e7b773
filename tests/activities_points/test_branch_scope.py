"""An officer changes only their own branch and its groups, in every service, not only in members.

A secretary of one branch logs, approves, schedules and configures for the people and units of
that branch (its groups included); the same action on another branch of the same college answers
403 and changes nothing. The tenant admin is not bound to a branch."""
import pytest

ACHIEVEMENT = {"kind": "achievement", "occurred_on": "2026-10-04",
               "details": {"title": "优秀教师", "level": "school", "awarded_by": "学校"}}
ORG_LIFE = {"kind": "org_life", "occurred_on": "2026-10-09", "details": {"meeting": "party_lecture", "topic": "党课"}}


@pytest.fixture
def college(api):
    college = api.new_tenant()
    admin = college.admin
    ours = college.branch["id"]
    theirs = admin.ok("POST", "/v1/org-units", 201, json={"name": "学生党支部", "kind": "branch"})["id"]
    group = admin.ok("POST", "/v1/org-units", 201, json={"name": "第一党小组", "kind": "group", "parent_id": ours})["id"]
    secretary = college.add_member("孙丽")
    admin.ok("POST", f"/v1/members/{secretary['id']}/roles", 201, json={
        "role": "secretary", "org_unit_id": ours, "started_on": "2024-01-01"})
    token = admin.ok("POST", f"/v1/members/{secretary['id']}/tokens", 201, json={"roles": ["secretary"]})["token"]
    people = {"ours": college.add_member("周敏"), "in_group": college.add_member("王强", org_unit_id=group),
              "theirs": college.add_member("李华", org_unit_id=theirs)}
    return dict(admin=admin, officer=admin.as_(token), secretary=secretary, units={"ours": ours, "theirs": theirs},
                people={k: v["id"] for k, v in people.items()}, setup=college)


def _activities(admin, member_id) -> list:
    return admin.ok("GET", f"/v1/members/{member_id}/activities")


def test_an_officer_logs_and_decides_only_for_their_own_branch_and_its_groups(college):
    admin, officer, people = college["admin"], college["officer"], college["people"]

    for whom in ("ours", "in_group"):
        # An officer's log needs no approval; a member's own submission waits for an officer.
        assert officer.ok("POST", "/v1/activities", 201, json={"member_id": people[whom], **ORG_LIFE})
        submitted = college["setup"].member_api(people[whom]).ok(
            "POST", "/v1/activities", 201, json={"member_id": people[whom], **ACHIEVEMENT})
        assert officer.ok("POST", f"/v1/activities/{submitted['id']}/approve")["status"] == "approved"
    refused = officer.post("/v1/activities", json={"member_id": people["theirs"], **ACHIEVEMENT})
    assert refused.status_code == 403, refused.text
    assert refused.json()["message"] == "officers change only their own branch and its groups"

    # Their own submission is decided by their own branch's officers only.
    theirs = college["setup"].member_api(people["theirs"]).ok(
        "POST", "/v1/activities", 201, json={"member_id": people["theirs"], **ACHIEVEMENT})
    for path, body in ((f"/v1/activities/{theirs['id']}/approve", None),
                       (f"/v1/activities/{theirs['id']}/reject", {"reason": "x"}),
                       (f"/v1/activities/{theirs['id']}/correct", {"quantity": "1", "reason": "x"})):
        assert officer.post(path, json=body).status_code == 403, path
    assert admin.ok("GET", f"/v1/activities/{theirs['id']}")["status"] == "submitted"
    assert admin.ok("POST", f"/v1/activities/{theirs['id']}/approve")["status"] == "approved"

    # An attendance list with one person of another branch is refused whole.
    mixed = officer.post("/v1/activities/bulk", json={"member_ids": [people["ours"], people["theirs"]], **ORG_LIFE})
    assert mixed.status_code == 403, mixed.text
    assert sorted(a["kind"] for a in _activities(admin, people["ours"])) == ["achievement", "org_life"]
    assert len(officer.ok("POST", "/v1/activities/bulk", 201, json={
        "member_ids": [people["ours"], people["in_group"]], **ORG_LIFE})) == 2

    # A member still logs for themself, and the secretary for themself.
    officer.ok("POST", "/v1/activities", 201, json={"member_id": college["secretary"]["id"], **ORG_LIFE})


def test_an_officer_schedules_and_records_only_their_own_branch_activity_days(college):
    admin, officer, people, units = college["admin"], college["officer"], college["people"], college["units"]
    assert officer.post("/v1/activity-days", json={"org_unit_id": units["theirs"], "year": 2026}).status_code == 403
    ours = officer.ok("POST", "/v1/activity-days", 201, json={"org_unit_id": units["ours"], "year": 2026})
    theirs = admin.ok("POST", "/v1/activity-days", 201, json={"org_unit_id": units["theirs"], "year": 2026})

    move = {"held_on": "2026-10-20", "reason": "校庆"}
    assert officer.post(f"/v1/activity-days/{theirs[9]['id']}/move", json=move).status_code == 403
    assert officer.ok("POST", f"/v1/activity-days/{ours[9]['id']}/move", json=move)["held_on"] == "2026-10-20"
    attended = {"member_id": people["theirs"], "status": "attended"}
    assert officer.post(f"/v1/activity-days/{theirs[9]['id']}/attendance", json=attended).status_code == 403
    assert _activities(admin, people["theirs"]) == []
    officer.ok("POST", f"/v1/activity-days/{ours[9]['id']}/attendance", 201,
               json={"member_id": people["in_group"], "status": "attended"})


def test_an_officer_sets_points_rules_closes_months_and_posts_to_robots_only_for_their_own_branch(college):
    admin, officer, units = college["admin"], college["officer"], college["units"]
    layer = {"effective_from": "2026-12-01", "layer": {"rules": {"theory_reading": {"points_per_unit": 3}}}}
    assert officer.post("/v1/points/rule-sets", json={"org_unit_id": units["theirs"], **layer}).status_code == 403
    assert officer.post("/v1/points/rule-sets", json=layer).status_code == 403  # the tenant's default: admins
    assert officer.ok("POST", "/v1/points/rule-sets", 201, json={"org_unit_id": units["ours"], **layer})["scope"] \
        == units["ours"]
    close = {"period": "2026-10"}
    assert officer.post("/v1/points/month-closes", json={"org_unit_id": units["theirs"], **close}).status_code == 403
    closed = officer.post("/v1/points/month-closes", json={"org_unit_id": units["ours"], **close})
    assert closed.status_code == 200, closed.text

    robot = {"webhook_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=branch-1"}
    assert officer.request("PUT", f"/v1/org-units/{units['theirs']}/robots/wecom", json=robot).status_code == 403
    officer.ok("PUT", f"/v1/org-units/{units['ours']}/robots/wecom", json=robot)
    notice = {"notice": "activity_day_tomorrow", "cause": "day-2026-10", "fields": {"date": "2026-10-22"}}
    assert officer.post("/v1/notices", json={"org_unit_id": units["theirs"], **notice}).status_code == 403
    officer.ok("POST", "/v1/notices", 201, json={"org_unit_id": units["ours"], **notice})
    assert admin.ok("GET", f"/v1/org-units/{units['theirs']}/robots") == []

    # A notice to a person is for the officers of that person's unit, and cannot borrow another
    # branch's group chats either.
    people = college["people"]
    overdue = {"notice": "pairing_contact_overdue", "fields": {"partner_name": "赵老师", "due_on": "2026-11-20",
                                                               "days_overdue": 4}}
    refused = officer.post("/v1/notices", json={"person_id": people["theirs"], "cause": "c1", **overdue})
    assert refused.status_code == 403, refused.text
    assert officer.post("/v1/notices", json={"person_id": people["ours"], "org_unit_id": units["theirs"],
                                             "cause": "c2", **overdue}).status_code == 403
    officer.ok("POST", "/v1/notices", 201, json={"person_id": people["in_group"], "cause": "c3", **overdue})


def test_an_appointment_reaches_the_other_services_with_the_token(college):
    """Managed units are computed by members when the gateway resolves a token; a person who holds
    an officer role on the token but no appointment manages nothing."""
    admin, people = college["admin"], college["people"]
    unappointed = college["setup"].add_member("赵刚")
    token = admin.ok("POST", f"/v1/members/{unappointed['id']}/tokens", 201, json={"roles": ["secretary"]})["token"]
    response = admin.as_(token).post("/v1/activities", json={"member_id": people["ours"], **ACHIEVEMENT})
    assert response.status_code == 403, response.text
    assert _activities(admin, people["ours"]) == []
    # Their own activity waits for approval like anyone's; an appointed officer's is approved at once.
    mine = admin.as_(token).ok("POST", "/v1/activities", 201, json={"member_id": unappointed["id"], **ACHIEVEMENT})
    assert mine["status"] == "submitted"
    secretary = college["secretary"]["id"]
    assert college["officer"].ok("POST", "/v1/activities", 201, json={
        "member_id": secretary, **ACHIEVEMENT})["status"] == "approved"
