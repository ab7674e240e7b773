"""The monthly rhythm and the catalogue, without servers."""
from datetime import date
from decimal import Decimal

import pytest

from services.activities.activity_days import fourth_thursday
from services.activities.activity_log import validate_activity
from services.activities.catalogue import CATALOGUE, FOUR_DUTIES
from services.common.contracts.api.activities import ActivityCreate, BulkActivityCreate, ScheduleDays
from services.common.errors import InvalidInput
from services.common.validation import validate

MEMBER = "7d0f6c44-3a4e-4c55-9a0f-5b0f0d2a9c11"


@pytest.mark.parametrize("year, month, expected", [
    (2026, 10, date(2026, 10, 22)),  # October 2026 starts on a Thursday
    (2026, 11, date(2026, 11, 26)),
    (2026, 1, date(2026, 1, 22)),
    (2027, 2, date(2027, 2, 25)),
])
def test_fourth_thursday(year, month, expected):
    assert fourth_thursday(year, month) == expected
    assert expected.weekday() == 3


def test_four_duties_are_the_four_monthly_kinds():
    assert FOUR_DUTIES == ("opinion_listening", "activist_followup", "theory_reading", "volunteer_service")


def _create(**fields):
    body = {"member_id": MEMBER, "occurred_on": "2026-10-05", **fields}
    return validate(ActivityCreate, body)


@pytest.mark.parametrize("kind, details", [
    ("org_life", {"meeting": "party_lecture", "topic": "学习二十大精神"}),
    ("pairing_contact", {"target_type": "class", "target": "数学 2301 班", "summary": "班会交流"}),
    ("service_project", {"project": "新生入学咨询", "served": "students"}),
    ("integration_event", {"title": "师德师风讲座", "format": "talk"}),
    ("achievement", {"title": "教学成果奖", "level": "provincial", "awarded_by": "省教育厅"}),
])
def test_every_kind_validates_its_details(kind, details):
    normalised = validate_activity(_create(kind=kind, details=details), "Asia/Shanghai")
    assert {k: normalised[k] for k in details} == details


@pytest.mark.parametrize("kind, details, field", [
    ("achievement", {"title": "奖", "level": "city", "awarded_by": "市"}, "details.level"),
    ("org_life", {"meeting": "party_lecture"}, "details.topic"),
    ("opinion_listening", {"whom": "张老师", "channel": "email", "opinions": "x"}, "details.channel"),
    ("theory_reading", {"title": "党章", "extra": 1}, "details.extra"),
])
def test_bad_details_name_the_field(kind, details, field):
    with pytest.raises(InvalidInput) as err:
        validate_activity(_create(kind=kind, details=details), "Asia/Shanghai")
    assert field in [d["field"] for d in err.value.details]


def test_activity_day_kinds_cannot_be_logged_directly():
    with pytest.raises(InvalidInput) as err:
        validate_activity(_create(kind="activity_day_attendance", details={"activity_day_id": "x"}), "Asia/Shanghai")
    assert err.value.details[0]["field"] == "kind"


def test_hours_over_the_kind_limit_are_refused():
    data = _create(kind="volunteer_service", quantity=Decimal(25), details={"partner": "社区"})
    with pytest.raises(InvalidInput, match="quantity"):
        validate_activity(data, "Asia/Shanghai")


def test_bulk_refuses_duplicate_members_and_unknown_zone():
    with pytest.raises(InvalidInput, match="member_ids"):
        validate(BulkActivityCreate, {"member_ids": [MEMBER, MEMBER], "kind": "org_life", "occurred_on": "2026-10-01"})
    with pytest.raises(InvalidInput, match="timezone"):
        validate(ScheduleDays, {"org_unit_id": MEMBER, "year": 2026, "timezone": "Mars/Olympus"})


def test_catalogue_marks_approval_kinds():
    assert {k for k, v in CATALOGUE.items() if v.needs_approval} == {"service_project", "achievement"}
