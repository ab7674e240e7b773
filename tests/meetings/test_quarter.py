"""The acceptance test of meetings, activity days as meetings and notices with receipts: the third
quarter of 2026 in one branch (a secretary, two members in the branch, one in its group).

What happens, and the figures worked out by hand below:

| meeting (2026)                  | 孙书记 S | 周敏 Z | 王强 W | 李华 L (group) |
|---------------------------------|---------|--------|--------|----------------|
| activity day 07-23              | in +3   | in +3  | in +3  | in +3          |
| committee meeting 07-08 (S, Z)  | in +1   | in +1  |        |                |
| group meeting 07-15             |         |        |        | in, also logged by hand naming it: +1 once |
| branch general meeting 08-05    | in +1   | in +1  | absent 0 (recorded) | in +1 |
| committee meeting 08-12         | in +1   | in +1  |        |                |
| group meeting 08-19             |         |        |        | in +1          |
| activity day 08-27              | in +3   | leave 0 | absent 0 (by default at close) | in +3 |
| month close 2026-08             | −8 (4 duties) | −8 | −8 −3 (activity day) | −8 |
| committee meeting 09-09         | in +1   | in +1  |        |                |
| group meeting 09-16             |         |        |        | absent 0       |
| activity day 09-24              | in +3   | in +3  | in +3  | in +3          |
| **total**                       | **5**   | **2**  | **−5** | **4**          |

No Party lecture is held: the quarter's compliance view flags it, and only it. A notice to the
branch reaches all four; S and L acknowledge it, Z and W do not and are reminded.
"""
from sqlalchemy import text

from tests.meetings.conftest import make_branch
from tests.support.infra import wait_until

EXPECTED_POINTS = {"孙书记": 5, "周敏": 2, "王强": -5, "李华": 4}


def _held(b, unit, kind, day, invitees, records, *, minutes="会议纪要", hand_logged=()):
    """Plan a meeting on `day`, record the sign-in sheet, write the minutes and close it."""
    body = {"org_unit_id": unit, "kind": kind, "title": f"{kind} {day}", "starts_at": f"{day}T19:00:00"}
    if invitees is not None:
        body["invitee_ids"] = [b.people[n] for n in invitees]
    meeting = b.secretary.ok("POST", "/v1/meetings", 201, json=body)
    return _record_and_close(b, meeting, records, minutes, hand_logged)


def _record_and_close(b, meeting, records, minutes="会议纪要", hand_logged=()):
    path = f"/v1/meetings/{meeting['id']}"
    for name in hand_logged:
        b.member(name).ok("POST", "/v1/activities", 201, json={
            "member_id": b.people[name], "kind": "org_life", "occurred_on": meeting["held_on"],
            "details": {"meeting": "group_meeting", "topic": "小组学习", "meeting_id": meeting["id"]}})
    if records:
        b.secretary.ok("POST", f"{path}/attendance", json={"records": [
            {"member_id": b.people[name], **record} for name, record in records.items()]})
    b.secretary.ok("POST", f"{path}/minutes", json={"minutes": minutes, "evidence": [f"minutes/{meeting['id']}.pdf"]})
    return b.secretary.ok("POST", f"{path}/close")


IN = {"status": "checked_in"}


