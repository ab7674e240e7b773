"""A realistic month for one branch (tests/data/month), from logging to month close and grades."""
import io
import json
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import text

from services.common import metrics
from services.common.contracts.activities import ActivityLogged, ActivityRejected
from tests.integration.helpers import publish_raw
from tests.support.infra import wait_until

MONTH = json.loads((Path(__file__).parents[1] / "data" / "month" / "branch-2026-10.json").read_text("utf-8"))

# Worked out by hand from the data file and the default rules in DESIGN.md.
BEFORE_CLOSE = {
    # opinion 2+2+0 (cap 4), follow-up 2, reading 2+2, volunteer 5h+4h -> 8 (cap 8),
    # org-life meeting 1, activity day 3, provincial award 8 (counted on approval)
    "wang": 4 + 2 + 4 + 8 + 1 + 3 + 8,                 # 30
    # opinion 2, reading 2 then rejected -2, volunteer 3h corrected to 2h (3 - 1), meeting 1, leave 0
    "li": 2 + (2 - 2) + (3 - 1) + 1 + 0,              # 5
    # only the meeting
    "zhang": 1,                                       # 1
    # four duties 2+2+2+1, pairing 2+2+0 (cap 4), school award rejected before approval 0,
    # service project 2, integration event 1, activity day 3
    "liu": 7 + 4 + 0 + 2 + 1 + 3,                     # 17
}
DEDUCTIONS = {
    "wang": 0,
    "li": -2 * 2,             # activist follow-up missing; the rejected reading does not count
    "zhang": -2 * 4 - 3,      # no duty at all, activity day missed without leave
    "liu": 0,
}
AFTER_CLOSE = {k: BEFORE_CLOSE[k] + DEDUCTIONS[k] for k in BEFORE_CLOSE}   # 30, 1, -10, 17


def _sheet(response):
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def _duplicates(event_type: str) -> float:
    return metrics.EVENTS_CONSUMED.labels("points", event_type, "duplicate")._value.get()


def _points(api, member_id, period="2026-10"):
    return api.ok("GET", f"/v1/members/{member_id}/points?period={period}")["total"]


def _statement(api, member_id):
    return api.ok("GET", f"/v1/members/{member_id}/points/statement")


def _entries_for(api, member_id, activity_id):
    return [e for e in _statement(api, member_id) if e["activity_id"] == activity_id]


