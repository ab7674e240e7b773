"""Events of a transfer between colleges (组织关系转接, `inter_tenant_transfer`), published and
consumed by members: a saga whose every step changes one college's rows only.

`InterTenantTransferIssued` is the origin college's (its `tenant_id`): it names the destination
by its code and carries only what the destination may see of the person. `InterTenantTransferAnswered`
is addressed to the origin college (its `tenant_id`) and says only the outcome: the origin learns
nothing else of the destination."""
from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.common.contracts.base import Event
from services.common.contracts.members import PersonCategory, PoliticalStatus
from services.common.validation import IsoDate


class StatusSpell(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    to_status: PoliticalStatus
    effective_on: IsoDate


class TransferParticulars(BaseModel):
    """The person as the destination sees them: name, status and the dates the rules require."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100)
    category: PersonCategory
    political_status: PoliticalStatus
    applied_on: IsoDate | None = None
    joined_party_on: IsoDate | None = None
    full_member_on: IsoDate | None = None
    status_since: IsoDate | None = None
    history: list[StatusSpell] = Field(default_factory=list, max_length=50)


class InterTenantTransferIssued(Event):
    source = "members"
    event_type = "inter_tenant_transfer_issued"

    transfer_id: uuid.UUID
    destination_code: str = Field(min_length=1, max_length=64)
    letter_no: str = Field(min_length=1, max_length=64)
    issued_on: IsoDate
    expires_on: IsoDate
    particulars: TransferParticulars


class InterTenantTransferAnswered(Event):
    """The destination's answer, addressed to the origin (`tenant_id`): accepted, refused (also
    when no college has that code) or expired unanswered."""

    source = "members"
    event_type = "inter_tenant_transfer_answered"

    transfer_id: uuid.UUID
    outcome: Literal["accepted", "refused", "expired"]
    decided_on: IsoDate


class InterTenantTransferConcluded(Event):
    """The origin's last step is done (its `tenant_id`): the person left (accepted) or stays
    (refused, expired). Names the branch's secretaries, who are told, with the person."""

    source = "members"
    event_type = "inter_tenant_transfer_concluded"

    transfer_id: uuid.UUID
    member_id: uuid.UUID
    member_name: str = Field(min_length=1, max_length=100)
    org_unit_id: uuid.UUID
    letter_no: str = Field(min_length=1, max_length=64)
    outcome: Literal["accepted", "refused", "expired"]
    decided_on: IsoDate
    secretary_ids: list[uuid.UUID] = Field(default_factory=list)
