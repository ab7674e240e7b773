"""Pairings (手拉手、一帮一) and needs (诉求) through the gateway, with every service running."""
import threading
import time
from datetime import date, timedelta

from sqlalchemy import text

from tests.pairing.conftest import Branch, inbox, shanghai_today, wait_inbox
from tests.support.infra import wait_until

ZERO = "00000000-0000-0000-0000-000000000000"


def _field(response, status=400) -> list[str]:
    """The fields an error names; `status` is one code or a tuple of the acceptable ones."""
    assert response.status_code in (status if isinstance(status, tuple) else (status,)), response.text
    return [d["field"] for d in response.json().get("details", [])]


def _contact(branch: Branch, occurred_on: str, target_type: str = "staff_non_party") -> dict:
    return branch.mentor_api.ok("POST", "/v1/activities", 201, json={
        "member_id": branch.mentor["id"], "kind": "pairing_contact", "occurred_on": occurred_on,
        "details": {"target_type": target_type, "target": "赵老师", "summary": "谈心谈话，了解教学近况",
                    "needs_raised": "实验室设备老化"}})


def test_a_month_of_a_pairing_with_a_missed_contact_the_escalation_and_a_need_closed(branch):
    admin, mentor, secretary = branch.admin, branch.mentor["id"], branch.secretary["id"]
    staff = branch.pair("staff_non_party", "2026-08-01")
    branch.pair("class", "2026-08-01")
    branch.pair("student_member", "2026-08-01")
    second = admin.post("/v1/pairings", json={"mentor_id": mentor, "target_kind": "staff_non_party",
                                              "target_person_id": branch.teacher["id"]})
    assert _field(second, 409) == ["target_kind"]
    assert admin.ok("GET", f"/v1/org-units/{branch.branch_id}/pairing-settings")["contact_every_days"] == 30
    assert staff["next_due_on"] == "2026-08-31" and staff["target_label"] == "赵老师"

    # Day one past due: the mentor is reminded, once per pairing, however often the scan runs.
    assert branch.scan("2026-08-31")["pairing_contact_overdue"] == 0
    assert branch.scan("2026-09-01")["pairing_contact_overdue"] == 3
    assert branch.scan("2026-09-01")["pairing_contact_overdue"] == 0
    reminders = wait_inbox(admin, mentor, "pairing_contact_overdue", 3)
    assert {"结对联系已逾期：赵老师", "结对联系已逾期：数学 2301 班"} <= {r["title"] for r in reminders}
    assert inbox(admin, secretary, "pairing_contact_escalated") == []

    # A second period without contact: the secretary is told.
    assert branch.scan("2026-09-29")["pairing_contact_overdue"] == 0
    assert branch.scan("2026-09-30")["pairing_contact_overdue"] == 3
    escalations = wait_inbox(admin, secretary, "pairing_contact_escalated", 3)
    assert any("李明与赵老师的结对联系应于 2026-08-31 前完成，已逾期 30 天" in e["body"] for e in escalations)

    # The contact is logged as an activity; the pairing's clock follows through the event.
    contact = _contact(branch, "2026-10-05")
    moved = wait_until(lambda: (p := branch.pairings()["staff_non_party"])["last_contact_on"] == "2026-10-05" and p,
                       message="the contact to reach the pairing")
    assert moved["next_due_on"] == "2026-11-04"
    detail = branch.mentor_api.ok("GET", f"/v1/pairings/{staff['id']}")
    assert detail["contacts"] == [{"activity_id": contact["id"], "occurred_on": "2026-10-05"}]
    assert branch.scan("2026-10-06")["pairing_contact_overdue"] == 0
    # The next period is missed too: a new due date, so a new reminder.
    assert branch.scan("2026-11-05")["pairing_contact_overdue"] >= 1
    wait_until(lambda: any("2026-11-04" in r["body"] for r in inbox(admin, mentor, "pairing_contact_overdue")),
               message="the reminder for the second period")

    # A need raised in that contact, left open past the branch's 14 days: the secretary is told, once.
    need = branch.mentor_api.ok("POST", "/v1/needs", 201, json={
        "title": "实验室设备维修", "description": "示波器老化", "pairing_id": staff["id"],
        "activity_id": contact["id"], "raised_on": "2026-10-05"})
    assert need["status"] == "open" and need["raised_by"] == mentor
    early = branch.mentor_api.post(f"/v1/needs/{need['id']}/confirm", json={})
    assert _field(early, 409) == ["status"] and "open" in early.json()["message"]
    assert _field(admin.post(f"/v1/needs/{need['id']}/resolve", json={"resolution": "已修"}), 409) == ["status"]
    assert branch.scan("2026-10-19")["need_overdue"] == 0
    assert branch.scan("2026-10-20")["need_overdue"] == 1
    assert branch.scan("2026-10-21")["need_overdue"] == 0
    [overdue] = wait_inbox(admin, secretary, "need_overdue", 1)
    assert "实验室设备维修" in overdue["title"] and "待指派" in overdue["body"]

    # Assigned to the secretary, resolved, reopened by the mentor, resolved again, confirmed.
    admin.ok("POST", f"/v1/needs/{need['id']}/assign", json={"assignee_id": secretary})
    wait_inbox(admin, secretary, "need_assigned", 1)
    branch.secretary_api.ok("POST", f"/v1/needs/{need['id']}/resolve", json={"resolution": "已报修"})
    wait_inbox(admin, mentor, "need_resolved", 1)
    refused = branch.secretary_api.post(f"/v1/needs/{need['id']}/confirm", json={})
    assert refused.status_code == 403, refused.text
    reopened = branch.mentor_api.ok("POST", f"/v1/needs/{need['id']}/reopen", json={"reason": "仍未修好"})
    assert reopened["status"] == "assigned" and reopened["assignee_id"] == secretary
    wait_inbox(admin, secretary, "need_assigned", 2)
    branch.secretary_api.ok("POST", f"/v1/needs/{need['id']}/resolve", json={"resolution": "已更换设备"})
    closed = branch.mentor_api.ok("POST", f"/v1/needs/{need['id']}/confirm", json={"note": "已解决"})
    assert closed["status"] == "confirmed"
    again = branch.mentor_api.post(f"/v1/needs/{need['id']}/confirm", json={})
    assert _field(again, 409) == ["status"] and "confirmed" in again.json()["message"]
    history = branch.mentor_api.ok("GET", f"/v1/needs/{need['id']}")["history"]
    assert [h["to_status"] for h in history] == ["open", "assigned", "resolved", "assigned", "resolved", "confirmed"]

    # The branch view: what is still open, and how long each closed need took.
    direct = branch.mentor_api.ok("POST", "/v1/needs", 201, json={"title": "子女入学咨询"})
    view = admin.ok("GET", f"/v1/org-units/{branch.branch_id}/needs")
    assert [n["id"] for n in view["open"]] == [direct["id"]]
    expected = (max(shanghai_today(), date(2026, 10, 5)) - date(2026, 10, 5)).days
    assert [(n["id"], n["days_to_close"]) for n in view["closed"]] == [(need["id"], expected)]
    assert view["average_days_to_close"] == float(expected)


