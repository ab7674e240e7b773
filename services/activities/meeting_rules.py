"""Meetings' decisions, pure so they are tested without servers: the kinds, when a check-in is
accepted, how an attendee's record may move, and what closing a meeting logs for each attendee.

An attendee starts `invited`. They check in (签到) themself within the window around the start,
with the code shown in the room, or the secretary records the whole list at once. Before the
start they may ask for leave (请假); an officer approves it (`excused`) or refuses it (back to
`invited`, the refusal kept). Absence is recorded explicitly or, at close, for everybody still
`invited`. A closed meeting is final.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Mapping

from services.common.errors import Conflict, InvalidInput
from services.common.settings import ConfigError

ACTIVITY_DAY = "activity_day"
# 三会一课 and the rest; the activity day is a meeting of its own kind.
MEETING_KINDS = {
    ACTIVITY_DAY: "主题党日",
    "branch_general_meeting": "支部党员大会",
    "committee_meeting": "支部委员会",
    "group_meeting": "党小组会",
    "party_lecture": "党课",
    "org_life_meeting": "组织生活会",
    "forum": "座谈会",
}
# The org_life activity's `meeting` detail each kind is logged as (what points prices as org_life).
ORG_LIFE_MEETING = {
    "branch_general_meeting": "branch_meeting", "committee_meeting": "committee_meeting",
    "group_meeting": "group_meeting", "party_lecture": "party_lecture",
    "org_life_meeting": "org_life_meeting", "forum": "forum",
}

INVITED, CHECKED_IN, LEAVE_REQUESTED, EXCUSED, ABSENT = "invited", "checked_in", "leave_requested", "excused", "absent"
ATTENDANCE = (INVITED, CHECKED_IN, LEAVE_REQUESTED, EXCUSED, ABSENT)
PLANNED, CLOSED = "planned", "closed"

# action -> {attendee status it may be taken in: status after it}
TRANSITIONS: dict[str, dict[str, str]] = {
    "check_in": {INVITED: CHECKED_IN},
    "ask_leave": {INVITED: LEAVE_REQUESTED},
    "approve_leave": {LEAVE_REQUESTED: EXCUSED},
    "refuse_leave": {LEAVE_REQUESTED: INVITED},
    # The secretary's list overrides what is recorded so far, a pending leave included.
    "record": {s: s for s in ATTENDANCE},
}
_REFUSALS = {
    "check_in": "already {current}: a check-in is taken once",
    "ask_leave": "leave can be asked only by an invitee not yet checked in or excused; this one is {current}",
    "approve_leave": "no leave is asked for; this attendee is {current}",
    "refuse_leave": "no leave is asked for; this attendee is {current}",
}


def after(action: str, current: str) -> str:
    allowed = TRANSITIONS[action]
    if current not in allowed:
        raise Conflict(_REFUSALS[action].format(current=current))
    return allowed[current]


@dataclass(frozen=True)
class CheckInWindow:
    """How long before and after a meeting's start its attendees may check in themselves."""

    before: timedelta = timedelta(minutes=30)
    after: timedelta = timedelta(minutes=30)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "CheckInWindow":
        env = os.environ if env is None else env
        minutes = []
        for name in ("MEETING_CHECK_IN_BEFORE_MINUTES", "MEETING_CHECK_IN_AFTER_MINUTES"):
            raw = env.get(name) or "30"
            if not raw.isdigit() or not 0 <= int(raw) <= 24 * 60:
                raise ConfigError(f"{name}: expected whole minutes from 0 to 1440, got {raw!r}")
            minutes.append(timedelta(minutes=int(raw)))
        return cls(*minutes)


def check_in(window: CheckInWindow, starts_at: datetime, now: datetime, code: str, expected_code: str,
             current: str | None, meeting_status: str) -> str:
    """The attendee's status after checking in themself at `now`; InvalidInput naming the field,
    or Conflict, when it is refused."""
    if meeting_status == CLOSED:
        raise Conflict("this meeting is closed")
    if current is None:
        raise InvalidInput.field("meeting_id", "you are not invited to this meeting")
    if not starts_at - window.before <= now <= starts_at + window.after:
        raise InvalidInput.field("checked_in_at", (
            f"check-in is open from {int(window.before.total_seconds() // 60)} minutes before the start "
            f"to {int(window.after.total_seconds() // 60)} minutes after it"))
    if not secrets.compare_digest(code.strip().upper(), expected_code):
        raise InvalidInput.field("code", "not this meeting's check-in code")
    return after("check_in", current)


def ask_leave(starts_at: datetime, now: datetime, current: str | None, meeting_status: str) -> str:
    if meeting_status == CLOSED or now >= starts_at:
        raise InvalidInput.field("meeting_id", "leave is asked before the meeting starts")
    if current is None:
        raise InvalidInput.field("meeting_id", "you are not invited to this meeting")
    return after("ask_leave", current)


