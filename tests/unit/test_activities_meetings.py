"""Meetings' pure decisions: the check-in window and code, leave, the attendee transitions and
what a close logs."""
from datetime import datetime, timedelta, timezone

import pytest

from services.activities import meeting_rules as rules
from services.common.errors import Conflict, InvalidInput
from services.common.settings import ConfigError

START = datetime(2026, 10, 22, 6, 30, tzinfo=timezone.utc)
WINDOW = rules.CheckInWindow()


def _field(call) -> str:
    with pytest.raises(InvalidInput) as caught:
        call()
    return caught.value.details[0]["field"]


def test_a_check_in_is_taken_within_the_window_with_the_room_code_once():
    for offset in (-30, 0, 30):
        assert rules.check_in(WINDOW, START, START + timedelta(minutes=offset), " abc234", "ABC234",
                              rules.INVITED, rules.PLANNED) == rules.CHECKED_IN
    for offset in (-31, 31):
        assert _field(lambda: rules.check_in(WINDOW, START, START + timedelta(minutes=offset), "ABC234", "ABC234",
                                             rules.INVITED, rules.PLANNED)) == "checked_in_at"
    assert _field(lambda: rules.check_in(WINDOW, START, START, "ABC235", "ABC234",
                                         rules.INVITED, rules.PLANNED)) == "code"
    assert _field(lambda: rules.check_in(WINDOW, START, START, "ABC234", "ABC234", None, rules.PLANNED)) == "meeting_id"
    with pytest.raises(Conflict, match="once"):
        rules.check_in(WINDOW, START, START, "ABC234", "ABC234", rules.CHECKED_IN, rules.PLANNED)
    with pytest.raises(Conflict, match="closed"):
        rules.check_in(WINDOW, START, START, "ABC234", "ABC234", rules.INVITED, rules.CLOSED)


def test_the_window_is_a_setting_that_refuses_nonsense():
    window = rules.CheckInWindow.from_env({"MEETING_CHECK_IN_BEFORE_MINUTES": "10"})
    assert (window.before, window.after) == (timedelta(minutes=10), timedelta(minutes=30))
    with pytest.raises(ConfigError, match="MEETING_CHECK_IN_AFTER_MINUTES"):
        rules.CheckInWindow.from_env({"MEETING_CHECK_IN_AFTER_MINUTES": "-5"})


def test_leave_is_asked_before_the_start_and_decided_once():
    assert rules.ask_leave(START, START - timedelta(seconds=1), rules.INVITED, rules.PLANNED) == rules.LEAVE_REQUESTED
    assert _field(lambda: rules.ask_leave(START, START, rules.INVITED, rules.PLANNED)) == "meeting_id"
    with pytest.raises(Conflict):
        rules.ask_leave(START, START - timedelta(hours=1), rules.CHECKED_IN, rules.PLANNED)
    assert rules.after("approve_leave", rules.LEAVE_REQUESTED) == rules.EXCUSED
    assert rules.after("refuse_leave", rules.LEAVE_REQUESTED) == rules.INVITED
    with pytest.raises(Conflict):
        rules.after("approve_leave", rules.EXCUSED)


def test_minutes_and_close_need_a_meeting_held_and_open():
    assert _field(lambda: rules.require_held(START, START - timedelta(minutes=1), rules.PLANNED)) == "meeting_id"
    rules.require_held(START, START, rules.PLANNED)
    with pytest.raises(Conflict):
        rules.require_held(START, START, rules.CLOSED)


def test_a_close_logs_one_fact_per_attendee_who_earns_or_loses_and_none_for_guests_or_those_counted():
    attendees = [("a", rules.CHECKED_IN, False), ("b", rules.EXCUSED, False), ("c", rules.INVITED, False),
                 ("d", rules.ABSENT, False), ("g", rules.CHECKED_IN, True), ("h", rules.CHECKED_IN, False)]
    facts, absent = rules.closing_facts("party_lecture", attendees, already_counted={"h"})
    assert [(f.member_id, f.kind) for f in facts] == [("a", "org_life"), ("c", "meeting_absence"),
                                                      ("d", "meeting_absence")]
    assert absent == ["c"]
    facts, absent = rules.closing_facts(rules.ACTIVITY_DAY, attendees, already_counted=set())
    # An activity day's absence is recorded too; the month close deducts its −3, as before.
    assert [(f.member_id, f.kind) for f in facts] == [
        ("a", "activity_day_attendance"), ("b", "activity_day_leave"), ("c", "meeting_absence"),
        ("d", "meeting_absence"), ("h", "activity_day_attendance")]
    with pytest.raises(Conflict, match="leave request"):
        rules.closing_facts("forum", [("a", rules.LEAVE_REQUESTED, False)], set())


def test_check_in_codes_avoid_characters_read_wrongly():
    codes = {rules.new_check_in_code() for _ in range(50)}
    assert all(len(c) == 6 and not set(c) & set("01OI") for c in codes)
    assert len(codes) > 40


def test_a_year_scheduled_mid_year_starts_today():
    from datetime import date

    from services.activities.activity_day_schedule import days_from
    assert days_from(2026, date(2026, 11, 26)) == [date(2026, 11, 26), date(2026, 12, 24)]
    assert len(days_from(2027, date(2026, 11, 30))) == 12


def test_compliance_names_each_slot_of_the_quarter_without_a_meeting():
    norms = dict(rules.DEFAULT_NORMS)
    held = [("branch_general_meeting", "b", "2026-11", 1), ("committee_meeting", "b", "2026-10", 2),
            ("committee_meeting", "b", "2026-12", 3), ("group_meeting", "g1", "2026-10", 4),
            ("group_meeting", "g1", "2026-11", 5), ("group_meeting", "g1", "2026-12", 6),
            ("party_lecture", "b", "2026-07", 7)]
    rows = {(r["kind"], r["org_unit_id"]): r for r in rules.compliance(norms, "2026-Q4", "b", ["g1", "g2"], held)}
    assert {k: r["missing"] for k, r in rows.items()} == {
        ("branch_general_meeting", "b"): [], ("committee_meeting", "b"): ["2026-11"],
        ("group_meeting", "g1"): [], ("group_meeting", "g2"): ["2026-10", "2026-11", "2026-12"],
        ("party_lecture", "b"): ["2026-Q4"]}
    assert rows[("committee_meeting", "b")]["slots"][2] == {"slot": "2026-12", "held": ["3"]}
    # Data, not code: a branch's own frequencies change what is due.
    yearly = rules.compliance({"party_lecture": "yearly", "forum": "none"}, "2026-Q4", "b", [], held)
    assert [(r["kind"], r["missing"]) for r in yearly] == [("party_lecture", []), ("forum", [])]
    assert rules.quarter_months("2026-Q1") == ["2026-01", "2026-02", "2026-03"]