def test_pairing_history_when_a_target_changes_or_a_pairing_ends(branch):
    admin = branch.admin
    klass = branch.pair("class", "2026-09-01")
    student = branch.pair("student_member", "2026-09-01")
    same = admin.post(f"/v1/pairings/{klass['id']}/change-target", json={"target_class": "数学 2301 班"})
    assert _field(same) == ["target_class"]
    changed = admin.ok("POST", f"/v1/pairings/{klass['id']}/change-target", 201, json={
        "target_class": "物理 2302 班", "changed_on": "2026-10-01", "reason": "班级调整"})
    assert changed["target_label"] == "物理 2302 班" and changed["next_due_on"] == "2026-10-31"
    admin.ok("POST", f"/v1/pairings/{student['id']}/end", json={"ended_on": "2026-10-15", "reason": "学生毕业"})
    ended_twice = admin.post(f"/v1/pairings/{student['id']}/end", json={"reason": "again"})
    assert _field(ended_twice, 409) == ["ended_on"]
    assert set(branch.pairings()) == {"class"}
    history = branch.pairings(include_ended=True)
    assert {(p["target_label"], p["ended_on"], p["end_reason"]) for p in history} == {
        ("物理 2302 班", None, None), ("数学 2301 班", "2026-10-01", "班级调整"), ("陈静", "2026-10-15", "学生毕业")}
    # An ended pairing frees its kind: a new student pairing may start.
    assert branch.pair("student_member", "2026-10-16")["active"]
    # Ended pairings are never announced: two active ones, each at both levels by now.
    assert branch.scan("2026-12-30")["pairing_contact_overdue"] == 4


