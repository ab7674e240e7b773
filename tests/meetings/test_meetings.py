"""Meetings through the gateway: planning, check-in (签到), leave (请假), minutes (纪要), the close
and the points it leads to; bad input answers 4xx naming the field and writes nothing; another
college's ids answer 404."""
from datetime import datetime, timedelta, timezone

from tests.meetings.conftest import known_to_activities
from tests.support.infra import wait_until


def _at(minutes_from_now: int) -> str:
    return (datetime.now(timezone.utc) + timedelta(minutes=minutes_from_now)).isoformat()


def _plan(api, branch, kind="party_lecture", starts=0, **extra):
    body = {"org_unit_id": branch.branch, "kind": kind, "title": "学习党章", "starts_at": _at(starts),
            "place": "党员活动室", "agenda": "学习、讨论", **extra}
    return api.ok("POST", "/v1/meetings", 201, json=body)


def _field(response, status=400):
    assert response.status_code == status, response.text
    return [d["field"] for d in response.json().get("details", [])]


def _status(meeting: dict) -> dict:
    return {a["member_id"]: a["status"] for a in meeting["attendees"]}


def _points(branch, member_id) -> int:
    return branch.admin.ok("GET", f"/v1/members/{member_id}/points")["total"]


def test_members_check_in_with_the_room_code_within_the_window(branch, db_engine):
    guest = branch.college.add_member("访客", org_unit_id=branch.admin.ok(
        "POST", "/v1/org-units", 201, json={"name": "学生党支部", "kind": "branch"})["id"])
    known_to_activities(db_engine, branch.college.tenant["id"], len(branch.people) + 1)
    meeting = _plan(branch.secretary, branch, guest_ids=[guest["id"]])
    code, path = meeting["check_in_code"], f"/v1/meetings/{meeting['id']}"
    # The group's member is invited with the branch; the guest as a guest; members do not see the code.
    assert set(_status(meeting)) == {*branch.people.values(), guest["id"]}
    assert "check_in_code" not in branch.member("周敏").ok("GET", path)
    zhou = branch.member("周敏")
    assert zhou.ok("POST", f"{path}/check-in", json={"code": code.lower()})["status"] == "checked_in"
    assert zhou.post(f"{path}/check-in", json={"code": code}).status_code == 409
    assert _field(branch.member("王强").post(f"{path}/check-in", json={"code": "WRONG1"})) == ["code"]
    assert _field(branch.member("王强").post(f"{path}/check-in", json={})) == ["code"]
    assert _status(branch.admin.ok("GET", path))[branch.people["王强"]] == "invited"

    # Not invited: a meeting of the group alone does not expect the branch's members.
    group_meeting = branch.secretary.ok("POST", "/v1/meetings", 201, json={
        "org_unit_id": branch.group, "kind": "group_meeting", "title": "小组学习", "starts_at": _at(0)})
    assert set(_status(group_meeting)) == {branch.people["李华"]}
    refused = zhou.post(f"/v1/meetings/{group_meeting['id']}/check-in", json={"code": group_meeting["check_in_code"]})
    assert _field(refused) == ["meeting_id"]

    # Outside the window (the default: 30 minutes either side of the start).
    early = _plan(branch.secretary, branch, starts=90)
    assert _field(zhou.post(f"/v1/meetings/{early['id']}/check-in", json={"code": early["check_in_code"]})) \
        == ["checked_in_at"]


def test_leave_is_asked_before_and_decided_by_an_officer(branch):
    meeting = _plan(branch.secretary, branch, kind="branch_general_meeting", starts=120)
    path = f"/v1/meetings/{meeting['id']}"
    wang = branch.member("王强")
    assert _field(wang.post(f"{path}/leave", json={"reason": ""})) == ["reason"]
    assert wang.ok("POST", f"{path}/leave", 201, json={"reason": "出差"})["status"] == "leave_requested"
    assert wang.post(f"{path}/leave/decision", json={"member_id": branch.people["王强"], "decision": "approve"}) \
        .status_code == 403
    assert _field(branch.secretary.post(f"{path}/leave/decision", json={
        "member_id": branch.people["王强"], "decision": "refuse"})) == ["reason"]
    decided = branch.secretary.ok("POST", f"{path}/leave/decision", json={
        "member_id": branch.people["王强"], "decision": "approve"})
    assert _status(decided)[branch.people["王强"]] == "excused"
    # Minutes on a meeting not held yet, and leave asked once it has started.
    assert _field(branch.secretary.post(f"{path}/minutes", json={"minutes": "x"})) == ["meeting_id"]
    started = _plan(branch.secretary, branch, starts=-5)
    assert _field(branch.member("周敏").post(f"/v1/meetings/{started['id']}/leave", json={"reason": "病假"})) \
        == ["meeting_id"]


