"""The points handbook (党员积分管理手册) as data: the default rule set from DESIGN.md.

Pure domain code: no database, no framework. A rule set is layered: the built-in default, the
tenant's default, then the branch's own, each layer overriding single fields; `award` decides the
delta for one activity given what the member already earned under the same rule; `price_in_order`
does it for a batch, counting the batch's own earlier entries; `plan_close` decides a month
close's deductions. `accrual` and `month_close` carry the decisions out.
"""
from __future__ import annotations

import uuid
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_FLOOR, Decimal

from services.common.contracts.api.points import Layer

from services.common.contracts import FOUR_DUTIES, Period

DIMENSIONS = ("ability", "service", "results")
GRADES = ("excellent", "qualified", "basically_qualified", "unqualified")
# Either one shows the member at (or excused from) the month's activity day.
DAY_KINDS = ("activity_day_attendance", "activity_day_leave")


@dataclass(frozen=True)
class Rule:
    key: str
    points_per_unit: int
    monthly_cap: int | None = None
    dimension: str = "ability"  # 三比: ability / service / results
    daily_cap: int | None = None
    yearly_cap: int | None = None
    requires_approval: bool = False
    # Points by variant (e.g. an achievement's level) instead of points_per_unit.
    variant_points: dict = field(default_factory=dict)


RULE_SET_VERSION = 1

DEFAULT_RULES: dict[str, Rule] = {
    r.key: r for r in (
        Rule("opinion_listening", 2, monthly_cap=4, dimension="service"),
        Rule("activist_followup", 2, monthly_cap=4, dimension="ability"),
        Rule("theory_reading", 2, monthly_cap=4, dimension="ability"),
        Rule("volunteer_service", 1, monthly_cap=8, dimension="service"),
        Rule("activity_day_attendance", 3, dimension="service"),
        Rule("activity_day_leave", 0, dimension="service"),
        Rule("org_life", 1, dimension="ability"),
        # Absence from a meeting other than an activity day: recorded and shown, priced only by a
        # rule set that gives it a price.
        Rule("meeting_absence", 0, dimension="ability"),
        Rule("pairing_contact", 2, monthly_cap=4, dimension="service"),
        Rule("service_project", 2, dimension="service", requires_approval=True),
        Rule("integration_event", 1, dimension="ability"),
        Rule("achievement", 0, dimension="results", requires_approval=True,
             variant_points={"school": 5, "provincial": 8, "national": 10}),
    )
}

DEFAULT_SETTINGS = {
    "yearly_base": 60,
    "duty_missing_penalty": -2,
    "absence_penalty": -3,
    "grades": {"excellent": 95, "qualified": 75, "basically_qualified": 60},
}


@dataclass(frozen=True)
class RuleSet:
    rules: dict[str, Rule]
    settings: dict
    version: int = RULE_SET_VERSION
    rule_set_id: uuid.UUID | None = None

    def grade(self, score: int) -> str:
        thresholds = self.settings["grades"]
        for grade in GRADES[:-1]:
            if score >= thresholds[grade]:
                return grade
        return "unqualified"


DEFAULT_RULE_SET = RuleSet(DEFAULT_RULES, DEFAULT_SETTINGS)


def apply_layer(base: RuleSet, layer: Layer, version: int, rule_set_id: uuid.UUID) -> RuleSet:
    rules = dict(base.rules)
    for key, override in layer.rules.items():
        changes = override.model_dump(exclude_none=True)
        rules[key] = replace(rules[key], **changes) if key in rules else Rule(key, **{"points_per_unit": 0, **changes})
    settings = dict(base.settings)
    for name in ("yearly_base", "duty_missing_penalty", "absence_penalty"):
        if getattr(layer, name) is not None:
            settings[name] = getattr(layer, name)
    if layer.grades is not None:
        settings["grades"] = layer.grades.model_dump()
    return RuleSet(rules, settings, version, rule_set_id)


def rule_dict(rule: Rule) -> dict:
    return {"key": rule.key, "points_per_unit": rule.points_per_unit, "variant_points": dict(rule.variant_points),
            "monthly_cap": rule.monthly_cap, "daily_cap": rule.daily_cap, "yearly_cap": rule.yearly_cap,
            "requires_approval": rule.requires_approval, "dimension": rule.dimension}


@dataclass(frozen=True)
class Award:
    delta: int
    reason: str


def raw_points(rule: Rule, quantity: Decimal, variant: str | None = None) -> int:
    if rule.variant_points:
        return int(rule.variant_points.get(variant or "", rule.points_per_unit))
    return int((Decimal(rule.points_per_unit) * quantity).to_integral_value(rounding=ROUND_FLOOR))


def award(rule: Rule, quantity: Decimal, earned_this_period: int, *, variant: str | None = None,
          earned_today: int = 0, earned_this_year: int = 0) -> Award:
    """Points for `quantity` units, trimmed to what the day, month and year caps still allow."""
    raw = raw_points(rule, quantity, variant)
    limits = [(rule.daily_cap, earned_today, "daily"), (rule.monthly_cap, earned_this_period, "monthly"),
              (rule.yearly_cap, earned_this_year, "yearly")]
    delta, hit = raw, None
    for cap, earned, name in limits:
        if cap is not None and raw > 0:
            room = max(0, cap - earned)
            if room < delta:
                delta, hit = room, (name, cap)
    sign = "+" if delta >= 0 else ""
    if hit:
        return Award(delta, f"{rule.key}: {sign}{delta} ({hit[0]} cap {hit[1]} reached)")
    return Award(delta, f"{rule.key}: {sign}{delta}")


