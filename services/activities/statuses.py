"""The approval states of a logged activity and the decisions that move between them (pure, so
it is tested without servers).

An activity starts `submitted` when its kind needs approval and it was not logged by an officer
of the member's unit, else `approved`. An officer approves a submitted one, rejects one not
rejected yet (an approved activity rejected later is reversed by points), or corrects the
quantity of one not rejected, which leaves its status as it was. `rejected` is final.
"""
from __future__ import annotations

from services.common.errors import Conflict

SUBMITTED, APPROVED, REJECTED = "submitted", "approved", "rejected"

# decision -> {status it may be taken in: status after it}
TRANSITIONS: dict[str, dict[str, str]] = {
    "approve": {SUBMITTED: APPROVED},
    "reject": {SUBMITTED: REJECTED, APPROVED: REJECTED},
    "correct": {SUBMITTED: SUBMITTED, APPROVED: APPROVED},
}

# Why a decision is refused in any status its row above does not list.
_REFUSALS = {
    "approve": "only a submitted activity can be approved; this one is {current}",
    "reject": "this activity is already rejected",
    "correct": "a rejected activity cannot be corrected",
}


def initial_status(needs_approval: bool, by_officer: bool) -> str:
    return SUBMITTED if needs_approval and not by_officer else APPROVED


def after(decision: str, current: str) -> str:
    """The status `decision` leaves an activity in that is `current` now; Conflict if it may not be taken."""
    allowed = TRANSITIONS[decision]
    if current not in allowed:
        raise Conflict(_REFUSALS[decision].format(current=current))
    return allowed[current]
