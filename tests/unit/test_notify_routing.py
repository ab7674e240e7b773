"""Which notices go where, without servers: one notice per cause, the channels a person's
preferences and their unit's robots choose, and the wording of points notices."""
import uuid

import pytest

from services.common.contracts.points import PointsAwarded
from services.notify.notices import points_notice
from services.notify.preferences import channels_for, preferred_channels
from services.notify.sending import PersonNotice, one_per_cause

TENANT = uuid.UUID("00000000-0000-0000-0000-00000000000a")


@pytest.mark.parametrize("preferences, email, expected", [
    ({}, "wang@example.edu.cn", ["email"]),         # nothing chosen: email when an address is known
    ({}, None, []),                                 # ... else the inbox only
    ({"points_awarded": []}, "wang@example.edu.cn", []),  # an empty choice means the inbox only
    ({"points_awarded": ["wecom"]}, "wang@example.edu.cn", ["wecom"]),
    ({"points_awarded": ["email"]}, None, ["email"]),  # chosen without an address: fails visibly later
])
def test_preferred_channels(preferences, email, expected):
    assert preferred_channels("points_awarded", preferences, email) == expected


def test_a_deduction_follows_the_choice_for_awards_unless_chosen_itself():
    assert preferred_channels("points_deducted", {"points_awarded": ["dingtalk"]}, None) == ["dingtalk"]
    chosen = {"points_awarded": ["dingtalk"], "points_deducted": ["email"]}
    assert preferred_channels("points_deducted", chosen, None) == ["email"]
    # Other notices have no fallback: the awards' choice does not reach them.
    assert preferred_channels("need_assigned", {"points_awarded": ["dingtalk"]}, None) == []


@pytest.mark.parametrize("robot_kinds, expected", [
    ({}, ["email"]),
    ({"wecom": object()}, ["email", "wecom"]),
    ({"wecom": object(), "dingtalk": object()}, ["dingtalk", "email", "wecom"]),
])
def test_robots_only_where_the_unit_has_them(robot_kinds, expected):
    preferences = {"need_assigned": ["dingtalk", "email", "wecom"]}
    assert channels_for("need_assigned", preferences, "chen@example.edu.cn", robot_kinds) == expected


def test_one_notice_per_cause_the_first_wins():
    person = uuid.uuid4()
    first = PersonNotice(TENANT, person, "need_assigned", "need_assigned:1", {"n": 1})
    again = PersonNotice(TENANT, person, "need_assigned", "need_assigned:1", {"n": 2})
    other = PersonNotice(TENANT, person, "need_assigned", "need_assigned:2", {"n": 3})
    elsewhere = PersonNotice(uuid.uuid4(), person, "need_assigned", "need_assigned:1", {"n": 4})
    assert one_per_cause([first, again, other, elsewhere]) == [first, other, elsewhere]


def _awarded(kind: str, delta: int, reason: str = "", **fields) -> PointsAwarded:
    return PointsAwarded(tenant_id=TENANT, entry_id=uuid.uuid4(), member_id=uuid.uuid4(), org_unit_id=uuid.uuid4(),
                         kind=kind, delta=delta, period="2026-11", period_total=58, reason=reason, **fields)


def test_points_notice_for_an_award():
    event = _awarded("theory_reading", 2)
    notice = points_notice(event)
    assert (notice.notice, notice.cause, notice.org_unit_id) == (
        "points_awarded", f"points_awarded:{event.entry_id}", event.org_unit_id)
    assert notice.fields == {"kind": "theory_reading", "kind_name": "阅读党的理论书籍", "delta_signed": "+2",
                             "period": "2026-11", "period_total": 58}


def test_points_notice_for_a_month_close_deduction_names_the_missing_duties():
    event = _awarded("four_duties", -4, "month close: 2 duties missing (theory_reading, volunteer_service)")
    notice = points_notice(event)
    assert notice.notice == "points_deducted"
    assert notice.cause == f"points_awarded:{event.entry_id}"  # one notice per ledger entry, whatever the wording
    assert notice.fields["kind_name"] == "“四个一”未完成（阅读党的理论书籍、志愿服务）"
    assert notice.fields["kind"] == "four duties missing at month close (reading Party theory, volunteer service)"
    assert notice.fields["delta_signed"] == "-4"


def test_a_deduction_that_carries_its_missed_duties_is_named_from_them_not_from_the_reason():
    event = _awarded("four_duties", -4, "month close: 2 duties missing",
                     missed_duties=["theory_reading", "volunteer_service"])
    notice = points_notice(event)
    assert notice.fields["kind_name"] == "“四个一”未完成（阅读党的理论书籍、志愿服务）"
    assert notice.fields["kind"] == "four duties missing at month close (reading Party theory, volunteer service)"