def pays(rule: Rule, status: str | None) -> bool:
    """Whether an activity in `status` earns under `rule`: never once rejected, and only once
    approved where the rule asks for approval."""
    return status != "rejected" and (not rule.requires_approval or status == "approved")


def period_end(period: str) -> date:
    """The last day of a month (YYYY-MM) or a year (YYYY)."""
    if len(period) == 4:
        return date(int(period), 12, 31)
    return Period(period).last_day


def balance_keys(period: str, dimension: str) -> list[tuple[str, str]]:
    """The (period, dimension) balances one ledger entry moves: its month and its year, each in
    the entry's dimension and in the total."""
    return [(p, d) for p in (period, period[:4]) for d in (dimension, "total")]


# --- pricing a batch -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Standing:
    """What a member has earned so far: under one rule this month, on the activity's day and this
    year (for the caps), and in all this month (for the notice's running total)."""

    rule_month: int = 0
    rule_day: int = 0
    rule_year: int = 0
    month: int = 0


@dataclass(frozen=True)
class Claim:
    """One activity to price: whose caps it counts against, under which rule, when, how much."""

    member: Hashable
    rule: Rule
    period: str
    occurred_on: date
    quantity: Decimal
    variant: str | None = None

    def award(self, standing: Standing, exclude_current: int = 0) -> Award:
        """The award given `standing`, less `exclude_current` already earned by this very activity
        (a correction prices the activity again as if it had earned nothing yet)."""
        return award(self.rule, self.quantity, standing.rule_month - exclude_current, variant=self.variant,
                     earned_today=standing.rule_day - exclude_current,
                     earned_this_year=standing.rule_year - exclude_current)


def counted_in(standing: Standing, claim: Claim, earlier: Claim, delta: int) -> Standing:
    """`claim`'s standing once `delta`, awarded to `earlier` (the same member) before it in the same
    batch, is counted in: in the month, and under the same rule in the month, the day and the year."""
    if earlier.period[:4] != claim.period[:4]:
        return standing
    same_month = earlier.period == claim.period
    same_rule = earlier.rule.key == claim.rule.key
    same_day = same_month and earlier.occurred_on == claim.occurred_on

    def plus(earned: int, counts: bool) -> int:
        return earned + delta if counts else earned

    return Standing(rule_month=plus(standing.rule_month, same_rule and same_month),
                    rule_day=plus(standing.rule_day, same_rule and same_day),
                    rule_year=plus(standing.rule_year, same_rule),
                    month=plus(standing.month, same_month))


def price_in_order(claims: Iterable[tuple[Claim, Standing]]) -> list[tuple[Award, int]]:
    """Award each claim in order, as one by one would. A claim's standing is what was committed
    before the batch; the awards decided earlier in the batch for the same member are added to it,
    so the caps stay exact. Gives each claim's award and the member's month total before it."""
    decided: dict[Hashable, list[tuple[Claim, int]]] = {}
    priced = []
    for claim, standing in claims:
        mine = decided.setdefault(claim.member, [])
        for earlier, delta in mine:
            standing = counted_in(standing, claim, earlier, delta)
        decision = claim.award(standing)
        priced.append((decision, standing.month))
        mine.append((claim, decision.delta))
    return priced


# --- month close ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Deduction:
    member_id: Hashable
    kind: str
    rule_key: str
    delta: int
    reason: str
    dimension: str
    # The duties a four_duties deduction is for: published with it, so no consumer reads `reason`.
    missed_duties: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClosePlan:
    deductions: list[Deduction]
    missing_duties: int  # the duties missed, counted where a penalty applies
    unexcused_absences: int  # counted even when the penalty is set to nothing

    @property
    def total(self) -> int:
        return sum(d.delta for d in self.deductions)


def plan_close(members: Sequence[Hashable], done: Mapping[Hashable, set[str]], activity_day_held: bool,
               settings: Mapping) -> ClosePlan:
    """Who loses what at a month close: each of the four duties missing costs
    `duty_missing_penalty` (one entry per member), and, where the branch held an activity day, a
    member neither there nor on leave costs `absence_penalty`. `done` holds the kinds each member
    has logged in the month and not had rejected."""
    duty_penalty, absence_penalty = settings["duty_missing_penalty"], settings["absence_penalty"]
    deductions, missing_total, absences = [], 0, 0
    for member_id in members:
        kinds = done.get(member_id, set())
        missing = [k for k in FOUR_DUTIES if k not in kinds]
        if missing and duty_penalty:
            missing_total += len(missing)
            deductions.append(Deduction(
                member_id, "four_duties", "four_duties_missing", duty_penalty * len(missing),
                f"month close: {len(missing)} duties missing ({', '.join(missing)})"[:200], "ability",
                missed_duties=tuple(missing)))
        if activity_day_held and not kinds & set(DAY_KINDS):
            absences += 1
            if absence_penalty:
                deductions.append(Deduction(member_id, "activity_day", "activity_day_absence", absence_penalty,
                                            "month close: activity day missed without leave", "service"))
    return ClosePlan(deductions, missing_total, absences)
