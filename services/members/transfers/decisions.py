"""The decisions of a transfer between colleges, pure so they are tested without servers."""
from __future__ import annotations

from datetime import date

from services.members.development.steps import add_months

# A transfer letter (介绍信) left unanswered lapses after this many months; the person stays.
VALID_MONTHS = 3
# Only Party members have an organisational relationship (组织关系) to transfer.
TRANSFERABLE = frozenset({"probationary", "full"})


class TransferRefused(ValueError):
    def __init__(self, field: str, reason: str, conflict: bool = False):
        super().__init__(f"{field}: {reason}")
        self.field, self.reason, self.conflict = field, reason, conflict


def expires_on(issued_on: date) -> date:
    return add_months(issued_on, VALID_MONTHS)


def check_issue(own_code: str, status: str, destination_code: str | None, destination_name: str | None,
                issued_on: date, today: date) -> str:
    """Where the letter sends the person: "deployment" (a college here, by code) or "outside"."""
    if status not in TRANSFERABLE:
        raise TransferRefused("member_id", f"a {status} has no Party membership to transfer")
    if (destination_code is None) == (destination_name is None):
        raise TransferRefused("destination_code", "name the destination college by its code, "
                                                  "or one outside the deployment by destination_name")
    if issued_on > today:
        raise TransferRefused("issued_on", "must not be in the future")
    if destination_code is not None and destination_code == own_code:
        raise TransferRefused("destination_code", "this is the same college: move the person between its "
                                                  "units instead")
    return "deployment" if destination_code is not None else "outside"


def check_answer(state: str | None) -> None:
    """Only a pending request is accepted or refused, once."""
    if state is None:
        raise TransferRefused("transfer_id", "no such incoming transfer")
    if state != "pending":
        raise TransferRefused("transfer_id", f"already {state}", conflict=True)
