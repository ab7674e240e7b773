"""The scheduled reminders: activity day tomorrow, and four duties still missing near month end."""
from datetime import date

from sqlalchemy import text

from tests.notify.servers import Robot
from tests.support.infra import wait_until


def _notify_rows(db_engine, sql: str, **params) -> list:
    with db_engine.connect() as conn:
        return conn.execute(text(sql), params).all()


def test_scan_reminds_the_day_before_and_near_month_end_once(api, reminders, robot_server, db_engine):
    college = api.new_tenant()
    branch = college.branch["id"]
    robot = Robot("wecom")
    college.admin.ok("PUT", f"/v1/org-units/{branch}/robots/wecom", json={"webhook_url": robot_server.add("wecom-day", robot)})
    owing = college.add_member("王芳", political_status="full")
    outsider = college.add_member("李明", political_status="non_party")
    college.admin.ok("POST", "/v1/activity-days", 201, json={"org_unit_id": branch, "year": 2026})
    college.admin.ok("POST", "/v1/activities", 201, json={
        "member_id": owing["id"], "kind": "theory_reading", "occurred_on": "2026-11-05", "details": {"title": "党章"}})
    tenant = college.tenant["id"]
    wait_until(lambda: len(_notify_rows(db_engine, "SELECT 1 FROM notify.recipients WHERE tenant_id = :t", t=tenant)) == 2
               and _notify_rows(db_engine, "SELECT 1 FROM notify.duty_marks WHERE tenant_id = :t", t=tenant)
               and len(_notify_rows(db_engine, "SELECT 1 FROM notify.activity_days WHERE tenant_id = :t AND held_on < '2027-01-01'",
                                      t=tenant)) == 12,
               message="notify learning the roster, the days and the duty")

    # 2026-11-26 is the fourth Thursday; the day before is also within 5 days of month end.
    for _ in range(2):
        reminders.run_once(date(2026, 11, 25))

    me = college.member_api(owing["id"])
    titles = sorted(m["title"] for m in me.ok("GET", f"/v1/members/{owing['id']}/inbox")["items"]
                    if m["template"] != "points_awarded")
    assert titles == ["2026-11 月“四个一”尚缺 3 项", "明日党员活动日（2026-11-26）"]
    duties = [m for m in me.ok("GET", f"/v1/members/{owing['id']}/inbox")["items"] if m["template"] == "duties_missing"]
    assert "阅读党的理论书籍" not in duties[0]["body"] and "志愿服务" in duties[0]["body"]
    other = college.member_api(outsider["id"]).ok("GET", f"/v1/members/{outsider['id']}/inbox")["items"]
    assert [m["template"] for m in other] == ["activity_day_tomorrow"]  # non-Party: no four duties
    wait_until(lambda: len(robot.accepted) == 1, message="the group told once")

    # Mid-month, and not the day before any activity day: nothing new.
    reminders.run_once(date(2026, 11, 10))
    assert len(me.ok("GET", f"/v1/members/{owing['id']}/inbox")["items"]) == 3
