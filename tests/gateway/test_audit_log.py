"""The audit log: every write the gateway routes leaves one record, kept by members, read by the
college's admins with filters, pages and a spreadsheet; members and other colleges see none of it.

`test_every_write_route_leaves_an_audit_record` walks the route table: a write route with no
example in `write_examples` fails it, naming the route, so a route added tomorrow is audited from
its first day or the suite says so.
"""
import base64
import io
import uuid
from pathlib import Path

from openpyxl import load_workbook

from tests.gateway.test_route_scope import BEFORE_A_CALLER, WRITES, api, filled, things_of  # noqa: F401  (the fixture)
from tests.support.infra import PLATFORM_TOKEN, wait_until

DATA = Path(__file__).parents[1] / "data" / "dues"


# Write routes of this wave whose example needs a scene this walk does not build yet (a meeting
# about to start with its room code, a leave before a future meeting, a browser session, another
# college to send a transfer to, a recipient's notice, the pipeline's ordered steps, a provider's
# app). Each is audited by the same code path as every other write (services.common.idempotency);
# their own tests (tests/meetings, tests/development, tests/transfers, tests/gateway/test_sign_in*)
# exercise the routes. Owed, not exempt: the list must shrink to nothing.
EXAMPLES_OWED = {
    ("DELETE", "/v1/me/sessions/<session_id>"), ("POST", "/v1/sign-out"),
    ("PUT", "/v1/tenant/sign-in/<provider>"),
    ("POST", "/v1/meetings/<meeting_id>/check-in"), ("POST", "/v1/meetings/<meeting_id>/leave"),
    ("POST", "/v1/meetings/<meeting_id>/leave/decision"), ("PUT", "/v1/org-units/<org_unit_id>/meeting-norms"),
    ("POST", "/v1/notices/<notice_id>/acknowledge"),
    ("POST", "/v1/members/<member_id>/development/backfill"), ("POST", "/v1/members/<member_id>/development/steps"),
    ("POST", "/v1/members/<member_id>/inter-tenant-transfers"),
    ("POST", "/v1/inter-tenant-transfers/<transfer_id>/refuse"),
}


