"""Events published by the members service about the development pipeline (发展党员)."""
from __future__ import annotations

import uuid
from typing import Literal

from pydantic import Field

from services.common.contracts.base import Event
from services.common.validation import IsoDate


class DevelopmentStepDue(Event):
    """A person's next pipeline step nears its deadline ("upcoming") or has passed it
    ("overdue"); announced once per person, step, due date and level. It names the branch's
    secretaries, who act on it (members owns the roles; notify does not know who holds which)."""

    source = "members"
    event_type = "development_step_due"

    member_id: uuid.UUID
    member_name: str = Field(min_length=1, max_length=100)
    org_unit_id: uuid.UUID
    step: str = Field(min_length=1, max_length=40)
    step_name: str = Field(min_length=1, max_length=100)
    due_on: IsoDate
    on: IsoDate
    level: Literal["upcoming", "overdue"]
    secretary_ids: list[uuid.UUID] = Field(default_factory=list)
