"""The notify API: a branch's robot, a member's preferences and inbox, a notice sent by hand, deliveries.

Which notices exist is notify's own table (its templates); notify's schemas add those checks on
top of these shapes."""
from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.common.contracts.api.answers import Answer

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


class UnitNoticeIn(BaseModel):
    """A notice with receipts to a unit and everything below it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=10000)


# ---- answers ----


class Notice(Answer):
    """One notice in a member's inbox."""

    id: uuid.UUID
    template: str
    title: str
    body: str
    created_at: str
    read: bool


class InboxPage(Answer):
    """A page of a member's inbox, newest first."""

    items: list[Notice]
    limit: int
    offset: int


class Preferences(Answer):
    """How a member is notified beyond the inbox."""

    person_id: uuid.UUID
    email: str | None
    language: Literal["zh", "en"]
    notices: dict[str, list[PersonChannel]]
    name: str | None = Field(description="as notify learnt it from the roster")
    org_unit_id: uuid.UUID | None


class Delivery(Answer):
    """One notice sent (or being sent) on one channel."""

    id: uuid.UUID
    cause: str
    notice: str
    channel: str
    person_id: uuid.UUID | None
    org_unit_id: uuid.UUID | None
    title: str
    status: str
    attempts: int
    last_error: str | None
    created_at: str
    finished_at: str | None
    next_attempt_at: str | None


class DeliveryPage(Answer):
    """A page of the delivery log."""

    items: list[Delivery]
    total: int
    limit: int
    offset: int


class Robot(Answer):
    """A branch's group robot (WeCom or DingTalk); its secret is never answered."""

    id: uuid.UUID
    org_unit_id: uuid.UUID
    kind: RobotKind
    webhook_url: str
    signed: bool
    enabled: bool
