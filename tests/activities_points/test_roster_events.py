"""Points and activities follow the roster: the org tree (groups belong to their branch), transfers,
leavers, political status and each tenant's time zone, all learnt from the members service's events."""
import uuid
from datetime import datetime, timezone

from sqlalchemy import text
from sqlalchemy.orm import Session

from services.common import metrics
from services.common.contracts.members import MemberLeft, MemberTransferred
from services.common.db import make_engine
from services.points import month_close
from tests.integration.helpers import publish_raw
from tests.support.infra import PLATFORM_TOKEN, wait_until

DUTIES = [
    ("opinion_listening", "1", {"whom": "数学系 陈老师", "channel": "talk", "opinions": "希望减少重复填表"}),
    ("activist_followup", "1", {"activist_id": "activist-2025-004", "learning_status": "思想汇报按时提交"}),
    ("theory_reading", "1", {"title": "中国共产党章程"}),
    ("volunteer_service", "1", {"partner": "社区服务中心"}),
]
READING = {"title": "论党的自我革命"}


def _scalar(db_engine, sql, **params):
    with db_engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one_or_none()


def _log(admin, member_id, kind, day, details, quantity="1"):
    return admin.ok("POST", "/v1/activities", 201, json={
        "member_id": member_id, "kind": kind, "occurred_on": day, "details": details, "quantity": quantity})


def _statement(admin, member_id):
    return admin.ok("GET", f"/v1/members/{member_id}/points/statement")


def _points(admin, member_id, period="2026-10"):
    return admin.ok("GET", f"/v1/members/{member_id}/points?period={period}")["total"]


def _duplicates(service, event_type):
    return metrics.EVENTS_CONSUMED.labels(service, event_type, "duplicate")._value.get()