def test_closing_logs_attendance_once_and_points_price_it(branch):
    zhou, wang, li = (branch.people[n] for n in ("周敏", "王强", "李华"))
    meeting = _plan(branch.secretary, branch, kind="party_lecture", starts=-60 * 24)
    path = f"/v1/meetings/{meeting['id']}"
    # 王强 logged the lecture by hand, naming it, before the secretary recorded the sign-in sheet.
    branch.member("王强").ok("POST", "/v1/activities", 201, json={
        "member_id": wang, "kind": "org_life", "occurred_on": meeting["held_on"],
        "details": {"meeting": "party_lecture", "topic": "学习党章", "meeting_id": meeting["id"]}})
    bad = branch.secretary.post(f"{path}/attendance", json={"records": [
        {"member_id": zhou, "status": "checked_in"}, {"member_id": branch.college.tenant["id"], "status": "absent"}]})
    assert _field(bad) == ["records.1.member_id"]
    assert _status(branch.admin.ok("GET", path))[zhou] == "invited"  # nothing half-written
    branch.secretary.ok("POST", f"{path}/attendance", json={"records": [
        {"member_id": zhou, "status": "checked_in"}, {"member_id": wang, "status": "checked_in"},
        {"member_id": branch.secretary_id, "status": "excused", "leave_reason": "上级会议"}]})
    assert _field(branch.secretary.post(f"{path}/close")) == ["minutes"]
    branch.secretary.ok("POST", f"{path}/minutes", json={"minutes": "学习了党章第一章。", "evidence": ["files/sign-in.jpg"]})
    closed = branch.secretary.ok("POST", f"{path}/close")
    assert closed["status"] == "closed" and closed["evidence"] == ["files/sign-in.jpg"]
    assert _status(closed) == {zhou: "checked_in", wang: "checked_in", branch.secretary_id: "excused", li: "absent"}
    assert closed["counts"] == {"invited": 0, "checked_in": 2, "leave_requested": 0, "excused": 1, "absent": 1}
    assert branch.secretary.post(f"{path}/close").status_code == 409

    # One org_life each for the two who came (王强's own log counts, the meeting adds none), and
    # the absence recorded at 0 points by the default rule set.
    wait_until(lambda: {m: _points(branch, m) for m in (zhou, wang)} == {zhou: 1, wang: 1}, message="attendance")
    kinds = {m: sorted(a["kind"] for a in branch.admin.ok("GET", f"/v1/members/{m}/activities"))
             for m in (zhou, wang, li, branch.secretary_id)}
    assert kinds == {zhou: ["org_life"], wang: ["org_life"], li: ["meeting_absence"], branch.secretary_id: []}
    # A hand log naming a meeting already counted for that member is refused, naming the field.
    again = branch.member("周敏").post("/v1/activities", json={
        "member_id": zhou, "kind": "org_life", "occurred_on": meeting["held_on"],
        "details": {"meeting": "party_lecture", "topic": "学习党章", "meeting_id": meeting["id"]}})
    assert again.status_code == 409 and "details.meeting_id" in again.text
    assert _field(branch.member("周敏").post("/v1/activities", json={
        "member_id": zhou, "kind": "meeting_absence", "occurred_on": meeting["held_on"],
        "details": {"meeting": "party_lecture", "meeting_id": meeting["id"]}})) == ["kind"]


def test_bad_input_and_other_colleges(branch, api):
    other = api.new_tenant()
    meeting = _plan(branch.secretary, branch)
    path = f"/v1/meetings/{meeting['id']}"
    cases = [
        ({"kind": "picnic"}, "kind"),
        ({"starts_at": "tomorrow"}, "starts_at"),
        ({"title": ""}, "title"),
        ({"invitee_ids": [branch.people["周敏"], branch.people["周敏"]]}, "invitee_ids"),
        ({"invitee_ids": [other.tenant["id"]]}, "invitee_ids.0"),
    ]
    for change, field in cases:
        body = {"org_unit_id": branch.branch, "kind": "forum", "title": "座谈", "starts_at": _at(0), **change}
        assert field in _field(branch.secretary.post("/v1/meetings", json=body)), change
    assert _field(branch.admin.get(f"/v1/org-units/{branch.branch}/meetings?period=26")) == ["period"]
    assert _field(branch.secretary.post(f"{path}/attendance", json={"records": []})) == ["records"]
    assert _field(branch.secretary.post("/v1/meetings/x/close")) == ["meeting_id"]
    assert branch.member("周敏").post("/v1/meetings", json={
        "org_unit_id": branch.branch, "kind": "forum", "title": "座谈", "starts_at": _at(0)}).status_code == 403
    # Another college: its admin sees no meeting here, and plans none for our unit.
    assert other.admin.get(path).status_code == 404
    assert other.admin.post(f"{path}/close").status_code == 404
    assert other.admin.post("/v1/meetings", json={
        "org_unit_id": branch.branch, "kind": "forum", "title": "座谈", "starts_at": _at(0)}).status_code == 404
    listed = branch.admin.ok("GET", f"/v1/org-units/{branch.branch}/meetings?period={meeting['period']}")
    assert [m["id"] for m in listed if m["kind"] != "activity_day"] == [meeting["id"]]
