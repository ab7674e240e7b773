"""Input models for notify's RPC entrypoints."""
from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from services.common.errors import InvalidInput
from services.common.validation import validate
from services.notify import channels, templates
from services.notify.settings import NotifySettings

RobotKind = Literal["wecom", "dingtalk"]
PersonChannel = Literal["email", "wecom", "dingtalk"]


class RobotIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    webhook_url: str = Field(min_length=10, max_length=500, pattern=r"^https?://[^\s]+$")
    secret: str | None = Field(default=None, min_length=8, max_length=200)
    enabled: bool = True


def robot_in(payload, settings: NotifySettings) -> RobotIn:
    """A robot's configuration, its webhook checked against where this deployment may send
    (`channels.robot_target`; checked again at every send)."""
    robot = validate(RobotIn, payload)
    try:
        channels.robot_target(settings, robot.webhook_url)
    except channels.RobotTargetUnresolved:
        pass  # no address to judge yet (offline, DNS down): every send checks again
    except channels.RobotTargetRefused as exc:
        raise InvalidInput.field("webhook_url", str(exc)) from None
    return robot


class PreferencesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)
    language: Literal["zh", "en"] = "zh"
    # {notice key: channels beyond the inbox}; an empty list means the inbox only.
    notices: dict[str, list[PersonChannel]] = Field(default_factory=dict)

    @field_validator("notices")
    @classmethod
    def _known_notices(cls, value: dict) -> dict:
        unknown = sorted(set(value) - templates.PERSON_NOTICES)
        if unknown:
            raise ValueError(f"unknown person notices {unknown}; expected some of {sorted(templates.PERSON_NOTICES)}")
        return {key: sorted(set(channels)) for key, channels in value.items()}


class NoticeIn(BaseModel):
    """A notice an officer sends by hand; `cause` makes a retried request harmless."""

    model_config = ConfigDict(extra="forbid")

    notice: str
    cause: str = Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9_.:\-]+$")
    person_id: uuid.UUID | None = None
    org_unit_id: uuid.UUID | None = None
    fields: dict[str, str | int] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _target(self):
        if self.notice not in templates.TEMPLATES:
            raise ValueError(f"notice: unknown notice {self.notice!r}")
        if self.notice in templates.PERSON_NOTICES and self.person_id is None:
            raise ValueError(f"person_id: required for the person notice {self.notice}")
        if self.notice in templates.BRANCH_NOTICES and self.org_unit_id is None:
            raise ValueError(f"org_unit_id: required for the branch notice {self.notice}")
        missing = templates.TEMPLATES[self.notice].fields() - set(self.fields)
        if missing:
            raise ValueError(f"fields: missing {sorted(missing)}")
        return self


class UnitNoticeIn(BaseModel):
    """A notice with receipts to a unit and everything below it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=10000)