def test_a_leaver_ends_their_pairings_and_is_no_longer_chased(branch):
    branch.pair("staff_non_party", "2026-08-01")
    branch.pair("class", "2026-08-01")
    branch.admin.ok("POST", f"/v1/members/{branch.mentor['id']}/leave", json={
        "left_on": "2026-09-15", "reason": "调离学校"})
    # The leaver's own token ended with their leaving (no working credential after the roster):
    # the branch reads what is left of their pairings.
    assert branch.mentor_api.request("GET", f"/v1/members/{branch.mentor['id']}/pairings").status_code == 401
    assert branch.admin.ok("GET", f"/v1/members/{branch.mentor['id']}/pairings") == []
    history = branch.admin.ok("GET", f"/v1/members/{branch.mentor['id']}/pairings", params={"include_ended": "true"})
    assert {(p["target_kind"], p["ended_on"], p["end_reason"]) for p in history} == {
        ("staff_non_party", "2026-09-15", "left the roster"), ("class", "2026-09-15", "left the roster")}
    assert branch.scan("2026-12-30")["pairing_contact_overdue"] == 0


def test_cadence_is_per_branch_and_moves_due_dates(branch):
    admin = branch.admin
    staff = branch.pair("staff_non_party", "2026-09-01")
    assert staff["next_due_on"] == "2026-10-01"
    settings = admin.ok("PUT", f"/v1/org-units/{branch.branch_id}/pairing-settings",
                        json={"contact_every_days": 14})
    assert settings == {"org_unit_id": branch.branch_id, "contact_every_days": 14, "need_overdue_days": 14}
    assert branch.pairings()["staff_non_party"]["next_due_on"] == "2026-09-15"
    member_put = branch.mentor_api.request("PUT", f"/v1/org-units/{branch.branch_id}/pairing-settings",
                                       json={"contact_every_days": 60})
    assert member_put.status_code == 403
    overview = admin.ok("GET", f"/v1/org-units/{branch.branch_id}/pairings")
    assert [p["id"] for p in overview["items"]] == [staff["id"]] and overview["overdue"] == 1


def test_rejected_contact_is_taken_back(branch):
    staff = branch.pair("staff_non_party", "2026-09-01")
    first = _contact(branch, "2026-09-10")
    late = _contact(branch, "2026-09-20")
    wait_until(lambda: branch.pairings()["staff_non_party"]["last_contact_on"] == "2026-09-20", message="contacts")
    branch.admin.ok("POST", f"/v1/activities/{late['id']}/reject", json={"reason": "重复登记"})
    back = wait_until(lambda: (p := branch.pairings()["staff_non_party"])["last_contact_on"] == "2026-09-10" and p,
                      message="the rejected contact to be taken back")
    assert back["next_due_on"] == "2026-10-10"
    contacts = branch.admin.ok("GET", f"/v1/pairings/{staff['id']}")["contacts"]
    assert [c["activity_id"] for c in contacts] == [first["id"]]


