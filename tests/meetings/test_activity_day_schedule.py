"""Activity days without anybody asking: a new branch has its 4th Thursdays from today to the end
of next year; the year's turn schedules the next one once; moving a day keeps it; the board shows
branches with no day in a month."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from services.activities import activity_day_schedule, models
from services.activities.activity_days import fourth_thursday
from services.common.db import UnitOfWork
from tests.support.infra import wait_until


def _days(admin, branch, year) -> list[dict]:
    return admin.ok("GET", f"/v1/org-units/{branch}/activity-days?year={year}")


def test_a_new_branch_has_its_days_for_this_year_and_the_next(api):
    college = api.new_tenant()
    admin, branch = college.admin, college.branch["id"]
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    expected = {fourth_thursday(today.year, m).isoformat() for m in range(1, 13)
                if fourth_thursday(today.year, m) >= today}
    wait_until(lambda: len(_days(admin, branch, today.year + 1)) == 12, message="next year's days")
    assert {d["held_on"] for d in _days(admin, branch, today.year)} == expected
    assert {d["timezone"] for d in _days(admin, branch, today.year + 1)} == {"Asia/Shanghai"}

    # Moving one keeps it (same id, its reason); scheduling by hand adds only the months missing.
    june = next(d for d in _days(admin, branch, today.year + 1) if d["period"].endswith("-06"))
    moved = admin.ok("POST", f"/v1/activity-days/{june['id']}/move", json={
        "held_on": f"{today.year + 1}-06-18", "reason": "端午"})
    again = admin.ok("POST", "/v1/activity-days", 201, json={"org_unit_id": branch, "year": today.year + 1})
    assert [d for d in again if d["id"] == june["id"]] == [moved] and len(again) == 12
    assert [(m["from"], m["to"], m["reason"]) for m in moved["moves"]] == [
        (june["held_on"], f"{today.year + 1}-06-18", "端午")]

    # The board: open branches with a month that has no day (none before the branch existed).
    board = admin.ok("GET", f"/v1/activity-days/missing?period={today.year + 1}")
    assert branch not in {b["org_unit_id"] for b in board}
    past = admin.ok("GET", "/v1/activity-days/missing?period=2020-03")
    assert [(b["org_unit_id"], b["periods_without_day"]) for b in past] == [(branch, ["2020-03"])]
    assert admin.get("/v1/activity-days/missing?period=2020-3").status_code == 400
    assert college.member_api(college.add_member("周敏")["id"]).get(
        "/v1/activity-days/missing?period=2020-03").status_code == 403


def test_the_years_turn_schedules_the_next_year_once(api, db_engine):
    college = api.new_tenant()
    branch = college.branch["id"]
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    wait_until(lambda: len(_days(college.admin, branch, today.year + 1)) == 12, message="next year's days")
    # 17:00 UTC on 31 December of next year is already New Year's Day in Shanghai.
    turn = datetime(today.year + 1, 12, 31, 17, 0, tzinfo=timezone.utc)
    with Session(db_engine) as session, session.begin():
        session.execute(text("SET LOCAL search_path TO activities"))  # the service's own schema, as it runs
        uow = UnitOfWork(session, None, {})
        assert any(str(b) == branch for _, b in activity_day_schedule.due(session, turn))
        assert activity_day_schedule.run(uow, college.tenant["id"], branch, turn) == 24
        # A second replica's tick, or a second tick, finds the years claimed.
        assert activity_day_schedule.run(uow, college.tenant["id"], branch, turn) == 0
        assert not any(str(b) == branch for _, b in activity_day_schedule.due(session, turn))
        m = models.meetings
        periods = session.execute(select(m.c.period).where(
            m.c.org_unit_id == branch, m.c.period.like(f"{today.year + 2}-%"))).scalars().all()
        assert sorted(periods) == [f"{today.year + 2}-{month:02d}" for month in range(1, 13)]
        assert {e.event_type for e in uow.published} == {"activity_day_scheduled"} and len(uow.published) == 24
        session.rollback()
