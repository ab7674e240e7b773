"""Validated inputs of transfers between colleges."""
from __future__ import annotations

import uuid

from pydantic import Field

from services.common.validation import IsoDate
from services.members.schemas import Strict


class TransferIssue(Strict):
    letter_no: str = Field(min_length=1, max_length=64)
    issued_on: IsoDate
    destination_code: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")
    destination_name: str | None = Field(default=None, min_length=1, max_length=200)


class TransferAccept(Strict):
    org_unit_id: uuid.UUID


class TransferRefuse(Strict):
    reason: str = Field(min_length=1, max_length=200)