def test_groups_transfers_leavers_and_statuses_in_the_month_close(api, db_engine, amqp_uri):
    college = api.new_tenant()
    admin, branch = college.admin, college.branch["id"]
    other_branch = admin.ok("POST", "/v1/org-units", 201, json={"name": "学生党支部", "kind": "branch"})["id"]
    group = admin.ok("POST", "/v1/org-units", 201, json={"name": "第一党小组", "kind": "group",
                                                        "parent_id": branch})["id"]
    doer = college.add_member("王芳", org_unit_id=group)            # in a group, does all four duties
    idle = college.add_member("张伟", org_unit_id=group)            # in a group, does nothing
    mover = college.add_member("刘洋")                              # transferred mid-month
    leaver = college.add_member("赵敏")                             # left mid-month
    activist = college.add_member("孙丽", political_status="activist")  # not a Party member yet
    for schema in ("points", "activities"):
        wait_until(lambda: _scalar(db_engine, f"SELECT count(*) FROM {schema}.org_units WHERE tenant_id = :t",
                                   t=college.tenant["id"]) == 3, message=f"{schema} learns the org tree")

    for kind, quantity, details in DUTIES:
        _log(admin, doer["id"], kind, "2026-10-08", details, quantity)
    october = admin.ok("POST", "/v1/activity-days", 201, json={"org_unit_id": branch, "year": 2026})[9]
    # A group's member attends the branch's activity day; the other one misses it.
    admin.ok("POST", f"/v1/activity-days/{october['id']}/attendance", 201,
             json={"member_id": doer["id"], "status": "attended"})

    early = _log(admin, mover["id"], "theory_reading", "2026-10-05", READING)
    wait_until(lambda: _statement(admin, mover["id"]), message="accrual before the transfer")
    admin.ok("POST", f"/v1/members/{mover['id']}/transfer", json={"to_org_unit_id": other_branch,
                                                                 "effective_on": "2026-10-16"})
    admin.ok("POST", f"/v1/members/{leaver['id']}/leave", json={"left_on": "2026-10-20", "reason": "调离学校"})
    wait_until(lambda: _scalar(db_engine, "SELECT org_unit_id::text FROM points.members_view WHERE member_id = :m",
                               m=mover["id"]) == other_branch
               and _scalar(db_engine, "SELECT left_on FROM points.members_view WHERE member_id = :m",
                           m=leaver["id"]) is not None, message="points follows the transfer and the leaving")
    # Logged after the transfer: the 10th still counts in the old branch, the 20th in the new one.
    backdated = _log(admin, mover["id"], "theory_reading", "2026-10-10", READING)
    late = _log(admin, mover["id"], "theory_reading", "2026-10-20", READING)
    wait_until(lambda: len(_statement(admin, mover["id"])) == 3, message="three readings")
    unit_of = {e["activity_id"]: e["org_unit_id"] for e in _statement(admin, mover["id"])}
    assert unit_of == {early["id"]: branch, backdated["id"]: branch, late["id"]: other_branch}
    wait_until(lambda: _points(admin, doer["id"]) == 2 + 2 + 2 + 1 + 3, message="the group member's points")

    # The branch's four-duties view counts its groups' members, not the leaver, the transferred
    # member or the activist.
    wait_until(lambda: _scalar(db_engine, "SELECT left_on FROM activities.roster WHERE member_id = :m",
                               m=leaver["id"]) is not None
               and _scalar(db_engine, "SELECT org_unit_id::text FROM activities.roster WHERE member_id = :m",
                           m=mover["id"]) == other_branch, message="activities follows the roster")
    view = admin.ok("GET", f"/v1/org-units/{branch}/four-duties?period=2026-10")
    assert {m["member_id"] for m in view["members"]} == {doer["id"], idle["id"]}

    # A group is closed with its branch, never on its own.
    refused = admin.post("/v1/points/month-closes", json={"org_unit_id": group, "period": "2026-10"})
    assert refused.status_code == 400 and refused.json()["details"][0]["field"] == "org_unit_id"
    closed = admin.ok("POST", "/v1/points/month-closes", json={"org_unit_id": branch, "period": "2026-10"})
    assert closed == {"org_unit_id": branch, "period": "2026-10", "members": 2, "deductions": -2 * 4 - 3,
                      "missing_duties": 4, "unexcused_absences": 1, "already_closed": False}
    moved = admin.ok("POST", "/v1/points/month-closes", json={"org_unit_id": other_branch, "period": "2026-10"})
    assert (moved["members"], moved["deductions"]) == (1, -2 * 3)
    for member in (leaver, activist):
        assert [e for e in _statement(admin, member["id"]) if e["delta"] < 0] == []
    assert _points(admin, idle["id"]) == -11 and _points(admin, mover["id"]) == 2 + 2 + 0 - 6

    # Each deduction reached the member as a notice (points_awarded, consumed by notify).
    deductions = [e for e in _statement(admin, idle["id"]) if e["delta"] < 0]
    assert sorted(e["rule"] for e in deductions) == ["activity_day_absence", "four_duties_missing"]
    assert {e["org_unit_id"] for e in deductions} == {group}
    for entry in deductions:
        wait_until(lambda: _scalar(db_engine, "SELECT count(*) FROM notify.inbox_messages WHERE cause = :c",
                                   c=f"points_awarded:{entry['id']}") == 1, message="deduction notice")

    # Boards: the branch includes its group, the group has its own, the mover ranks in the new branch.
    board = admin.ok("GET", f"/v1/points/leaderboard?period=2026-10&org_unit_id={branch}")["entries"]
    assert [(e["member_id"], e["points"]) for e in board] == [(doer["id"], 10), (idle["id"], -11)]
    board = admin.ok("GET", f"/v1/points/leaderboard?period=2026-10&org_unit_id={group}")["entries"]
    assert {e["member_id"] for e in board} == {doer["id"], idle["id"]}
    board = admin.ok("GET", f"/v1/points/leaderboard?period=2026&org_unit_id={other_branch}")["entries"]
    assert [(e["member_id"], e["points"]) for e in board] == [(mover["id"], -2)]
    report = admin.ok("GET", f"/v1/org-units/{branch}/points-report?period=2026-10")
    assert {m["member_id"] for m in report["members"]} == {doer["id"], idle["id"]}

    # Replayed transfer and leaving change nothing.
    transfer_id = _scalar(db_engine, "SELECT event_id::text FROM points.unit_changes WHERE member_id = :m",
                          m=mover["id"])
    left_id = _scalar(db_engine, "SELECT event_id::text FROM points.processed_events "
                                 "WHERE consumer = 'points.on_member_left' AND tenant_id = :t", t=college.tenant["id"])
    seen = {t: _duplicates("points", t) for t in ("member_transferred", "member_left")}
    publish_raw(amqp_uri, "members", "member_transferred", MemberTransferred(
        event_id=transfer_id, tenant_id=college.tenant["id"], member_id=mover["id"], from_org_unit_id=branch,
        to_org_unit_id=other_branch, effective_on="2026-10-16").to_message())
    publish_raw(amqp_uri, "members", "member_left", MemberLeft(
        event_id=left_id, tenant_id=college.tenant["id"], member_id=leaver["id"], org_unit_id=branch,
        left_on="2026-10-20", reason="调离学校").to_message())
    wait_until(lambda: _duplicates("points", "member_transferred") > seen["member_transferred"]
               and _duplicates("points", "member_left") > seen["member_left"], message="replays consumed")
    assert _points(admin, mover["id"]) == -2 and _points(admin, idle["id"]) == -11
    assert len(_statement(admin, mover["id"])) == 4
    again = admin.ok("POST", "/v1/points/month-closes", json={"org_unit_id": branch, "period": "2026-10"})
    assert again["already_closed"] is True and again["deductions"] == -11


