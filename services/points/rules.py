"""The points handbook (党员积分管理手册) as data: the default rule set from DESIGN.md.

Pure domain code: no database, no framework. `award` decides the delta for one activity given
what the member already earned under the same rule this period.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal


@dataclass(frozen=True)
class Rule:
    key: str
    points_per_unit: int
    monthly_cap: int | None = None
    dimension: str = "ability"  # 三比: ability / service / results


RULE_SET_VERSION = 1

DEFAULT_RULES: dict[str, Rule] = {
    r.key: r for r in (
        Rule("opinion_listening", 2, monthly_cap=4, dimension="service"),
        Rule("activist_followup", 2, monthly_cap=4, dimension="ability"),
        Rule("theory_reading", 2, monthly_cap=4, dimension="ability"),
        Rule("volunteer_service", 1, monthly_cap=8, dimension="service"),
    )
}


@dataclass(frozen=True)
class Award:
    delta: int
    reason: str


def award(rule: Rule, quantity: Decimal, earned_this_period: int) -> Award:
    """Points for `quantity` units, trimmed to what the monthly cap still allows."""
    raw = int((Decimal(rule.points_per_unit) * quantity).to_integral_value(rounding=ROUND_FLOOR))
    if rule.monthly_cap is None:
        return Award(raw, f"{rule.key}: +{raw}")
    room = max(0, rule.monthly_cap - earned_this_period)
    delta = min(raw, room)
    if delta < raw:
        return Award(delta, f"{rule.key}: +{delta} (monthly cap {rule.monthly_cap} reached)")
    return Award(delta, f"{rule.key}: +{delta}")
