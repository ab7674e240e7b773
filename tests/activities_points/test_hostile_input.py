"""Points reports keep formula-like names as text; activity dates are strict, and a moment with
its offset is turned into the day it was in the tenant's time zone."""
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from tests.support.infra import wait_until
from tests.support.spreadsheets import FORMULA_NAMES, assert_formula_names_are_text


def _cells(response) -> list[tuple]:
    assert response.status_code == 200, response.text[:300]
    return [tuple(row) for row in load_workbook(io.BytesIO(response.content)).active.iter_rows()]


def test_both_points_reports_write_formula_like_names_as_text(api):
    college = api.new_tenant()
    branch = college.branch["id"]
    for name in FORMULA_NAMES:
        college.add_member(name)
    today = datetime.now(ZoneInfo(college.tenant.get("timezone") or "Asia/Shanghai"))
    period = today.strftime("%Y-%m")
    wait_until(lambda: len(college.admin.ok("GET", f"/v1/org-units/{branch}/points-report",
                                            params={"period": period})["members"]) == len(FORMULA_NAMES),
               message="points knowing the members")
    assert_formula_names_are_text(_cells(college.admin.get(f"/v1/org-units/{branch}/points-report.xlsx", params={"period": period})))
    assert_formula_names_are_text(_cells(college.admin.get(f"/v1/org-units/{branch}/assessment.xlsx", params={"year": today.year})))


def test_activity_dates_are_strict_and_a_moment_becomes_the_tenants_day(api):
    college = api.new_tenant()
    member = college.add_member("周敏")
    me = college.member_api(member["id"])
    reading = {"member_id": member["id"], "kind": "theory_reading", "details": {"title": "党章"}}
    for day in (0, 20261031, "20261031", "2026-10-31T20:00:00-05:00", "2026-10-31T00:00:00"):
        response = me.post("/v1/activities", json={**reading, "occurred_on": day})
        assert response.status_code == 400, (day, response.text[:300])
        assert [d["field"] for d in response.json()["details"]] == ["occurred_on"], day
    for moment in ("2026-10-31T20:00:00", 1793500000, "2026-10-31"):
        response = me.post("/v1/activities", json={**reading, "occurred_at": moment})
        assert response.status_code == 400 and response.json()["details"][0]["field"] == "occurred_at", moment

    # 20:00 in New York on 31 October is 09:00 on 1 November in Shanghai, the tenant's zone.
    logged = me.ok("POST", "/v1/activities", 201, json={**reading, "occurred_at": "2026-10-31T20:00:00-05:00"})
    assert (logged["occurred_on"], logged["period"]) == ("2026-11-01", "2026-11")
    same_day = me.ok("POST", "/v1/activities", 201, json={**reading, "occurred_at": "2026-10-31T08:00:00+08:00",
                                                           "details": {"title": "党史"}})
    assert same_day["occurred_on"] == "2026-10-31"