def test_a_quarter_of_a_branch(api, db_engine):
    b = make_branch(api, db_engine, ["周敏", "王强"], ["李华"])
    everyone = ["孙书记", "周敏", "王强", "李华"]
    days = {d["period"]: d for d in b.secretary.ok("POST", "/v1/activity-days", 201, json={
        "org_unit_id": b.branch, "year": 2026})}
    assert [days[p]["held_on"] for p in ("2026-07", "2026-08", "2026-09")] == ["2026-07-23", "2026-08-27", "2026-09-24"]
    wait_until(lambda: _scalar(db_engine, "SELECT count(*) FROM points.activity_days WHERE org_unit_id = :u "
                               "AND period BETWEEN '2026-07' AND '2026-09'", u=b.branch) == 3, message="points knows the days")

    # July
    _record_and_close(b, b.admin.ok("GET", f"/v1/meetings/{days['2026-07']['id']}"), dict.fromkeys(everyone, IN))
    _held(b, b.branch, "committee_meeting", "2026-07-08", ["孙书记", "周敏"], dict.fromkeys(["孙书记", "周敏"], IN))
    _held(b, b.group, "group_meeting", "2026-07-15", None, {"李华": IN}, hand_logged=["李华"])
    # August
    general = _held(b, b.branch, "branch_general_meeting", "2026-08-05", None,
                    {"孙书记": IN, "周敏": IN, "李华": IN, "王强": {"status": "absent"}})
    assert general["counts"]["absent"] == 1 and general["counts"]["checked_in"] == 3
    _held(b, b.branch, "committee_meeting", "2026-08-12", ["孙书记", "周敏"], dict.fromkeys(["孙书记", "周敏"], IN))
    _held(b, b.group, "group_meeting", "2026-08-19", None, {"李华": IN})
    august = _record_and_close(b, b.admin.ok("GET", f"/v1/meetings/{days['2026-08']['id']}"), {
        "孙书记": IN, "李华": IN, "周敏": {"status": "excused", "leave_reason": "出差"}})
    assert {a["member_id"]: a["status"] for a in august["attendees"]} == {
        b.people["孙书记"]: "checked_in", b.people["李华"]: "checked_in", b.people["周敏"]: "excused",
        b.people["王强"]: "absent"}
    # September
    _held(b, b.branch, "committee_meeting", "2026-09-09", ["孙书记", "周敏"], dict.fromkeys(["孙书记", "周敏"], IN))
    _held(b, b.group, "group_meeting", "2026-09-16", None, {"李华": {"status": "absent"}})
    _record_and_close(b, b.admin.ok("GET", f"/v1/meetings/{days['2026-09']['id']}"), dict.fromkeys(everyone, IN))

    # Points has priced every attendance before August is closed (the close reads what it knows).
    before_close = {"孙书记": 13, "周敏": 10, "王强": 6, "李华": 12}
    wait_until(lambda: {n: _points(b, n) for n in everyone} == before_close, message="attendance priced")
    closed = b.secretary.ok("POST", "/v1/points/month-closes", json={"org_unit_id": b.branch, "period": "2026-08"})
    assert (closed["members"], closed["unexcused_absences"], closed["deductions"]) == (4, 1, -35)
    wait_until(lambda: {n: _points(b, n) for n in everyone} == EXPECTED_POINTS, message="the quarter's points")
    # Counted once: 李华's own log of the July group meeting and the meeting's close make one org_life.
    lihua = b.admin.ok("GET", f"/v1/members/{b.people['李华']}/activities?period=2026-07")
    assert sorted(a["kind"] for a in lihua) == ["activity_day_attendance", "org_life"]
    # 王强's two absences in August are recorded (at 0), the activity day's priced −3 by the close.
    wang = b.admin.ok("GET", f"/v1/members/{b.people['王强']}/activities?period=2026-08")
    assert sorted((a["kind"], a["details"]["meeting"]) for a in wang) == [
        ("meeting_absence", "activity_day"), ("meeting_absence", "branch_meeting")]

    # 三会一课 compliance: only the Party lecture is missing.
    view = b.secretary.ok("GET", f"/v1/org-units/{b.branch}/org-life-compliance?quarter=2026-Q3")
    assert view["missing"] == 1
    missing = {(k["kind"], k["org_unit_id"]): k["missing"] for k in view["kinds"]}
    assert missing == {("branch_general_meeting", b.branch): [], ("committee_meeting", b.branch): [],
                       ("group_meeting", b.group): [], ("party_lecture", b.branch): ["2026-Q3"]}

    # A notice with receipts: two acknowledge, two do not and are reminded.
    notice = b.secretary.ok("POST", f"/v1/org-units/{b.branch}/notices", 201, json={
        "title": "关于开展第四季度主题党日的通知", "body": "请全体党员按时参加。"})
    assert len(notice["not_acknowledged"]) == 4
    for name in ("孙书记", "李华"):
        b.member(name).ok("POST", f"/v1/notices/{notice['id']}/acknowledge")
    receipts = b.secretary.ok("GET", f"/v1/notices/{notice['id']}")
    assert {p["person_id"] for p in receipts["acknowledged"]} == {b.people["孙书记"], b.people["李华"]}
    assert {p["person_id"] for p in receipts["not_acknowledged"]} == {b.people["周敏"], b.people["王强"]}
    reminded = b.secretary.ok("POST", f"/v1/notices/{notice['id']}/remind")
    assert set(reminded["reminded"]) == {b.people["周敏"], b.people["王强"]}

    # The inboxes agree: everybody has the notice; only the two who did not acknowledge the
    # reminder; the secretary the August statement.
    def templates_of(name):
        items = b.admin.ok("GET", f"/v1/members/{b.people[name]}/inbox?limit=200")["items"]
        return {m["template"] for m in items}
    wait_until(lambda: "points_statement_secretary" in templates_of("孙书记"), message="the statement in the inbox")
    for name in everyone:
        got = templates_of(name)
        assert "notice_published" in got
        assert ("notice_reminder" in got) == (name in ("周敏", "王强")), name
    assert ("points_statement_secretary" in templates_of("周敏")) is False
    mine = b.member("周敏").ok("GET", f"/v1/members/{b.people['周敏']}/notices")
    assert [(n["id"], n["acknowledged_at"]) for n in mine] == [(notice["id"], None)]


def _points(b, name) -> int:
    return b.admin.ok("GET", f"/v1/members/{b.people[name]}/points")["total"]


def _scalar(db_engine, sql, **params):
    with db_engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()
