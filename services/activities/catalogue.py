"""The catalogue of activity kinds and the details each one must carry.

Each kind validates its own `details`; `quantity` is the unit the points rules count (hours of
volunteer service, otherwise one occurrence). Four of them are the monthly four duties (四个一).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Details(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OpinionListening(Details):
    """听取党外群众意见: whom, how, and what was heard."""

    whom: str = Field(min_length=1, max_length=200)
    channel: Literal["talk", "forum", "org_life_meeting"]
    opinions: str = Field(min_length=1, max_length=4000)


class ActivistFollowup(Details):
    """掌握入党积极分子学习状态."""

    activist_id: str = Field(min_length=1, max_length=64)
    learning_status: str = Field(min_length=1, max_length=2000)


class TheoryReading(Details):
    """阅读党的理论书籍."""

    title: str = Field(min_length=1, max_length=300)
    notes: str | None = Field(default=None, max_length=4000)


class VolunteerService(Details):
    """志愿服务: the partner organisation; hours go in `quantity`."""

    partner: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)


class Kind(BaseModel):
    key: str
    title_zh: str
    details: type[Details]
    four_duty: bool = False
    unit: Literal["occurrence", "hour"] = "occurrence"
    max_quantity: Decimal = Decimal(1)


CATALOGUE: dict[str, Kind] = {
    k.key: k for k in (
        Kind(key="opinion_listening", title_zh="听取党外群众意见", details=OpinionListening, four_duty=True),
        Kind(key="activist_followup", title_zh="掌握入党积极分子学习状态", details=ActivistFollowup, four_duty=True),
        Kind(key="theory_reading", title_zh="阅读党的理论书籍", details=TheoryReading, four_duty=True),
        Kind(key="volunteer_service", title_zh="志愿服务", details=VolunteerService, four_duty=True,
             unit="hour", max_quantity=Decimal(24)),
    )
}

FOUR_DUTIES = tuple(key for key, kind in CATALOGUE.items() if kind.four_duty)
