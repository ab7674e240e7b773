"""Events published by the members service (the roster)."""
from __future__ import annotations

import uuid
from typing import Literal

from pydantic import Field

from services.common.contracts.base import Event

PoliticalStatus = Literal["non_party", "applicant", "activist", "candidate", "probationary", "full"]
PersonCategory = Literal["staff", "student"]


class MemberJoined(Event):
    source = "members"
    event_type = "member_joined"

    member_id: uuid.UUID
    org_unit_id: uuid.UUID
    name: str = Field(min_length=1, max_length=100)
    category: PersonCategory
    political_status: PoliticalStatus
