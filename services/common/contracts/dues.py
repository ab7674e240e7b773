"""Events published by the dues service (党费). Money is integer fen, never a float."""
from __future__ import annotations

import uuid
from services.common.validation import IsoDate
from typing import Literal

from pydantic import Field

from services.common.contracts.base import Event

PERIOD = r"^[1-9]\d{3}-(0[1-9]|1[0-2])$"


class DuesAssessed(Event):
    """A member's dues for a month were fixed: `amount_fen` is what they owe for `period`
    (0 when the branch exempted them)."""

    source = "dues"
    event_type = "dues_assessed"

    assessment_id: uuid.UUID
    member_id: uuid.UUID
    org_unit_id: uuid.UUID
    period: str = Field(pattern=PERIOD)
    amount_fen: int = Field(ge=0)
    category: Literal["employed", "retired", "student", "unemployed", "subsistence"]
    rate_bp: int | None = Field(default=None, ge=0, le=10_000)


class DuesPaid(Event):
    """An entry was appended to the payment record: a payment (`amount_fen` > 0) or a
    compensating correction (any sign). `paid_fen` is the month's total after it; what is
    beyond `due_fen` counts as voluntary extra (`due_fen` is None while the month is not
    assessed yet: a payment in advance)."""

    source = "dues"
    event_type = "dues_paid"

    payment_id: uuid.UUID
    member_id: uuid.UUID
    org_unit_id: uuid.UUID
    period: str = Field(pattern=PERIOD)
    amount_fen: int
    kind: Literal["payment", "correction"]
    paid_on: IsoDate
    paid_fen: int
    due_fen: int | None = Field(default=None, ge=0)


class DuesOverdue(Event):
    """A member has owed dues for `months_unpaid` consecutive months up to `period`.

    `level` says who is told: the member from the first month, the branch's secretary from the
    third, and from the sixth month without an approved reason the branch is asked to review
    the case (the Party Constitution treats this as leaving the Party); nothing is done to the
    member automatically. Sent once per member, month checked and level."""

    source = "dues"
    event_type = "dues_overdue"

    member_id: uuid.UUID
    org_unit_id: uuid.UUID
    period: str = Field(pattern=PERIOD)
    months_unpaid: int = Field(ge=1)
    unpaid_periods: list[str] = Field(min_length=1)
    outstanding_fen: int = Field(ge=0)
    level: Literal["member", "secretary", "branch_review"]