def test_who_may_do_what(branch, api):
    staff = branch.pair("staff_non_party", "2026-09-01")
    peer = branch.college.add_member("周敏")
    peer_api = branch.college.member_api(peer["id"])
    body = {"mentor_id": peer["id"], "target_kind": "class", "target_class": "化学 2303 班"}
    assert peer_api.post("/v1/pairings", json=body).status_code == 403
    assert peer_api.get(f"/v1/pairings/{staff['id']}").status_code == 403
    assert peer_api.get(f"/v1/members/{branch.mentor['id']}/pairings").status_code == 403
    assert peer_api.get(f"/v1/org-units/{branch.branch_id}/pairings").status_code == 403
    assert peer_api.post(f"/v1/pairings/{staff['id']}/end", json={"reason": "x"}).status_code == 403
    assert peer_api.post("/v1/pairing-scans", json={"on": "2026-10-01"}).status_code == 403
    assert branch.mentor_api.ok("GET", f"/v1/pairings/{staff['id']}")["mentor_id"] == branch.mentor["id"]
    need = branch.mentor_api.ok("POST", "/v1/needs", 201, json={"title": "办公用房紧张"})
    assert peer_api.get(f"/v1/needs/{need['id']}").status_code == 403
    assert peer_api.post(f"/v1/needs/{need['id']}/assign", json={"assignee_id": peer["id"]}).status_code == 403
    # Members raise their own needs; recording one for someone else is an officer's job.
    assert peer_api.post("/v1/needs", json={"title": "x", "raised_by": branch.mentor["id"]}).status_code == 403
    branch.admin.ok("POST", f"/v1/needs/{need['id']}/assign", json={"assignee_id": branch.secretary["id"]})
    assert peer_api.post(f"/v1/needs/{need['id']}/resolve", json={"resolution": "x"}).status_code == 403


def test_another_colleges_pairings_and_needs_do_not_exist(branch, api):
    staff = branch.pair("staff_non_party", "2026-09-01")
    need = branch.mentor_api.ok("POST", "/v1/needs", 201, json={"title": "实验室设备维修"})
    other = api.new_tenant()
    stranger = other.add_member("孙丽")
    o = other.admin
    for method, path, body in [
        ("GET", f"/v1/pairings/{staff['id']}", None),
        ("POST", f"/v1/pairings/{staff['id']}/end", {"reason": "x"}),
        ("POST", f"/v1/pairings/{staff['id']}/change-target", {"target_person_id": stranger["id"]}),
        ("GET", f"/v1/members/{branch.mentor['id']}/pairings", None),
        ("GET", f"/v1/org-units/{branch.branch_id}/pairings", None),
        ("GET", f"/v1/org-units/{branch.branch_id}/pairing-settings", None),
        ("PUT", f"/v1/org-units/{branch.branch_id}/pairing-settings", {"contact_every_days": 7}),
        ("GET", f"/v1/needs/{need['id']}", None),
        ("POST", f"/v1/needs/{need['id']}/assign", {"assignee_id": stranger["id"]}),
        ("POST", f"/v1/needs/{need['id']}/resolve", {"resolution": "x"}),
        ("POST", f"/v1/needs/{need['id']}/confirm", {}),
        ("POST", f"/v1/needs/{need['id']}/reopen", {"reason": "x"}),
        ("GET", f"/v1/org-units/{branch.branch_id}/needs", None),
    ]:
        response = o.request(method, path, json=body)
        assert response.status_code == 404, (method, path, response.text)
    # Naming another college's people or pairings in a body answers as if they did not exist.
    assert _field(o.post("/v1/pairings", json={"mentor_id": branch.mentor["id"], "target_kind": "class",
                                               "target_class": "x"}), 404) == ["mentor_id"]
    assert _field(o.post("/v1/needs", json={"title": "x", "raised_by": stranger["id"],
                                            "pairing_id": staff["id"]}), 404) == ["pairing_id"]
    # Their scan sees only their own college; ours still finds our pairing overdue afterwards.
    assert o.ok("POST", "/v1/pairing-scans", json={"on": "2026-12-01"})["pairing_contact_overdue"] == 0
    assert branch.scan("2026-12-01")["pairing_contact_overdue"] == 2
    assert branch.admin.ok("GET", f"/v1/pairings/{staff['id']}")["target_label"] == "赵老师"


