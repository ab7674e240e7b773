"""The batch's cap arithmetic and the month-close plan, without servers."""
from datetime import date
from decimal import Decimal

from services.common.contracts import FOUR_DUTIES
from services.points import rules
from services.points.rules import DEFAULT_RULES, DEFAULT_SETTINGS, Claim, Standing, plan_close

READING, VOLUNTEERING = DEFAULT_RULES["theory_reading"], DEFAULT_RULES["volunteer_service"]


def claim(rule, on="2026-10-05", quantity=1, member="m1"):
    day = date.fromisoformat(on)
    return Claim(member=member, rule=rule, period=on[:7], occurred_on=day, quantity=Decimal(quantity))


def test_one_member_reaches_the_monthly_cap_within_a_batch():
    # Reading earns 2, capped at 4 a month: the third reading of the batch earns nothing.
    priced = rules.price_in_order([(claim(READING), Standing())] * 3)
    assert [award.delta for award, _ in priced] == [2, 2, 0]
    assert "monthly cap 4" in priced[2][0].reason
    # The notice's running total counts the batch's own earlier entries.
    assert [month_before for _, month_before in priced] == [0, 2, 4]


def test_what_was_committed_before_the_batch_counts_too():
    priced = rules.price_in_order([(claim(READING), Standing(rule_month=2, rule_year=2, month=7)),
                                   (claim(READING), Standing(rule_month=2, rule_year=2, month=7))])
    assert [award.delta for award, _ in priced] == [2, 0]
    assert [month_before for _, month_before in priced] == [7, 9]


def test_other_members_rules_and_months_do_not_fill_each_others_caps():
    priced = rules.price_in_order([
        (claim(READING), Standing()), (claim(READING), Standing()),
        (claim(READING, member="m2"), Standing()),  # another member
        (claim(VOLUNTEERING, quantity=8), Standing()),  # another rule, same member and month
        (claim(READING, on="2026-11-02"), Standing()),  # the same rule in the next month
    ])
    assert [award.delta for award, _ in priced] == [2, 2, 2, 8, 2]
    # Only the month's total carries across rules: 2 + 2 before the volunteering.
    assert [month_before for _, month_before in priced] == [0, 2, 0, 4, 0]


def test_an_earlier_entry_counts_under_the_day_and_the_year_where_they_match():
    earlier, today, later = claim(READING, "2026-10-05"), claim(READING, "2026-10-05"), claim(READING, "2026-12-01")
    assert rules.counted_in(Standing(), today, earlier, 2) == Standing(rule_month=2, rule_day=2, rule_year=2, month=2)
    assert rules.counted_in(Standing(), later, earlier, 2) == Standing(rule_year=2)
    next_year = claim(READING, "2027-01-03")
    assert rules.counted_in(Standing(), next_year, earlier, 2) == Standing()
    other_rule = claim(VOLUNTEERING, "2026-10-05")
    assert rules.counted_in(Standing(), other_rule, earlier, 2) == Standing(month=2)


def test_daily_and_yearly_caps_count_the_batch():
    rule = rules.Rule("x", 3, daily_cap=4, yearly_cap=10)
    same_day = rules.price_in_order([(claim(rule), Standing())] * 2)
    assert [award.delta for award, _ in same_day] == [3, 1]
    over_the_year = rules.price_in_order([(claim(rule, on), Standing()) for on in
                                          ("2026-01-05", "2026-03-05", "2026-05-05", "2026-07-05")])
    assert [award.delta for award, _ in over_the_year] == [3, 3, 3, 1]


def test_a_correction_is_priced_as_if_the_activity_had_earned_nothing_yet():
    # Volunteering earned 3 of its 8; corrected to 7 hours: 7, not 3 + 7 trimmed to 8.
    standing = Standing(rule_month=3, rule_day=3, rule_year=3, month=3)
    assert claim(VOLUNTEERING, quantity=7).award(standing, exclude_current=3).delta == 7


def test_whether_a_status_pays():
    achievement = DEFAULT_RULES["achievement"]
    assert rules.pays(READING, "pending") and rules.pays(READING, "approved")
    assert not rules.pays(READING, "rejected")
    assert rules.pays(achievement, "approved") and not rules.pays(achievement, "pending")
    assert not rules.pays(achievement, None)


def test_an_entry_moves_its_month_and_year_in_its_dimension_and_the_total():
    assert rules.balance_keys("2026-10", "service") == [
        ("2026-10", "service"), ("2026-10", "total"), ("2026", "service"), ("2026", "total")]


def test_period_end():
    assert rules.period_end("2026-02") == date(2026, 2, 28)
    assert rules.period_end("2028-02") == date(2028, 2, 29)
    assert rules.period_end("2026") == date(2026, 12, 31)


def test_close_deducts_each_missing_duty_and_an_unexcused_absence():
    done = {"all": set(FOUR_DUTIES) | {"activity_day_attendance"},
            "on_leave": {"opinion_listening", "theory_reading", "activity_day_leave"},
            "absent": set(FOUR_DUTIES)}
    plan = plan_close(["all", "on_leave", "absent", "idle"], done, True, DEFAULT_SETTINGS)
    assert [(d.member_id, d.rule_key, d.delta, d.dimension) for d in plan.deductions] == [
        ("on_leave", "four_duties_missing", -4, "ability"),
        ("absent", "activity_day_absence", -3, "service"),
        ("idle", "four_duties_missing", -8, "ability"),
        ("idle", "activity_day_absence", -3, "service"),
    ]
    assert plan.deductions[0].reason == "month close: 2 duties missing (activist_followup, volunteer_service)"
    assert plan.deductions[0].kind == "four_duties" and plan.deductions[1].kind == "activity_day"
    assert (plan.missing_duties, plan.unexcused_absences, plan.total) == (6, 2, -18)


def test_a_four_duties_deduction_names_its_missed_duties_and_an_absence_none():
    plan = plan_close(["on_leave"], {"on_leave": {"opinion_listening", "theory_reading"}}, True, DEFAULT_SETTINGS)
    assert [d.missed_duties for d in plan.deductions] == [("activist_followup", "volunteer_service"), ()]


def test_no_activity_day_held_means_no_absence():
    plan = plan_close(["idle"], {}, False, DEFAULT_SETTINGS)
    assert [d.rule_key for d in plan.deductions] == ["four_duties_missing"]
    assert plan.unexcused_absences == 0


def test_a_branch_that_waives_the_penalties_still_counts_absences_but_not_missed_duties():
    settings = {**DEFAULT_SETTINGS, "duty_missing_penalty": 0, "absence_penalty": 0}
    plan = plan_close(["idle"], {}, True, settings)
    assert plan.deductions == [] and plan.total == 0
    assert (plan.missing_duties, plan.unexcused_absences) == (0, 1)
