"""Validated inputs of the members service's RPC methods."""
from __future__ import annotations

import uuid
from datetime import date
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator  # noqa: F401

from services.common.contracts.members import PersonCategory, PoliticalStatus


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TenantCreate(Strict):
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", description="short stable name, e.g. wind-energy")
    name: str = Field(min_length=1, max_length=200)
    timezone: str = "Asia/Shanghai"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown time zone (use an IANA name such as Asia/Shanghai)") from None
        return value


class OrgUnitCreate(Strict):
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["committee", "general_branch", "branch", "group"]
    parent_id: uuid.UUID | None = None


class MemberCreate(Strict):
    name: str = Field(min_length=1, max_length=100)
    org_unit_id: uuid.UUID
    category: PersonCategory
    political_status: PoliticalStatus
    external_no: str | None = Field(default=None, min_length=1, max_length=64)
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 -]{5,32}$")
    joined_party_on: date | None = None


class TokenCreate(Strict):
    label: str = Field(default="api", min_length=1, max_length=100)
    roles: list[Literal["tenant_admin", "secretary", "organising_officer", "publicity_officer",
                        "discipline_officer", "group_leader", "member"]] = Field(default_factory=lambda: ["member"],
                                                                                   min_length=1)