def test_bad_input_on_every_route(branch):
    admin, m, unit = branch.admin, branch.mentor["id"], branch.branch_id
    staff = branch.pair("staff_non_party", "2026-09-01")
    need = branch.mentor_api.ok("POST", "/v1/needs", 201, json={"title": "实验室设备维修"})
    tomorrow = (shanghai_today() + timedelta(days=2)).isoformat()
    p, n = staff["id"], need["id"]
    cases = [
        ("POST", "/v1/pairings", {"mentor_id": "x", "target_kind": "class", "target_class": "a"}, "mentor_id"),
        ("POST", "/v1/pairings", {"mentor_id": m, "target_kind": "friend"}, "target_kind"),
        ("POST", "/v1/pairings", {"mentor_id": m, "target_kind": "class"}, "target_class"),
        ("POST", "/v1/pairings", {"mentor_id": m, "target_kind": "class", "target_class": "a",
                                  "target_person_id": branch.teacher["id"]}, "target_person_id"),
        ("POST", "/v1/pairings", {"mentor_id": m, "target_kind": "student_member",
                                  "target_person_id": branch.teacher["id"]}, "target_person_id"),
        ("POST", "/v1/pairings", {"mentor_id": branch.teacher["id"], "target_kind": "class",
                                  "target_class": "a"}, "mentor_id"),
        ("POST", "/v1/pairings", {"mentor_id": m, "target_kind": "class", "target_class": "a",
                                  "started_on": tomorrow}, "started_on"),
        ("POST", "/v1/pairings", {"mentor_id": m, "target_kind": "class", "target_class": "a", "colour": 1},
         "colour"),
        ("POST", f"/v1/pairings/{p}/end", {"reason": ""}, "reason"),
        ("POST", f"/v1/pairings/{p}/end", {"reason": "x", "ended_on": tomorrow}, "ended_on"),
        ("POST", f"/v1/pairings/{p}/end", {"reason": "x", "ended_on": "2026-08-01"}, "ended_on"),
        ("POST", f"/v1/pairings/{p}/change-target", {"target_class": "物理 2302 班"}, "target_class"),
        ("POST", f"/v1/pairings/{p}/change-target", {"target_person_id": m}, "target_person_id"),
        ("POST", "/v1/pairings/not-a-uuid/end", {"reason": "x"}, "pairing_id"),
        ("PUT", f"/v1/org-units/{unit}/pairing-settings", {"contact_every_days": 0}, "contact_every_days"),
        ("PUT", f"/v1/org-units/{unit}/pairing-settings", {"need_overdue_days": "soon"}, "need_overdue_days"),
        ("POST", "/v1/pairing-scans", {"on": "yesterday"}, "on"),
        ("POST", "/v1/needs", {"title": ""}, "title"),
        ("POST", "/v1/needs", {"title": "x", "raised_by": m, "pairing_id": ZERO}, "pairing_id"),
        ("POST", "/v1/needs", {"title": "x", "raised_by": m, "raised_on": tomorrow}, "raised_on"),
        ("POST", "/v1/needs", {"title": "x", "raised_by": "me"}, "raised_by"),
        ("POST", "/v1/needs", {"title": "x"}, "raised_by"),  # the admin token is nobody on the roster
        ("POST", f"/v1/needs/{n}/assign", {"assignee_id": "someone"}, "assignee_id"),
        ("POST", f"/v1/needs/{n}/assign", {"assignee_id": ZERO}, "assignee_id"),
        ("POST", f"/v1/needs/{n}/resolve", {"resolution": ""}, "resolution"),
    ]
    # An unknown id is a 404 naming its field, a malformed value a 400 naming it.
    for method, path, body, field in cases:
        assert field in _field(admin.request(method, path, json=body), (400, 404)), (method, path, body)
    # Only the raiser confirms or reopens; their own bad input names the field.
    for path, body, field in ((f"/v1/needs/{n}/confirm", {"extra": 1}, "extra"),
                              (f"/v1/needs/{n}/reopen", {"reason": ""}, "reason")):
        assert field in _field(branch.mentor_api.request("POST", path, json=body)), (path, body)
    assert "body" in _field(admin.request("POST", "/v1/pairings", data="[1]"))
    gets = [
        ("/v1/pairings/not-a-uuid", "pairing_id"),
        (f"/v1/members/{m}/pairings?include_ended=maybe", "include_ended"),
        ("/v1/members/nobody/pairings", "member_id"),
        ("/v1/org-units/nowhere/pairings", "org_unit_id"),
        ("/v1/org-units/nowhere/pairing-settings", "org_unit_id"),
        ("/v1/needs/not-a-uuid", "need_id"),
        ("/v1/org-units/nowhere/needs", "org_unit_id"),
    ]
    for path, field in gets:
        assert field in _field(admin.get(path)), path
    # Nothing was written by the refused requests.
    assert [x["id"] for x in branch.pairings(include_ended=True)] == [p]
    assert branch.admin.ok("GET", f"/v1/needs/{n}")["status"] == "open"