def require_held(starts_at: datetime, now: datetime, meeting_status: str) -> None:
    """Minutes and the close are for a meeting that has taken place and is not closed yet."""
    if meeting_status == CLOSED:
        raise Conflict("this meeting is closed")
    if now < starts_at:
        raise InvalidInput.field("meeting_id", "the meeting has not been held yet")


@dataclass(frozen=True)
class AttendanceFact:
    """What closing a meeting logs for one attendee: an activity of `kind` (None: nothing)."""

    member_id: object
    kind: str | None
    status: str


def closing_facts(meeting_kind: str, attendees: list[tuple[object, str, bool]],
                  already_counted: set) -> tuple[list[AttendanceFact], list[object]]:
    """(the facts to log, the members marked absent by the close) for (member, status, guest) each.

    Guests earn nothing. Still `invited` at close is absent; a pending leave blocks the close (an
    officer decides it first). An activity day logs attendance and leave as today's activity-day
    kinds, other meetings attendance as org_life (their approved leave logs nothing). Absence is
    logged as `meeting_absence`, which the rule set prices (nothing by default); an activity day's
    absence is also deducted by points' month close, as before. A member already counted for this meeting (logged by hand naming it, or
    recorded on the activity day) is not logged again.
    """
    pending = [member for member, status, _ in attendees if status == LEAVE_REQUESTED]
    if pending:
        raise Conflict(f"{len(pending)} leave request(s) are still to be decided before the meeting is closed")
    facts, marked_absent = [], []
    for member, status, guest in attendees:
        if status == INVITED:
            status = ABSENT
            marked_absent.append(member)
        if guest or member in already_counted:
            continue
        facts.append(AttendanceFact(member, _activity_kind(meeting_kind, status), status))
    return [f for f in facts if f.kind is not None], marked_absent


def _activity_kind(meeting_kind: str, status: str) -> str | None:
    if meeting_kind == ACTIVITY_DAY:
        return {CHECKED_IN: "activity_day_attendance", EXCUSED: "activity_day_leave", ABSENT: "meeting_absence"}.get(status)
    return {CHECKED_IN: "org_life", ABSENT: "meeting_absence"}.get(status)


def new_check_in_code() -> str:
    """Six characters read aloud or shown on a screen: no 0/O or 1/I to confuse."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(6))


# 三会一课: how often each kind is due, by default; a branch stores its own (meeting_norms).
FREQUENCIES = ("monthly", "quarterly", "yearly", "none")
DEFAULT_NORMS = {"branch_general_meeting": "quarterly", "committee_meeting": "monthly",
                 "group_meeting": "monthly", "party_lecture": "quarterly"}


def quarter_months(quarter: str) -> list[str]:
    """'2026-Q4' -> ['2026-10', '2026-11', '2026-12']."""
    year, number = int(quarter[:4]), int(quarter[-1])
    return [f"{year:04d}-{month:02d}" for month in range(3 * number - 2, 3 * number + 1)]


def _slots(frequency: str, quarter: str) -> list[tuple[str, list[str]]]:
    """The stretches of a quarter in which one meeting is due: (label, months) each."""
    months = quarter_months(quarter)
    if frequency == "monthly":
        return [(m, [m]) for m in months]
    if frequency == "quarterly":
        return [(quarter, months)]
    if frequency == "yearly":
        # A yearly meeting is judged in the year's last quarter, over the whole year.
        year = quarter[:4]
        return [(year, [f"{year}-{m:02d}" for m in range(1, 13)])] if quarter.endswith("Q4") else []
    return []


def compliance(norms: dict[str, str], quarter: str, branch, groups: list,
               held: list[tuple[str, object, str, str]]) -> list[dict]:
    """What a branch held of each 三会一课 kind in a quarter and what is missing.

    `held` is (kind, org unit, period, meeting id) of the meetings that took place; a group
    meeting is due from each group, the others from the branch. One row per kind and unit, with
    each slot (a month, the quarter, the year) and the meetings held in it; `missing` names the
    slots with none.
    """
    rows = []
    for kind, frequency in norms.items():
        units = groups if kind == "group_meeting" else [branch]
        for unit in units:
            slots = []
            for label, months in _slots(frequency, quarter):
                ids = [meeting for k, u, period, meeting in held if k == kind and u == unit and period in months]
                slots.append({"slot": label, "held": [str(i) for i in ids]})
            rows.append({"kind": kind, "kind_zh": MEETING_KINDS[kind], "org_unit_id": str(unit),
                         "frequency": frequency, "slots": slots,
                         "missing": [s["slot"] for s in slots if not s["held"]]})
    return rows
