"""The points handbook (党员积分管理手册) as data: the default rule set from DESIGN.md.

Pure domain code: no database, no framework. A rule set is layered: the built-in default, the
tenant's default, then the branch's own, each layer overriding single fields; `award` decides the
delta for one activity given what the member already earned under the same rule.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from decimal import ROUND_FLOOR, Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

DIMENSIONS = ("ability", "service", "results")
GRADES = ("excellent", "qualified", "basically_qualified", "unqualified")


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


class RuleOverride(BaseModel):
    """One rule's changed fields in a stored layer; absent fields inherit."""

    model_config = ConfigDict(extra="forbid")

    points_per_unit: int | None = Field(default=None, ge=-100, le=100)
    variant_points: dict[str, int] | None = None
    monthly_cap: int | None = Field(default=None, ge=0, le=1000)
    daily_cap: int | None = Field(default=None, ge=0, le=1000)
    yearly_cap: int | None = Field(default=None, ge=0, le=10000)
    requires_approval: bool | None = None
    dimension: Literal["ability", "service", "results"] | None = None


class Grades(BaseModel):
    model_config = ConfigDict(extra="forbid")

    excellent: int = Field(ge=0, le=1000)
    qualified: int = Field(ge=0, le=1000)
    basically_qualified: int = Field(ge=0, le=1000)

    @model_validator(mode="after")
    def _ordered(self):
        if not self.excellent > self.qualified > self.basically_qualified:
            raise ValueError("thresholds must fall: excellent > qualified > basically_qualified")
        return self


class Layer(BaseModel):
    """What a tenant or branch stores: overrides on top of the layer beneath."""

    model_config = ConfigDict(extra="forbid")

    rules: dict[str, RuleOverride] = Field(default_factory=dict)
    yearly_base: int | None = Field(default=None, ge=0, le=1000)
    duty_missing_penalty: int | None = Field(default=None, ge=-100, le=0)
    absence_penalty: int | None = Field(default=None, ge=-100, le=0)
    grades: Grades | None = None


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