def test_scan_is_safe_with_two_replicas_running_it_at_once(branch, start_service, db_engine):
    start_service("members")  # a second replica: both answer the scan RPCs
    pairings = [branch.pair(kind, "2026-08-01") for kind in ("staff_non_party", "class", "student_member")]
    totals, errors = [], []

    def scan():
        try:
            totals.append(branch.scan("2026-10-01")["pairing_contact_overdue"])
        except AssertionError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=scan) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    # Three pairings, each announced at both levels, exactly once across every concurrent run.
    assert sum(totals) == 6
    with db_engine.connect() as conn:
        claims = conn.execute(text("SELECT count(*) FROM members.pairing_overdue_claims WHERE pairing_id::text = ANY(:ids)"),
                              {"ids": [p["id"] for p in pairings]}).scalar()
    assert claims == 6
    wait_inbox(branch.admin, branch.secretary["id"], "pairing_contact_escalated", 3)
    assert len(inbox(branch.admin, branch.mentor["id"], "pairing_contact_overdue")) == 3


def test_the_timer_scans_every_college_in_its_own_today(fast_scan_api, db_engine):
    branch = Branch(fast_scan_api)
    started = (shanghai_today() - timedelta(days=31)).isoformat()
    staff = branch.pair("staff_non_party", started)
    [reminder] = wait_inbox(branch.admin, branch.mentor["id"], "pairing_contact_overdue", 1)
    assert "已逾期 1 天" in reminder["body"]
    time.sleep(1)  # several more ticks: each finds the claim and announces nothing
    with db_engine.connect() as conn:
        claims = conn.execute(text("SELECT level FROM members.pairing_overdue_claims WHERE pairing_id = :p"),
                              {"p": staff["id"]}).scalars().all()
    assert claims == ["mentor"]
    assert len(inbox(branch.admin, branch.mentor["id"], "pairing_contact_overdue")) == 1


def test_an_officer_of_another_branch_cannot_manage_this_branchs_pairings_or_needs(branch):
    staff = branch.pair("staff_non_party", "2026-09-01")
    other = branch.admin.ok("POST", "/v1/org-units", 201, json={"name": "学生党支部", "kind": "branch"})
    outsider = branch.college.add_member("孙丽", org_unit_id=other["id"])
    branch.admin.ok("POST", f"/v1/members/{outsider['id']}/roles", 201, json={
        "role": "secretary", "org_unit_id": other["id"], "started_on": "2026-01-01"})
    theirs = _secretary_api(branch, outsider["id"])
    body = {"mentor_id": branch.mentor["id"], "target_kind": "class", "target_class": "化学 2303 班"}
    assert theirs.post("/v1/pairings", json=body).status_code == 403
    assert theirs.post(f"/v1/pairings/{staff['id']}/end", json={"reason": "x"}).status_code == 403
    assert theirs.request("PUT", f"/v1/org-units/{branch.branch_id}/pairing-settings",
                          json={"contact_every_days": 7}).status_code == 403
    need = branch.mentor_api.ok("POST", "/v1/needs", 201, json={"title": "办公用房紧张"})
    assert theirs.post(f"/v1/needs/{need['id']}/assign", json={"assignee_id": outsider["id"]}).status_code == 403
    # The branch's own secretary may.
    _secretary_api(branch, branch.secretary["id"]).ok("POST", f"/v1/needs/{need['id']}/assign", json={
        "assignee_id": branch.secretary["id"]})


def _secretary_api(branch, person_id):
    token = branch.admin.ok("POST", f"/v1/members/{person_id}/tokens", 201, json={"roles": ["secretary"]})["token"]
    return branch.admin.as_(token)