def test_each_tenant_closes_and_schedules_in_its_own_time_zone(api, db_engine, settings_for):
    platform = api.as_(PLATFORM_TOKEN)
    west = platform.ok("POST", "/v1/tenants", 201, json={"code": f"west-{uuid.uuid4().hex[:8]}",
                                                         "name": "西部学院", "timezone": "America/Los_Angeles"})
    west_admin = api.as_(west["admin_token"])
    west_branch = west_admin.ok("POST", "/v1/org-units", 201, json={"name": "教工党支部", "kind": "branch"})["id"]
    west_admin.ok("POST", "/v1/members", 201, json={"name": "陈静", "org_unit_id": west_branch,
                                                    "category": "staff", "political_status": "full"})
    east = api.new_tenant()
    east.add_member("黄磊")
    for schema in ("points", "activities"):
        wait_until(lambda: _scalar(db_engine, f"SELECT timezone FROM {schema}.tenants WHERE tenant_id = :t",
                                   t=west["tenant"]["id"]) == "America/Los_Angeles", message=f"{schema} learns the zone")
    wait_until(lambda: _scalar(db_engine, "SELECT count(*) FROM points.members_view WHERE tenant_id IN (:a, :b)",
                               a=west["tenant"]["id"], b=east.tenant["id"]) == 2, message="points learns the members")

    # 03:00 UTC on 4 December: already the 4th in Shanghai (grace of 3 days over, November is due),
    # still the 3rd in Los Angeles (November waits).
    engine = make_engine(settings_for("points"), pool_size=1)
    try:
        with Session(engine) as session:
            due = month_close.due_closes(session, datetime(2026, 12, 4, 3, 0, tzinfo=timezone.utc))
            later = month_close.due_closes(session, datetime(2026, 12, 4, 9, 0, tzinfo=timezone.utc))
    finally:
        engine.dispose()
    assert (east.tenant["id"], east.branch["id"], "2026-11") in {(str(t), str(u), p) for t, u, p in due}
    assert west["tenant"]["id"] not in {str(t) for t, _, _ in due}
    assert (west["tenant"]["id"], west_branch, "2026-11") in {(str(t), str(u), p) for t, u, p in later}

    # Activity days are kept in the tenant's zone unless one is given.
    days = west_admin.ok("POST", "/v1/activity-days", 201, json={"org_unit_id": west_branch, "year": 2026})
    assert {d["timezone"] for d in days} == {"America/Los_Angeles"}
    days = east.admin.ok("POST", "/v1/activity-days", 201, json={"org_unit_id": east.branch["id"], "year": 2026})
    assert {d["timezone"] for d in days} == {"Asia/Shanghai"}


def test_a_rename_reaches_every_read_model_and_the_branch_views(api, db_engine):
    college = api.new_tenant()
    branch = college.branch["id"]
    member = college.add_member("刘红")
    college.admin.ok("PATCH", f"/v1/members/{member['id']}", json={"name": "刘虹"})
    names = {
        "activities": "SELECT name FROM activities.roster WHERE member_id = :m",
        "points": "SELECT name FROM points.members_view WHERE member_id = :m",
        "notify": "SELECT name FROM notify.recipients WHERE person_id = :m",
    }
    wait_until(lambda: {s: _scalar(db_engine, q, m=member["id"]) for s, q in names.items()}
               == dict.fromkeys(names, "刘虹"), message="the new name in activities, points and notify")
    period = datetime.now(timezone.utc).strftime("%Y-%m")
    rows = college.admin.ok("GET", f"/v1/org-units/{branch}/four-duties?period={period}")["members"]
    assert [r["name"] for r in rows] == ["刘虹"]