def run_month(college, db_engine):
    secretary = college.admin
    branch = college.branch["id"]
    members = {m["key"]: college.add_member(m["name"]) for m in MONTH["members"]}
    ids = {k: m["id"] for k, m in members.items()}
    selves = {k: college.member_api(m["id"]) for k, m in members.items()}

    days = secretary.ok("POST", "/v1/activity-days", 201, json={"org_unit_id": branch, "year": 2026})
    october = next(d for d in days if d["period"] == "2026-10")
    assert october["held_on"] == "2026-10-22"
    plan = MONTH["activity_day"]
    moved = secretary.ok("POST", f"/v1/activity-days/{october['id']}/move",
                         json={"held_on": plan["move_to"], "reason": plan["reason"]})
    assert moved["held_on"] == plan["move_to"]

    logged = []
    for item in MONTH["activities"]:
        body = {"member_id": ids[item["member"]], "kind": item["kind"], "occurred_on": item["occurred_on"],
                "details": item["details"], "quantity": item.get("quantity", "1"),
                "evidence": item.get("evidence", [])}
        who = secretary if item["by"] == "secretary" else selves[item["member"]]
        logged.append((item, who.ok("POST", "/v1/activities", 201, json=body)))

    for meeting in MONTH["meetings"]:
        created = secretary.ok("POST", "/v1/activities/bulk", 201, json={
            "member_ids": [ids[k] for k in meeting["members"]], "kind": meeting["kind"],
            "occurred_on": meeting["occurred_on"], "details": meeting["details"]})
        assert len(created) == len(meeting["members"])

    for key in plan["attended"]:
        secretary.ok("POST", f"/v1/activity-days/{october['id']}/attendance", 201,
                     json={"member_id": ids[key], "status": "attended"})
    for key, reason in plan["leave"].items():
        secretary.ok("POST", f"/v1/activity-days/{october['id']}/attendance", 201,
                     json={"member_id": ids[key], "status": "leave", "leave_reason": reason})

    for item, activity in logged:
        then = item.get("then", {})
        member_id = activity["member_id"]
        if "approve" in then:
            assert activity["status"] == "submitted"
            assert secretary.ok("POST", f"/v1/activities/{activity['id']}/approve")["status"] == "approved"
        if "reject" in then:
            if activity["status"] == "approved":
                # The point of the case: the rejection lands after the points were accrued.
                wait_until(lambda: _entries_for(secretary, member_id, activity["id"]), message="accrual")
            rejected = secretary.ok("POST", f"/v1/activities/{activity['id']}/reject", json={"reason": then["reject"]})
            assert rejected["status"] == "rejected" and rejected["decision_reason"] == then["reject"]
        if "correct" in then:
            wait_until(lambda: _entries_for(secretary, member_id, activity["id"]), message="accrual")
            secretary.ok("POST", f"/v1/activities/{activity['id']}/correct", json=then["correct"])

    def settled():
        return all(_points(secretary, ids[k]) == v for k, v in BEFORE_CLOSE.items())

    wait_until(settled, timeout=30, message="every member's points before close")
    with db_engine.connect() as conn:
        wait_until(lambda: conn.execute(text(
            "SELECT count(*) FROM points.members_view WHERE org_unit_id = :u"), {"u": branch}).scalar_one() == 4
            and conn.execute(text("SELECT held_on FROM points.activity_days WHERE org_unit_id = :u AND period = '2026-10'"),
                             {"u": branch}).scalar_one_or_none() is not None
            and conn.execute(text("SELECT count(*) FROM points.org_units WHERE org_unit_id = :u"),
                             {"u": branch}).scalar_one() == 1, message="points read models")
    return ids, logged