def _encoded(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def audit(admin, **filters) -> list[dict]:
    return admin.ok("GET", "/v1/audit-log", params={"limit": 500, **filters})["entries"]


def write_examples(college, ids: dict, more: dict) -> list[tuple]:
    """(method, route, caller, path ids, body) for every write route, in an order that works:
    each succeeds, the later ones on what the earlier ones made."""
    admin, member = college.admin, more["member_api"]
    roster = _encoded("工号/学号,姓名,类别,政治面貌\nT9001,新同事,教工,正式党员\n")
    payroll = _encoded("工号,姓名,年度,人员类别,月收入（元）,起始月份,备注\nX404,无此人,2026,在职,4500.00,1,\n")
    statement = _encoded((DATA / "statement-wechat-2026.csv").read_text(encoding="utf-8"))
    day = {"held_on": "2025-10-20", "reason": "校庆"}
    return [
        ("PATCH", "/v1/tenant", admin, {}, {"name": "风能学院"}),
        ("POST", "/v1/org-units", admin, {}, {"name": "第一党小组", "kind": "group", "parent_id": ids["org_unit_id"]}),
        ("PATCH", "/v1/org-units/<org_unit_id>", admin, {"org_unit_id": more["spare_unit"]}, {"name": "改名"}),
        ("POST", "/v1/org-units/<org_unit_id>/move", admin, {"org_unit_id": more["spare_unit"]},
         {"parent_id": more["committee"]}),
        ("POST", "/v1/members", admin, {}, {"name": "新人", "org_unit_id": ids["org_unit_id"], "category": "staff",
                                            "political_status": "full"}),
        ("PATCH", "/v1/members/<member_id>", admin, ids, {"external_no": "T-001"}),
        ("POST", "/v1/members/<member_id>/status", admin, {"member_id": more["activist"]},
         {"to_status": "candidate", "effective_on": "2026-10-01"}),
        ("POST", "/v1/members/<member_id>/followers", admin, {"member_id": more["activist"]},
         {"follower_id": ids["member_id"], "assigned_on": "2026-10-02"}),
        ("POST", "/v1/members/<member_id>/roles", admin, ids,
         {"role": "organising_officer", "org_unit_id": ids["org_unit_id"], "started_on": "2026-01-01"}),
        ("POST", "/v1/members/<member_id>/tokens", admin, ids, {"roles": ["member"]}),
        ("POST", "/v1/members/<member_id>/pioneer-posts", admin, ids, {"title": "志愿岗", "started_on": "2026-01-01"}),
        ("POST", "/v1/pioneer-posts/<post_id>/end", admin, ids, {"ended_on": "2026-06-30"}),
        ("POST", "/v1/members/<member_id>/commitments", member, {"member_id": more["member"]},
         {"year": 2026, "items": ["每月读书"]}),
        ("POST", "/v1/commitments/<commitment_id>/review", admin, ids,
         {"result": "fulfilled", "reviewed_on": "2026-01-10"}),
        ("POST", "/v1/roster/import", admin, {}, {"branch_id": ids["org_unit_id"], "format": "csv",
                                                  "content_base64": roster, "dry_run": True}),
        ("POST", "/v1/activity-kinds", admin, {}, {"key": "ethics_talk", "title_zh": "师德讲座", "points_per_unit": 1,
                                                   "dimension": "service"}),
        ("POST", "/v1/activities", member, {}, {"member_id": more["member"], "kind": "achievement",
                                               "occurred_on": "2026-10-04", "details": {
                                                   "title": "优秀教师", "level": "school", "awarded_by": "学校"}}),
        ("POST", "/v1/activities/<activity_id>/approve", admin, {"activity_id": more["submitted"]}, None),
        ("POST", "/v1/activities/<activity_id>/reject", admin, {"activity_id": more["to_reject"]}, {"reason": "重复"}),
        ("POST", "/v1/activities/<activity_id>/correct", admin, {"activity_id": more["hours"]},
         {"quantity": "1", "reason": "核对"}),
        ("POST", "/v1/activities/bulk", admin, {}, {"member_ids": [ids["member_id"]], "kind": "org_life",
                                                    "occurred_on": "2026-10-09",
                                                    "details": {"meeting": "party_lecture", "topic": "党课"}}),
        ("POST", "/v1/activity-days", admin, {}, {"org_unit_id": more["spare_unit"], "year": 2026}),
        ("POST", "/v1/activity-days/<day_id>/move", admin, {"day_id": more["october_day"]}, day),
        ("POST", "/v1/activity-days/<day_id>/attendance", admin, {"day_id": more["october_day"]},
         {"member_id": ids["member_id"], "status": "attended"}),
        ("POST", "/v1/points/rule-sets", admin, {}, {"org_unit_id": ids["org_unit_id"], "effective_from": "2026-12-01",
                                                     "layer": {"rules": {"theory_reading": {"points_per_unit": 3}}}}),
        ("POST", "/v1/points/month-closes", admin, {}, {"org_unit_id": ids["org_unit_id"], "period": "2026-09"}),
        ("PUT", "/v1/members/<member_id>/notification-preferences", member, {"member_id": more["member"]},
         {"language": "zh"}),
        ("PUT", "/v1/org-units/<org_unit_id>/robots/<kind>", admin, ids,
         {"webhook_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=audit"}),
        ("POST", "/v1/notices", admin, {}, {"notice": "activity_day_tomorrow", "cause": "audit-1",
                                            "org_unit_id": ids["org_unit_id"], "fields": {"date": "2026-10-22"}}),
        ("PUT", "/v1/org-units/<org_unit_id>/pairing-settings", admin, ids, {"contact_every_days": 20}),
        ("POST", "/v1/pairings", admin, {}, {"mentor_id": ids["member_id"], "target_kind": "class",
                                             "target_class": "化学 2303 班"}),
        ("POST", "/v1/pairings/<pairing_id>/change-target", admin, ids,
         {"target_person_id": more["other_teacher"]}),
        ("POST", "/v1/pairing-scans", admin, {}, {}),
        ("POST", "/v1/needs", member, {}, {"title": "住房"}),
        ("POST", "/v1/needs/<need_id>/assign", admin, {"need_id": more["members_need"]},
         {"assignee_id": ids["member_id"]}),
        ("POST", "/v1/needs/<need_id>/resolve", admin, {"need_id": more["members_need"]}, {"resolution": "已办"}),
        ("POST", "/v1/needs/<need_id>/reopen", member, {"need_id": more["members_need"]}, {"reason": "未解决"}),
        ("POST", "/v1/needs/<need_id>/confirm", member, {"need_id": more["confirmable_need"]}, {}),
        ("POST", "/v1/dues/rate-tables", admin, {}, {"effective_from": "2027-01-01", "table": {
            "employed": [{"up_to_fen": 300_000, "rate_bp": 50}, {"up_to_fen": None, "rate_bp": 100}],
            "retired": [{"up_to_fen": None, "rate_bp": 50}], "flat_fen": 20}}),
        ("POST", "/v1/members/<member_id>/dues-bases", admin, ids,
         {"year": 2026, "category": "employed", "monthly_income_fen": 450_000}),
        ("POST", "/v1/members/<member_id>/dues-reliefs", admin, ids, {
            "kind": "deferred", "from_period": "2026-11", "to_period": "2026-12", "reason": "病假",
            "approved_on": "2026-10-30"}),
        ("POST", "/v1/dues/bases/import", admin, {}, {"org_unit_id": ids["org_unit_id"], "format": "csv",
                                                      "content_base64": payroll, "mode": "valid_rows"}),
        ("POST", "/v1/dues/assessments", admin, {}, {"org_unit_id": ids["org_unit_id"], "period": "2026-10"}),
        ("POST", "/v1/dues/payments", admin, {}, {"member_id": ids["member_id"], "period": "2026-09",
                                                  "amount_fen": 1_000, "paid_on": "2026-09-10"}),
        ("POST", "/v1/dues/payments/<payment_id>/correct", admin, ids, {"amount_fen": 0, "reason": "误记"}),
        ("POST", "/v1/dues/payments/import", admin, {}, {"org_unit_id": ids["org_unit_id"], "source": "wechat",
                                                         "content_base64": statement, "mode": "valid_rows"}),
        ("POST", "/v1/dues/arrears-checks", admin, {}, {"org_unit_id": ids["org_unit_id"], "period": "2026-10"}),
        ("POST", "/v1/pairings/<pairing_id>/end", admin, {"pairing_id": more["pairing_to_end"]}, {"reason": "调离"}),
        ("POST", "/v1/members/<member_id>/transfer", admin, {"member_id": more["mover"]},
         {"to_org_unit_id": more["spare_unit"], "effective_on": "2026-10-05"}),
        ("POST", "/v1/members/<member_id>/leave", admin, {"member_id": more["mover"]},
         {"left_on": "2026-10-06", "reason": "调出"}),
        ("POST", "/v1/org-units/<org_unit_id>/close", admin, {"org_unit_id": more["closing_unit"]}, None),
        ("POST", "/v1/meetings", admin, {}, {"org_unit_id": ids["org_unit_id"], "kind": "party_lecture",
                                             "title": "学习党章", "starts_at": "2026-10-21T08:00:00+00:00",
                                             "place": "党员活动室", "agenda": "学习"}),
        ("POST", "/v1/org-units/<org_unit_id>/notices", admin, ids, {"title": "支部通知", "body": "周五学习"}),
        ("POST", "/v1/notices/<notice_id>/remind", admin, ids, None),
        ("POST", "/v1/invitations", admin, {}, {"member_ids": [ids["member_id"]]}),
        ("POST", "/v1/members/<member_id>/password-reset", admin, ids, None),
        ("POST", "/v1/meetings/<meeting_id>/minutes", admin, ids, {"minutes": "学习了党章"}),
        ("POST", "/v1/meetings/<meeting_id>/attendance", admin, ids,
         {"records": [{"member_id": ids["member_id"], "status": "checked_in"}]}),
        ("POST", "/v1/meetings/<meeting_id>/close", admin, ids, None),
        ("POST", "/v1/inter-tenant-transfers/<transfer_id>/accept", admin, ids, {"org_unit_id": ids["org_unit_id"]}),
        ("POST", "/v1/development-scans", admin, {}, {}),
        ("POST", "/v1/inter-tenant-transfer-scans", admin, {}, {}),
        ("DELETE", "/v1/tokens/<token_id>", admin, ids, None),
        ("POST", "/v1/members/<member_id>/revoke-sign-ins", admin, ids, None),
        ("POST", "/v1/tenants", admin.as_(PLATFORM_TOKEN), {},
         {"code": f"audit-{uuid.uuid4().hex[:8]}", "name": "另一学院"}),
    ]


def _more(college, ids: dict) -> dict:
    admin = college.admin
    member = college.add_member("王芳")
    member_api = college.member_api(member["id"])
    activist = college.add_member("陈静", political_status="activist")
    other_teacher = college.add_member("钱老师", political_status="non_party")
    committee = admin.ok("POST", "/v1/org-units", 201, json={"name": "党委", "kind": "committee"})["id"]
    spare_unit = admin.ok("POST", "/v1/org-units", 201, json={"name": "备用支部", "kind": "branch"})["id"]
    closing_unit = admin.ok("POST", "/v1/org-units", 201, json={"name": "撤销支部", "kind": "branch"})["id"]
    award = {"kind": "achievement", "occurred_on": "2026-10-04",
             "details": {"title": "优秀教师", "level": "school", "awarded_by": "学校"}}
    submitted, to_reject = (member_api.ok("POST", "/v1/activities", 201, json={"member_id": member["id"], **award})
                            for _ in range(2))
    hours = admin.ok("POST", "/v1/activities", 201, json={
        "member_id": ids["member_id"], "kind": "volunteer_service", "occurred_on": "2026-10-03", "quantity": "2",
        "details": {"partner": "社区"}})["id"]
    days = admin.ok("POST", "/v1/activity-days", 201, json={"org_unit_id": ids["org_unit_id"], "year": 2025})
    pairing_to_end = admin.ok("POST", "/v1/pairings", 201, json={
        "mentor_id": member["id"], "target_kind": "class", "target_class": "物理 2301 班"})["id"]
    members_need = member_api.ok("POST", "/v1/needs", 201, json={"title": "子女入学"})["id"]
    confirmable = member_api.ok("POST", "/v1/needs", 201, json={"title": "体检"})["id"]
    admin.ok("POST", f"/v1/needs/{confirmable}/assign", json={"assignee_id": ids["member_id"]})
    admin.ok("POST", f"/v1/needs/{confirmable}/resolve", json={"resolution": "已办"})
    return {"member": member["id"], "member_api": member_api, "activist": activist["id"],
            "other_teacher": other_teacher["id"], "spare_unit": spare_unit, "committee": committee, "closing_unit": closing_unit,
            "submitted": submitted["id"], "hours": hours, "to_reject": to_reject["id"], "october_day": days[9]["id"],
            "members_need": members_need, "pairing_to_end": pairing_to_end, "confirmable_need": confirmable,
            "mover": college.add_member("调动者")["id"]}


def test_every_write_route_leaves_an_audit_record(api):  # noqa: F811
    college = api.new_tenant()
    ids = things_of(college, college.branch["id"], "李明")
    more = _more(college, ids)
    examples = write_examples(college, ids, more)
    # Signing in and accepting an invitation come before there is a caller: no one to record.
    missing = set(WRITES) - BEFORE_A_CALLER - {(method, route) for method, route, *_ in examples}
    # Exactly the routes still owed an example: a route added without one fails here, and one
    # given an example must leave this list.
    assert sorted(missing) == sorted(EXAMPLES_OWED), f"write routes without an example here (add one): {sorted(missing - EXAMPLES_OWED)}"

    for method, route, caller, path_ids, body in examples:
        response = caller.request(method, filled(route, {**ids, **path_ids}), json=body)
        assert response.status_code in (200, 201), f"{method} {route}: {response.status_code} {response.text}"

    admin = college.admin
    audited = lambda: {entry["route"] for entry in audit(admin)}  # noqa: E731
    # The platform's own request (a new college) is the new college's business, not this one's.
    expected = {f"{method} {route}" for method, route, *_ in examples if route != "/v1/tenants"}
    try:
        wait_until(lambda: expected <= audited(), timeout=30, message="an audit record of every write route")
    finally:
        assert sorted(expected - audited()) == [], "write routes that left no audit record"


def test_a_record_says_who_what_when_and_is_read_only_by_the_colleges_admins(api):  # noqa: F811
    college, other = api.new_tenant(), api.new_tenant()
    admin = college.admin
    person, unit = college.add_member("李明"), admin.ok("POST", "/v1/org-units", 201, json={
        "name": "学生党支部", "kind": "branch"})["id"]
    moved = admin.request("POST", f"/v1/members/{person['id']}/transfer", headers={"X-Request-ID": "audit-check-1"},
                          json={"to_org_unit_id": unit, "effective_on": "2026-10-05", "note": "私人原因"})
    assert moved.status_code == 200, moved.text

    transfer = wait_until(lambda: next((e for e in audit(admin, target_id=person["id"])
                                        if e["entrypoint"] == "members.transfer_member"), None),
                          message="the transfer's audit record")
    assert transfer["route"] == "POST /v1/members/<member_id>/transfer"
    assert transfer["correlation_id"] == "audit-check-1"
    assert transfer["roles"] == ["tenant_admin"] and transfer["person_id"] is None
    assert transfer["credential"].startswith("token:") and admin.token not in transfer["credential"]
    assert f"to_org_unit_id={unit}" in transfer["targets"] and f"member_id={person['id']}" in transfer["targets"]
    assert "to_org_unit_id" in transfer["summary"] and "私人原因" not in transfer["summary"]
    # Filters: the target's, the period's, paging; the spreadsheet holds what the filter finds.
    assert audit(admin, target_id=unit)[0]["event_id"] == transfer["event_id"]
    assert audit(admin, since="2000-01-01", until="2000-01-31") == []
    page = admin.ok("GET", "/v1/audit-log", params={"limit": 1})
    assert len(page["entries"]) == 1 and page["more"] is True
    sheet = admin.request("GET", "/v1/audit-log.xlsx", params={"target_id": person["id"]})
    assert sheet.status_code == 200, sheet.text
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert len(rows) == 1 + len(audit(admin, target_id=person["id"]))
    assert any(row[4] == "POST /v1/members/<member_id>/transfer" for row in rows[1:])

    # A member reads none of it; another college finds neither the records nor the person.
    assert college.member_api(person["id"]).get("/v1/audit-log").status_code == 403
    assert other.admin.get("/v1/audit-log", params={"target_id": person["id"]}).json()["entries"] == []
    assert other.admin.get("/v1/audit-log", params={"person_id": person["id"]}).status_code == 404
    bad = admin.get("/v1/audit-log", params={"since": "2026-13-01"})
    assert bad.status_code == 400 and bad.json()["details"][0]["field"] == "since"
