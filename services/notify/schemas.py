"""Notify's checks on top of its API's requests (services.common.contracts.api.notify): the notices
its templates know, and where a robot's webhook may point."""
from __future__ import annotations

from pydantic import field_validator, model_validator

from services.common.contracts.api import notify as notify_api
from services.common.errors import InvalidInput
from services.common.validation import validate
from services.notify import channels, templates
from services.notify.settings import NotifySettings


def robot_in(payload, settings: NotifySettings) -> notify_api.RobotIn:
    """A robot's configuration, its webhook checked against where this deployment may send
    (`channels.robot_target`; checked again at every send)."""
    robot = validate(notify_api.RobotIn, payload)
    try:
        channels.robot_target(settings, robot.webhook_url)
    except channels.RobotTargetUnresolved:
        pass  # no address to judge yet (offline, DNS down): every send checks again
    except channels.RobotTargetRefused as exc:
        raise InvalidInput.field("webhook_url", str(exc)) from None
    return robot


class PreferencesIn(notify_api.PreferencesIn):
    @field_validator("notices")
    @classmethod
    def _known_notices(cls, value: dict) -> dict:
        unknown = sorted(set(value) - templates.PERSON_NOTICES)
        if unknown:
            raise ValueError(f"unknown person notices {unknown}; expected some of {sorted(templates.PERSON_NOTICES)}")
        return {key: sorted(set(channels)) for key, channels in value.items()}


class NoticeIn(notify_api.NoticeIn):
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

