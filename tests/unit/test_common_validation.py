"""What no field can hold is refused naming the field; dates are YYYY-MM-DD; pages are bounded."""
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest

from services.common.contracts.api.activities import ActivityCreate
from services.common.errors import InvalidInput
from services.common.validation import (
    MAX_DEPTH, PAGE_LIMIT_MAX, PAGE_OFFSET_MAX, check_page, check_payload, known_time_zone, parse_date, strict_date,
    strict_moment, validate,
)


def _field(call) -> str:
    with pytest.raises(InvalidInput) as caught:
        call()
    [problem] = caught.value.details
    return problem["field"]


@pytest.mark.parametrize("payload, field", [
    ({"name": "a\x00b"}, "name"),
    ({"details": {"ti\x00tle": "x"}}, "details"),
    ({"evidence": ["ok", "bad\x00"]}, "evidence.1"),
    ({"quantity": 10 ** 30}, "quantity"),
    ({"quantity": -(2 ** 63) - 1}, "quantity"),
    ({"quantity": float("inf")}, "quantity"),
    ({"quantity": float("nan")}, "quantity"),
])
def test_values_no_field_can_hold_are_refused_naming_the_field(payload, field):
    assert _field(lambda: check_payload(payload)) == field


def test_nesting_is_bounded_without_recursion():
    deep: dict = {}
    node = deep
    for _ in range(50_000):  # far beyond the interpreter's recursion limit
        node["a"] = {}
        node = node["a"]
    assert _field(lambda: check_payload(deep)).startswith("a.a.a")
    shallow = {"a": [[{"b": 1}]] * 3, "n": 2 ** 63 - 1, "t": True}
    check_payload(shallow)  # within every bound: no error
    assert MAX_DEPTH >= 8


def test_validate_checks_the_payload_before_the_model():
    body = {"member_id": str(uuid.uuid4()), "kind": "x\x00", "occurred_on": "2026-10-01"}
    assert _field(lambda: validate(ActivityCreate, body)) == "kind"


@pytest.mark.parametrize("value", [0, 20261031, "20261031", "2026-10-31T23:00:00-05:00", "2026-10-31T00:00:00",
                                   "2026-02-30", "26-10-31", " 2026-10-31", None, 1.5])
def test_dates_are_strictly_yyyy_mm_dd(value):
    with pytest.raises(ValueError):
        strict_date(value)
    assert _field(lambda: parse_date(value, "on")) == "on"


def test_a_date_and_its_schemas_accept_iso_days():
    assert strict_date("2026-10-31") == date(2026, 10, 31) == parse_date(date(2026, 10, 31), "on")
    body = {"member_id": str(uuid.uuid4()), "kind": "volunteer_service"}
    for value in (0, "20261031", "2026-10-31T23:00:00-05:00"):
        assert _field(lambda: validate(ActivityCreate, {**body, "occurred_on": value})) == "occurred_on"


def test_a_moment_needs_its_offset_and_gives_the_day_in_the_tenants_zone():
    assert strict_moment("2026-10-31T20:00:00-05:00") == datetime(2026, 11, 1, 1, tzinfo=timezone.utc)
    for value in ("2026-10-31T20:00:00", "2026-10-31", 1793500000, "20261031T200000Z"):
        with pytest.raises(ValueError):
            strict_moment(value)
    body = {"member_id": str(uuid.uuid4()), "kind": "volunteer_service"}
    late_evening_in_new_york = validate(ActivityCreate, {**body, "occurred_at": "2026-10-31T20:00:00-05:00"})
    assert late_evening_in_new_york.dated_in("Asia/Shanghai").occurred_on == date(2026, 11, 1)
    assert late_evening_in_new_york.dated_in("America/New_York").occurred_on == date(2026, 10, 31)
    both = {**body, "occurred_on": "2026-10-31", "occurred_at": "2026-10-31T20:00:00+08:00"}
    assert _field(lambda: validate(ActivityCreate, both)) == "occurred_on"
    assert _field(lambda: validate(ActivityCreate, body)) == "occurred_on"
    tz = timezone(timedelta(hours=8))
    assert validate(ActivityCreate, {**body, "occurred_at": "2026-10-31T23:59:59+08:00"}).occurred_at == \
        datetime(2026, 10, 31, 23, 59, 59, tzinfo=tz)


@pytest.mark.parametrize("limit, offset, field", [
    (0, 0, "limit"), (PAGE_LIMIT_MAX + 1, 0, "limit"), (True, 0, "limit"), ("5", 0, "limit"),
    (10, -1, "offset"), (10, PAGE_OFFSET_MAX + 1, "offset"), (10, 2 ** 70, "offset"),
])
def test_pages_are_bounded_in_one_place(limit, offset, field):
    assert _field(lambda: check_page(limit, offset)) == field


def test_a_list_may_bound_its_pages_lower_but_never_higher():
    assert check_page(PAGE_LIMIT_MAX, PAGE_OFFSET_MAX) == (PAGE_LIMIT_MAX, PAGE_OFFSET_MAX)
    assert _field(lambda: check_page(201, 0, 200)) == "limit"
    assert _field(lambda: check_page(PAGE_LIMIT_MAX + 1, 0, 10 ** 6)) == "limit"



@pytest.mark.parametrize("name", ["Mars/Olympus", "../etc/passwd", "Asia/Shanghai\x00", "asia shanghai"])
def test_a_time_zone_is_a_name_the_zone_database_knows(name):
    from services.common.contracts.api.activities import ScheduleDays
    from services.common.contracts.api.members import TenantCreate
    with pytest.raises(ValueError, match="unknown time zone"):
        known_time_zone(name)
    assert _field(lambda: validate(TenantCreate, {"code": "wind-energy", "name": "Wind", "timezone": name})) == "timezone"
    assert _field(lambda: validate(
        ScheduleDays, {"org_unit_id": str(uuid.uuid4()), "year": 2027, "timezone": name})) == "timezone"


def test_a_known_time_zone_is_kept_and_an_absent_one_stays_absent():
    from services.common.contracts.api.activities import ScheduleDays
    from services.common.contracts.api.members import TenantCreate
    assert known_time_zone("Europe/Berlin") == "Europe/Berlin"
    assert TenantCreate(code="wind-energy", name="Wind", timezone="Europe/Berlin").timezone == "Europe/Berlin"
    assert ScheduleDays(org_unit_id=uuid.uuid4(), year=2027).timezone is None
