"""The development pipeline's decisions: order, earliest dates, deadlines, reminders, votes."""
from datetime import date

import pytest

from services.members.development import steps
from services.members.development.steps import StepRefused

TODAY = date(2026, 11, 30)


def test_the_default_pipeline_is_25_steps_in_5_stages_with_one_milestone_per_status():
    assert len(steps.STEPS) == 25
    assert [s.stage for s in steps.STEPS if s.stage not in steps.STAGES] == []
    assert [sum(1 for s in steps.STEPS if s.stage == stage) for stage in steps.STAGES] == [2, 4, 5, 7, 7]
    assert steps.MILESTONE_OF == {"applicant": "submit_application", "activist": "recommend_activist",
                                  "candidate": "determine_candidate", "probationary": "admission_approval",
                                  "full": "conversion_approval"}
    # Every timing counts from a step that comes earlier.
    for step in steps.STEPS:
        for offset in (step.earliest, step.deadline):
            if offset:
                assert steps.INDEX[offset.after] < steps.INDEX[step.code], step.code


def test_months_are_calendar_months_clamped_to_the_month_end():
    assert steps.add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert steps.add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert steps.add_months(date(2025, 11, 15), 3) == date(2026, 2, 15)


def test_only_the_next_step_may_be_recorded():
    assert steps.check_next("submit_application", date(2025, 1, 2), TODAY, {}).code == "submit_application"
    with pytest.raises(StepRefused) as out_of_order:
        steps.check_next("recommend_activist", date(2025, 2, 1), TODAY, {"submit_application": date(2025, 1, 2)})
    assert out_of_order.value.field == "step" and "application_talk" in out_of_order.value.reason
    with pytest.raises(StepRefused) as twice:
        steps.check_next("submit_application", date(2025, 2, 1), TODAY, {"submit_application": date(2025, 1, 2)})
    assert "already on record" in twice.value.reason
    with pytest.raises(StepRefused) as unknown:
        steps.check_next("become_king", date(2025, 2, 1), TODAY, {})
    assert unknown.value.field == "step"


def test_a_step_is_not_dated_before_the_last_one_nor_before_its_waiting_period():
    done = {code: date(2024, 3, 1) for code in ("submit_application", "application_talk", "recommend_activist",
                                                "file_activist", "assign_mentors")}
    done["activist_education"] = date(2024, 12, 1)
    with pytest.raises(StepRefused) as early:
        steps.check_next("determine_candidate", date(2025, 2, 28), TODAY, done)
    assert early.value.field == "done_on" and "2025-03-01" in early.value.reason
    assert steps.check_next("determine_candidate", date(2025, 3, 1), TODAY, done).milestone == "candidate"
    with pytest.raises(StepRefused) as backwards:
        steps.check_next("determine_candidate", date(2024, 11, 30), TODAY, done)
    assert backwards.value.field == "done_on"
    with pytest.raises(StepRefused) as future:
        steps.check_next("determine_candidate", date(2026, 12, 1), TODAY, done)
    assert "future" in future.value.reason


def test_deadlines_progress_and_reminder_levels():
    done = {"submit_application": date(2026, 10, 20)}
    ahead = steps.progress(done, TODAY)
    assert (ahead.next_code, ahead.due_on, ahead.overdue_days) == ("application_talk", date(2026, 11, 20), 10)
    assert steps.reminder_level(date(2026, 12, 5), 7, TODAY) == "upcoming"
    assert steps.reminder_level(date(2026, 12, 8), 7, TODAY) is None
    assert steps.reminder_level(date(2026, 11, 29), 7, TODAY) == "overdue"
    assert steps.reminder_level(None, 7, TODAY) is None
    assert steps.progress({code: None for code in steps.BY_CODE}, TODAY).next_code is None


def test_meetings_carry_a_passing_vote_and_other_steps_none():
    meeting = steps.BY_CODE["admission_meeting"]
    steps.check_votes(meeting, (20, 1, 1))
    with pytest.raises(StepRefused) as missing:
        steps.check_votes(meeting, None)
    assert missing.value.field == "votes"
    with pytest.raises(StepRefused) as tied:
        steps.check_votes(meeting, (10, 10, 0))
    assert tied.value.field == "votes.votes_for"
    with pytest.raises(StepRefused):
        steps.check_votes(steps.BY_CODE["oath"], (1, 0, 0))


def test_backfill_goes_forward_in_order_without_waiting_periods():
    found = steps.check_backfill([("submit_application", date(2010, 3, 1)), ("recommend_activist", date(2010, 9, 1)),
                                  ("determine_candidate", date(2011, 3, 1)), ("admission_approval", None)], TODAY, {})
    assert [s.milestone for s in found] == ["applicant", "activist", "candidate", "probationary"]
    with pytest.raises(StepRefused) as order:
        steps.check_backfill([("recommend_activist", date(2010, 9, 1)), ("submit_application", date(2010, 3, 1))],
                             TODAY, {})
    assert order.value.field == "steps[1].step"
    with pytest.raises(StepRefused) as dates:
        steps.check_backfill([("submit_application", date(2010, 3, 1)), ("recommend_activist", date(2010, 1, 1))],
                             TODAY, {})
    assert dates.value.field == "steps[1].done_on"
    with pytest.raises(StepRefused) as behind:
        steps.check_backfill([("submit_application", date(2010, 3, 1))], TODAY, {"recommend_activist": None})
    assert behind.value.field == "steps[0].step"


def test_a_roster_row_back_fills_the_milestones_of_its_status():
    known = {"applicant": date(2001, 3, 1), "probationary": date(2003, 7, 1), "full": None}
    assert steps.milestones_up_to("full", known) == [
        ("submit_application", date(2001, 3, 1)), ("recommend_activist", None), ("determine_candidate", None),
        ("admission_approval", date(2003, 7, 1)), ("conversion_approval", None)]
    assert steps.milestones_up_to("non_party", known) == []
    assert steps.status_after({"submit_application": None, "recommend_activist": None}) == "activist"
