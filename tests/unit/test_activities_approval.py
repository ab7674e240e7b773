"""Approval states and four-duties completion, without servers."""
from datetime import date

import pytest

from services.activities import statuses
from services.activities.four_duties import completion
from services.common.contracts import FOUR_DUTIES, Period
from services.common.errors import Conflict


@pytest.mark.parametrize("needs_approval, by_officer, expected", [
    (True, False, "submitted"),   # a member logging a kind that needs approval waits for it
    (True, True, "approved"),     # an officer of the member's unit approves by logging
    (False, False, "approved"),
    (False, True, "approved"),
])
def test_initial_status(needs_approval, by_officer, expected):
    assert statuses.initial_status(needs_approval, by_officer) == expected


@pytest.mark.parametrize("decision, current, expected", [
    ("approve", "submitted", "approved"),
    ("reject", "submitted", "rejected"),
    ("reject", "approved", "rejected"),    # reversed later by points
    ("correct", "submitted", "submitted"),  # a correction never moves the status
    ("correct", "approved", "approved"),
])
def test_allowed_decisions(decision, current, expected):
    assert statuses.after(decision, current) == expected


@pytest.mark.parametrize("decision, current, message", [
    ("approve", "approved", "only a submitted activity can be approved; this one is approved"),
    ("approve", "rejected", "only a submitted activity can be approved; this one is rejected"),
    ("reject", "rejected", "this activity is already rejected"),
    ("correct", "rejected", "a rejected activity cannot be corrected"),
])
def test_refused_decisions_say_why(decision, current, message):
    with pytest.raises(Conflict) as refused:
        statuses.after(decision, current)
    assert refused.value.message == message


def test_rejected_is_final():
    assert all(statuses.REJECTED not in allowed for allowed in statuses.TRANSITIONS.values())


def test_completion_lists_done_and_missing_in_catalogue_order():
    done = {"volunteer_service", "opinion_listening"}
    result = completion("m-1", "王芳", done)
    assert result == {"member_id": "m-1", "name": "王芳",
                      "done": ["opinion_listening", "volunteer_service"],
                      "missing": ["activist_followup", "theory_reading"], "complete": False}
    assert completion("m-1", "王芳", set(FOUR_DUTIES))["complete"] is True


@pytest.mark.parametrize("period, last_day", [
    ("2026-02", date(2026, 2, 28)), ("2028-02", date(2028, 2, 29)), ("2026-12", date(2026, 12, 31)),
])
def test_month_end(period, last_day):
    # The branch's completion counts the members on the roster at the period's last day.
    assert Period(period).last_day == last_day
