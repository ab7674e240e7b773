"""An activity logged late for a month already closed: it earns its points in its own month, as a
new ledger entry; the close is not reopened, so what it deducted stays (the ledger is append-only)."""
from tests.support.infra import wait_until


def test_a_late_activity_is_priced_in_its_month_and_the_close_stands(api):
    college = api.new_tenant()
    member = college.add_member("赵雷")
    admin, branch, me = college.admin, college.branch["id"], member["id"]
    wait_until(lambda: admin.post("/v1/points/month-closes", json={"org_unit_id": branch, "period": "2026-09"})
               .status_code == 200, message="points to learn the member and close September")
    wait_until(lambda: admin.ok("GET", f"/v1/members/{me}/points?period=2026-09")["total"] == -8, message="the close")

    admin.ok("POST", "/v1/activities", 201, json={
        "member_id": me, "kind": "theory_reading", "occurred_on": "2026-09-10", "details": {"title": "党章"}})
    wait_until(lambda: admin.ok("GET", f"/v1/members/{me}/points?period=2026-09")["total"] == -6, message="late entry")
    entries = admin.ok("GET", f"/v1/members/{me}/points/statement?period=2026-09")
    assert sorted(e["delta"] for e in entries) == [-8, 2]
    again = admin.ok("POST", "/v1/points/month-closes", json={"org_unit_id": branch, "period": "2026-09"})
    assert again["already_closed"] is True and again["deductions"] == -8 and again["missing_duties"] == 4
