"""The points handbook's arithmetic, without servers."""
import uuid
from decimal import Decimal

import pytest
from pydantic import ValidationError

from services.points import rules
from services.points.rules import DEFAULT_RULE_SET, DEFAULT_RULES, Layer, apply_layer, award


def test_per_unit_rule_is_trimmed_by_the_monthly_cap():
    rule = DEFAULT_RULES["volunteer_service"]
    assert award(rule, Decimal(5), 0).delta == 5
    capped = award(rule, Decimal(5), 5)
    assert capped.delta == 3 and "monthly cap 8" in capped.reason
    assert award(rule, Decimal("2.5"), 0).delta == 2  # partial hours round down


def test_daily_and_yearly_caps():
    rule = rules.Rule("x", 3, daily_cap=4, yearly_cap=10)
    assert award(rule, Decimal(1), 0, earned_today=2).delta == 2
    assert award(rule, Decimal(1), 0, earned_this_year=9).delta == 1


def test_achievement_is_priced_by_level():
    rule = DEFAULT_RULES["achievement"]
    assert [award(rule, Decimal(1), 0, variant=v).delta for v in ("school", "provincial", "national")] == [5, 8, 10]
    assert rule.requires_approval


def test_layers_override_single_fields_and_keep_the_rest():
    tenant = apply_layer(DEFAULT_RULE_SET, Layer.model_validate({"rules": {"theory_reading": {"monthly_cap": 6}}}),
                         2, uuid.uuid4())
    branch = apply_layer(tenant, Layer.model_validate(
        {"rules": {"theory_reading": {"points_per_unit": 3}}, "grades": {"excellent": 90, "qualified": 70,
                                                                         "basically_qualified": 55}}), 2, uuid.uuid4())
    rule = branch.rules["theory_reading"]
    assert (rule.points_per_unit, rule.monthly_cap, rule.dimension) == (3, 6, "ability")
    assert branch.grade(90) == "excellent" and DEFAULT_RULE_SET.grade(90) == "qualified"


@pytest.mark.parametrize("score, grade", [(95, "excellent"), (94, "qualified"), (75, "qualified"),
                                          (74, "basically_qualified"), (60, "basically_qualified"), (59, "unqualified")])
def test_default_grades(score, grade):
    assert DEFAULT_RULE_SET.grade(score) == grade


def test_bad_layers_are_refused():
    with pytest.raises(ValidationError):
        Layer.model_validate({"grades": {"excellent": 60, "qualified": 75, "basically_qualified": 50}})
    with pytest.raises(ValidationError):
        Layer.model_validate({"rules": {"theory_reading": {"dimension": "charm"}}})
    with pytest.raises(ValidationError):
        Layer.model_validate({"duty_missing_penalty": 2})


@pytest.mark.parametrize("today, grace, expected", [
    ("2026-11-01", 3, None), ("2026-11-03", 3, None), ("2026-11-04", 3, "2026-10"),
    ("2026-11-23", 3, "2026-10"), ("2027-01-05", 3, "2026-12"), ("2026-03-01", 0, "2026-02"),
])
def test_scheduled_close_waits_for_the_grace_days(today, grace, expected):
    from datetime import date

    from services.points.schedule import due_period

    assert due_period(date.fromisoformat(today), grace) == expected


def test_org_tree_gives_groups_to_their_branch():
    from services.common.roster import OrgTree

    committee, branch, group, other, unknown = (uuid.uuid4() for _ in range(5))
    tree = OrgTree({committee: (None, "committee"), branch: (committee, "branch"), group: (branch, "group"),
                    other: (committee, "branch")})
    assert tree.branch_of(group) == branch and tree.branch_of(branch) == branch
    # No branch at or above it, or not learnt yet: the unit stands for itself.
    assert tree.branch_of(committee) == committee and tree.branch_of(unknown) == unknown
    assert sorted(tree.closing_units(branch)) == sorted([branch, group])
    assert tree.closing_units(group) == [group] and tree.closing_units(unknown) == [unknown]
    assert set(tree.subtree(committee)) == {committee, branch, group, other}


def test_local_day_follows_the_tenant_zone():
    from datetime import datetime, timezone

    from services.common.roster import today_in

    now = datetime(2026, 12, 3, 20, 0, tzinfo=timezone.utc)
    assert str(today_in("Asia/Shanghai", now)) == "2026-12-04"
    assert str(today_in("America/Los_Angeles", now)) == "2026-12-03"
    assert str(today_in("Not/AZone", now)) == "2026-12-04"  # an unusable zone falls back to the default
