"""Validated inputs of transfers between colleges."""
from __future__ import annotations

import uuid

from pydantic import Field

from services.common.validation import IsoDate
from services.common.contracts.api.members import Strict


# The states of a request a destination lists (GET /v1/inter-tenant-transfers/incoming?state=).
INCOMING_STATES = ("pending", "accepted", "refused", "expired")


class TransferIssue(Strict):
    letter_no: str = Field(min_length=1, max_length=64)
    issued_on: IsoDate
    destination_code: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")
    destination_name: str | None = Field(default=None, min_length=1, max_length=200)


class TransferAccept(Strict):
    org_unit_id: uuid.UUID


class TransferRefuse(Strict):
    reason: str = Field(min_length=1, max_length=200)