def test_a_realistic_month(api, db_engine, amqp_uri):
    college = api.new_tenant()
    secretary = college.admin
    branch = college.branch["id"]
    ids, logged = run_month(college, db_engine)

    # The branch view of the four duties, before the close.
    view = secretary.ok("GET", f"/v1/org-units/{branch}/four-duties?period=2026-10")
    missing = {m["member_id"]: m["missing"] for m in view["members"]}
    assert missing[ids["wang"]] == [] and missing[ids["liu"]] == []
    assert missing[ids["li"]] == ["activist_followup", "theory_reading"]
    assert len(missing[ids["zhang"]]) == 4 and view["complete"] == 2
    mine = college.member_api(ids["li"]).ok("GET", f"/v1/members/{ids['li']}/four-duties?period=2026-10")
    assert mine["done"] == ["opinion_listening", "volunteer_service"]

    # Every point is explained, the rejected award earned nothing, the cap left a 0 entry.
    wang = _statement(secretary, ids["wang"])
    assert sum(e["delta"] for e in wang) == 30
    assert sorted(e["delta"] for e in wang if e["kind"] == "opinion_listening") == [0, 2, 2]
    assert any("cap" in e["reason"] for e in wang)
    liu_award = next(a for i, a in logged if i["member"] == "liu" and i["kind"] == "achievement")
    assert _entries_for(secretary, ids["liu"], liu_award["id"]) == []
    li_reading = next(a for i, a in logged if i["member"] == "li" and i["kind"] == "theory_reading")
    assert sorted(e["delta"] for e in _entries_for(secretary, ids["li"], li_reading["id"])) == [-2, 2]

    # Replaying a log and a rejection changes no balance.
    entry = _entries_for(secretary, ids["li"], li_reading["id"])
    facts = dict(tenant_id=college.tenant["id"], activity_id=li_reading["id"], member_id=ids["li"],
                 org_unit_id=branch, kind="theory_reading", occurred_on="2026-10-11", period="2026-10")
    by_delta = {e["delta"]: e["source_event_id"] for e in entry}
    seen = {t: _duplicates(t) for t in ("activity_logged", "activity_rejected")}
    publish_raw(amqp_uri, "activities", "activity_logged",
                ActivityLogged(event_id=by_delta[2], status="approved", **facts).to_message())
    publish_raw(amqp_uri, "activities", "activity_rejected",
                ActivityRejected(event_id=by_delta[-2], reason="again", **facts).to_message())
    # The services run in this process, so their counters show when the replays were consumed.
    wait_until(lambda: _duplicates("activity_logged") > seen["activity_logged"]
               and _duplicates("activity_rejected") > seen["activity_rejected"], message="replays consumed")
    assert _points(secretary, ids["li"]) == BEFORE_CLOSE["li"]

    # Month close: deductions once, however often it is asked for.
    closed = secretary.ok("POST", "/v1/points/month-closes", json={"org_unit_id": branch, "period": "2026-10"})
    assert closed == {"org_unit_id": branch, "period": "2026-10", "members": 4, "deductions": -15,
                      "missing_duties": 6, "unexcused_absences": 1, "already_closed": False}
    again = secretary.ok("POST", "/v1/points/month-closes", json={"org_unit_id": branch, "period": "2026-10"})
    assert again["already_closed"] is True and again["deductions"] == -15
    for key, expected in AFTER_CLOSE.items():
        assert _points(secretary, ids[key]) == expected, key
    zhang = _statement(secretary, ids["zhang"])
    assert sorted(e["rule"] for e in zhang if e["delta"] < 0) == ["activity_day_absence", "four_duties_missing"]

    # Leaderboards and grades.
    board = secretary.ok("GET", f"/v1/points/leaderboard?period=2026-10&org_unit_id={branch}")
    assert [(e["member_id"], e["points"], e["rank"]) for e in board["entries"]] == [
        (ids["wang"], 30, 1), (ids["liu"], 17, 2), (ids["li"], 1, 3), (ids["zhang"], -10, 4)]
    units = secretary.ok("GET", "/v1/points/leaderboard/org-units?period=2026-10")["entries"]
    assert units == [{"org_unit_id": branch, "kind": "branch", "name": "教工党支部", "members": 4, "points": 38,
                      "average": 9.5, "rank": 1}]
    results = secretary.ok("GET", "/v1/points/leaderboard?period=2026&dimension=results")
    assert [(e["member_id"], e["points"]) for e in results["entries"]] == [(ids["wang"], 8)]
    grades = secretary.ok("GET", f"/v1/org-units/{branch}/assessment?year=2026")
    assert {m["member_id"]: (m["score"], m["grade"]) for m in grades["members"]} == {
        ids["wang"]: (90, "qualified"), ids["liu"]: (77, "qualified"),
        ids["li"]: (61, "basically_qualified"), ids["zhang"]: (50, "unqualified")}

    # The branch's reports, as JSON and as spreadsheets.
    report = secretary.ok("GET", f"/v1/org-units/{branch}/points-report?period=2026-10")
    assert report["closed"]["deductions"] == -15
    rows = {m["member_id"]: m for m in report["members"]}
    assert (rows[ids["wang"]]["results"], rows[ids["wang"]]["total"]) == (8, 30)
    assert rows[ids["li"]]["duties_done"] == ["opinion_listening", "volunteer_service"]
    sheet = _sheet(secretary.get(f"/v1/org-units/{branch}/points-report.xlsx?period=2026-10"))
    assert sheet[0] == ("姓名", "能力", "服务", "业绩", "合计", "四个一完成")
    assert ("张伟", -10) in {(r[0], r[4]) for r in sheet[1:]}
    sheet = _sheet(secretary.get(f"/v1/org-units/{branch}/assessment.xlsx?year=2026"))
    assert ("王芳", 90, "合格") in {(r[0], r[3], r[4]) for r in sheet[1:]}


