"""The words every service and event shares, defined once in the contracts: a month and the four duties."""
import uuid
from datetime import date

import pytest

from services.common.contracts import FOUR_DUTIES, Duty, Period, parse_event
from services.common.contracts.activities import ActivityApproved, ActivityLogged
from services.common.contracts.period import month_or_year
from services.common.contracts.points import PointsAwarded
from services.common.errors import ContractViolation, InvalidInput


def test_a_period_is_the_month_text_itself():
    period = Period("2026-11")
    assert period == "2026-11" and isinstance(period, str) and f"{period}" == "2026-11"
    assert (period.year, period.month) == (2026, 11)
    assert Period.parse("2026-11") == period and Period.parse(period) is period


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-1", "26-11", "2026", "2026-11-01", " 2026-11", "2026-11\n", ""])
def test_anything_but_a_month_is_refused_saying_what_was_expected(text):
    with pytest.raises(ValueError, match="expected a month YYYY-MM"):
        Period.parse(text)


@pytest.mark.parametrize("value", [None, 202611, date(2026, 11, 1)])
def test_a_value_that_is_not_text_is_refused_too(value):
    with pytest.raises(ValueError, match="expected a month YYYY-MM"):
        Period.parse(value)


def test_the_month_of_a_day_its_first_and_last_day_and_the_month_before():
    assert Period.of(date(2026, 2, 14)) == "2026-02"
    assert Period("2026-02").first_day == date(2026, 2, 1)
    assert Period("2026-02").last_day == date(2026, 2, 28)
    assert Period("2028-02").last_day == date(2028, 2, 29)
    assert Period("2026-12").last_day == date(2026, 12, 31)
    assert Period("2026-03").previous() == "2026-02"
    assert Period("2026-01").previous() == "2025-12"
    assert Period("2026-11").shifted(-11) == "2025-12" and Period("2026-11").shifted(2) == "2027-01"


def test_events_carry_a_period_and_publish_it_as_text():
    event = ActivityApproved(tenant_id=uuid.uuid4(), activity_id=uuid.uuid4(), member_id=uuid.uuid4(),
                             org_unit_id=uuid.uuid4(), kind="theory_reading", occurred_on="2026-11-05",
                             period="2026-11")
    assert isinstance(event.period, Period)
    body = event.to_message()
    assert body["period"] == "2026-11" and type(body["period"]) is str
    assert parse_event(ActivityApproved, body) == event


def test_the_four_duties_in_the_programmes_order():
    assert FOUR_DUTIES == ("opinion_listening", "activist_followup", "theory_reading", "volunteer_service")
    assert all(isinstance(duty, Duty) for duty in FOUR_DUTIES)
    assert "theory_reading" in FOUR_DUTIES and "org_life" not in FOUR_DUTIES
    assert f"activity_logged.{Duty.THEORY_READING}" == "activity_logged.theory_reading"


def test_activity_logged_has_the_facts_of_every_activity_event_and_its_status():
    facts = set(ActivityApproved.model_fields)
    assert facts < set(ActivityLogged.model_fields)
    assert set(ActivityLogged.model_fields) - facts == {"status"}


def _points_awarded(**fields) -> dict:
    event = PointsAwarded(tenant_id=uuid.uuid4(), entry_id=uuid.uuid4(), member_id=uuid.uuid4(),
                          org_unit_id=uuid.uuid4(), kind="four_duties", delta=-4, period="2026-10",
                          period_total=56, reason="month close: 2 duties missing", **fields)
    return event.to_message()


def test_points_awarded_names_the_missed_duties():
    body = _points_awarded(missed_duties=["theory_reading", "volunteer_service"])
    assert body["missed_duties"] == ["theory_reading", "volunteer_service"]
    assert parse_event(PointsAwarded, body).missed_duties == [Duty.THEORY_READING, Duty.VOLUNTEER_SERVICE]


def test_points_awarded_of_an_earlier_release_without_missed_duties_still_parses():
    body = _points_awarded()
    del body["missed_duties"]
    assert parse_event(PointsAwarded, body).missed_duties is None


def test_a_missed_duty_that_is_not_one_of_the_four_is_refused():
    body = _points_awarded(missed_duties=["theory_reading"])
    body["missed_duties"] = ["org_life"]
    with pytest.raises(ContractViolation, match="missed_duties"):
        parse_event(PointsAwarded, body)


def test_a_period_of_year_zero_is_refused_before_a_date_is_made_of_it():
    # date() has no year 0: "0000-01" used to answer 500 from dues and points (found by fuzzing).
    for refuse in (lambda: month_or_year("0000-01"), lambda: month_or_year("0000")):
        with pytest.raises(InvalidInput):
            refuse()
    with pytest.raises(ValueError):
        Period.parse("0000-12")
    assert Period.parse("1999-12") == "1999-12" and month_or_year("2026") == "2026"
