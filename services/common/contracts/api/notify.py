"""The notify API's requests: a branch's robot, a member's preferences, a notice sent by hand.

Which notices exist is notify's own table (its templates); notify's schemas add those checks on
top of these shapes."""
from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

RobotKind = Literal["wecom", "dingtalk"]
PersonChannel = Literal["email", "wecom", "dingtalk"]


class RobotIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    webhook_url: str = Field(min_length=10, max_length=500, pattern=r"^https?://[^\s]+$")
    secret: str | None = Field(default=None, min_length=8, max_length=200)
    enabled: bool = True


class PreferencesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)
    language: Literal["zh", "en"] = "zh"
    # {notice key: channels beyond the inbox}; an empty list means the inbox only.
    notices: dict[str, list[PersonChannel]] = Field(default_factory=dict)


class NoticeIn(BaseModel):
    """A notice an officer sends by hand; `cause` makes a retried request harmless."""

    model_config = ConfigDict(extra="forbid")

    notice: str
    cause: str = Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9_.:\-]+$")
    person_id: uuid.UUID | None = None
    org_unit_id: uuid.UUID | None = None
    fields: dict[str, str | int] = Field(default_factory=dict)
