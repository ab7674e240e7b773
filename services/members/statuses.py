"""The political-status machine: which changes are legal (pure, so it is tested without servers)."""
from __future__ import annotations

from services.common.errors import Conflict

ORDER = ("applicant", "activist", "candidate", "probationary", "full")

# Forward one step at a time; anyone before full membership may drop back to non_party
# (an application withdrawn, a probation not confirmed). A full member leaves through member_left.
TRANSITIONS: dict[str, frozenset[str]] = {
    "non_party": frozenset({"applicant"}),
    "applicant": frozenset({"activist", "non_party"}),
    "activist": frozenset({"candidate", "non_party"}),
    "candidate": frozenset({"probationary", "non_party"}),
    "probationary": frozenset({"full", "non_party"}),
    "full": frozenset(),
}

PARTY_MEMBERS = frozenset({"probationary", "full"})

# Who has a Party member following up their development.
FOLLOWED_UP = frozenset({"activist", "candidate"})


def is_legal(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def check_transition(current: str, target: str) -> None:
    if is_legal(current, target):
        return
    allowed = sorted(TRANSITIONS.get(current, ()))
    hint = f"allowed from {current}: {', '.join(allowed)}" if allowed else f"{current} is final"
    raise Conflict(
        f"to_status: cannot change political status from {current} to {target} ({hint})",
        [{"field": "to_status", "reason": f"illegal transition {current} -> {target}; {hint}"}],
    )
