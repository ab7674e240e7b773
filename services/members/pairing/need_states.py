"""The life of a need (诉求), as a table: which action moves a need from which states to which.

    raised (open) --assign--> assigned --resolve--> resolved --confirm--> confirmed (closed)
                               ^  |reassign                  |
                               +--+------------ reopen ------+

Pure, so the closed loop is tested without servers; needs.py carries the moves out.
"""
from __future__ import annotations

from services.common.errors import Conflict

RAISED = "open"
CLOSED = "confirmed"

# action -> (the states it may start from, the state it leads to)
ACTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "assign": (("open", "assigned"), "assigned"),  # from assigned: a reassignment
    "resolve": (("assigned",), "resolved"),
    "confirm": (("resolved",), "confirmed"),
    "reopen": (("resolved",), "assigned"),  # not solved after all: back to the assignee
}

# Still waiting for someone to act: these are the needs the overdue scan escalates.
WAITING = ACTIONS["assign"][0]


def next_status(current: str, action: str) -> str:
    """The state `action` leads to from `current`, or a Conflict naming the states it needs."""
    allowed, target = ACTIONS[action]
    if current not in allowed:
        raise Conflict(f"status: cannot {action} a need that is {current} (only when {' or '.join(allowed)})",
                       [{"field": "status", "reason": f"need is {current}"}])
    return target