def test_branch_rule_set_applies_from_its_date_and_never_rewrites_the_past(api):
    college = api.new_tenant()
    secretary, branch = college.admin, college.branch["id"]
    member = college.add_member("陈静")
    reading = {"member_id": member["id"], "kind": "theory_reading", "details": {"title": "党章"}}
    secretary.ok("POST", "/v1/activities", 201, json={**reading, "occurred_on": "2026-09-10"})
    wait_until(lambda: _points(secretary, member["id"], "2026-09") == 2, message="september accrual")

    saved = secretary.ok("POST", "/v1/points/rule-sets", 201, json={
        "org_unit_id": branch, "effective_from": "2026-10-01",
        "layer": {"rules": {"theory_reading": {"points_per_unit": 3, "monthly_cap": 9}}}})
    assert saved["version"] == 2
    tenant_default = secretary.ok("POST", "/v1/points/rule-sets", 201, json={
        "effective_from": "2026-01-01", "layer": {"rules": {"org_life": {"points_per_unit": 2}}}})
    assert tenant_default["scope"] == "default"

    secretary.ok("POST", "/v1/activities", 201, json={**reading, "occurred_on": "2026-10-10"})
    wait_until(lambda: _points(secretary, member["id"], "2026-10") == 3, message="october accrual under v2")
    assert _points(secretary, member["id"], "2026-09") == 2
    rs = secretary.ok("GET", f"/v1/points/rule-set?org_unit_id={branch}&on=2026-10-15")
    assert rs["rules"]["theory_reading"]["points_per_unit"] == 3 and rs["rules"]["org_life"]["points_per_unit"] == 2
    before = secretary.ok("GET", f"/v1/points/rule-set?org_unit_id={branch}&on=2026-09-15")
    assert before["rules"]["theory_reading"]["points_per_unit"] == 2
    versions = {e["period"]: e["rule_version"] for e in _statement(secretary, member["id"])}
    assert versions == {"2026-09": 1, "2026-10": 2}
    late = secretary.request("POST", "/v1/points/rule-sets", json={
        "org_unit_id": branch, "effective_from": "2026-09-01", "layer": {}})
    assert late.status_code == 409


def test_a_tenant_adds_its_own_kind_with_its_rule(api):
    college, other = api.new_tenant(), api.new_tenant()
    member = college.add_member("黄磊")
    kind = college.admin.ok("POST", "/v1/activity-kinds", 201, json={
        "key": "campus_lecture", "title_zh": "校园宣讲", "points_per_unit": 3, "monthly_cap": 3, "dimension": "ability"})
    assert kind["custom"] is True
    assert college.admin.post("/v1/activity-kinds", json={
        "key": "campus_lecture", "title_zh": "重复", "points_per_unit": 1, "dimension": "ability"}).status_code == 409
    assert "campus_lecture" in {k["key"] for k in college.admin.ok("GET", "/v1/activity-kinds")}
    assert "campus_lecture" not in {k["key"] for k in other.admin.ok("GET", "/v1/activity-kinds")}
    wait_until(lambda: "campus_lecture" in college.admin.ok("GET", "/v1/points/rule-set")["rules"],
               message="points learns the kind's rule")
    me = college.member_api(member["id"])
    for day in ("2026-10-09", "2026-10-16"):
        me.ok("POST", "/v1/activities", 201, json={"member_id": member["id"], "kind": "campus_lecture",
                                                   "occurred_on": day, "details": {"title": "新生入学教育"}})
    wait_until(lambda: len(_statement(college.admin, member["id"])) == 2, message="two entries")
    assert _points(college.admin, member["id"]) == 3  # monthly cap 3
    bad = me.post("/v1/activities", json={"member_id": member["id"], "kind": "campus_lecture",
                                          "occurred_on": "2026-10-17", "details": {}})
    assert bad.status_code == 400 and bad.json()["details"][0]["field"] == "details.title"
    stranger = other.add_member("外院党员")
    response = other.admin.post("/v1/activities", json={"member_id": stranger["id"], "kind": "campus_lecture",
                                                        "occurred_on": "2026-10-09", "details": {"title": "x"}})
    assert response.status_code == 400 and response.json()["details"][0]["field"] == "kind"
