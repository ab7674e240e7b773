"""What an import would do, decided without the database: given the file's valid rows and what
the roster holds for them, which rows are refused (and why), which people are added or changed,
which groups and follow-up links are new. Pure, so every rule is tested without servers.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Mapping

from services.members import statuses
from services.members.importing.parsing import ImportRow

# The person fields an import compares with the stored ones (and writes when they differ).
COMPARED = ("name", "category", "political_status", "email", "phone", "gender", "ethnicity", "birth_date",
            "department", "job_title", "wecom_user_id", "dingtalk_user_id", "joined_work_on", "applied_on",
            "joined_party_on", "full_member_on", "introducers")


@dataclass(frozen=True)
class Roster:
    """What the roster holds for one file, read before planning."""

    branch_id: uuid.UUID
    # external_no -> stored person, for the file's numbers and the followers it names.
    people: Mapping[str, Any]
    # the branch's open groups: name -> id
    groups: Mapping[str, uuid.UUID]
    # the branch and the units directly under it: the people an import of this branch may touch
    branch_units: frozenset
    # current (activist_id, follower_id) links of the people in the file
    follow_ups: frozenset = frozenset()


@dataclass(frozen=True)
class Join:
    """A person new to the roster."""

    row: ImportRow


@dataclass(frozen=True)
class Change:
    """A stored person the file changes: `fields` that differ and/or a move to another unit."""

    person: Any
    row: ImportRow
    fields: tuple[str, ...]
    moved: bool


@dataclass
class ImportPlan:
    errors: list[dict] = field(default_factory=list)
    accepted: list[ImportRow] = field(default_factory=list)
    steps: list[Join | Change] = field(default_factory=list)  # in file order
    unchanged: int = 0
    new_groups: list[str] = field(default_factory=list)
    # (activist_no, follower_no) links to add; `follow_ups_named` tells whether the file named any
    follow_ups: list[tuple[str, str]] = field(default_factory=list)
    follow_ups_named: bool = False


def compared_values(row: ImportRow) -> dict:
    values = {f: getattr(row, f) for f in COMPARED}
    values["introducers"] = values["introducers"] or []
    return values


def _refusal(row: ImportRow, old, roster: Roster, final_status: Mapping[str, str]) -> tuple[str, str] | None:
    """(field, reason) when the stored roster forbids this row, else None."""
    if old is not None and old.left_at is not None:
        return "external_no", "this person has left the roster; re-add them by hand"
    # An import manages one branch's roster. A number that belongs to someone of another branch
    # is refused rather than moving them: a move between branches is a transfer, with its date,
    # the end of the person's roles there, and the rights of whoever manages that branch.
    if old is not None and old.org_unit_id not in roster.branch_units:
        return "external_no", "this number belongs to a person of another branch; transfer them first"
    if old is not None and old.political_status != row.political_status and not statuses.is_legal(
            old.political_status, row.political_status):
        return "political_status", f"illegal change {old.political_status} -> {row.political_status}"
    if not row.follower_no:
        return None
    if row.political_status not in statuses.FOLLOWED_UP:
        return "follower_no", "only activists and candidates have a follow-up member"
    if row.follower_no not in final_status:
        return "follower_no", "no person with this number in the file or the roster"
    if final_status[row.follower_no] not in statuses.PARTY_MEMBERS:
        return "follower_no", "the follower must be a Party member (probationary or full)"
    return None


def _step(row: ImportRow, old, roster: Roster) -> Join | Change | None:
    """What the row does to the roster; None when it changes nothing."""
    if old is None:
        return Join(row)
    values = compared_values(row)
    changed = tuple(sorted(f for f in COMPARED if (getattr(old, f) or ([] if f == "introducers" else None))
                           != values[f]))
    # A group the roster does not have yet is created by the import: being put in it is a move.
    unit_id = roster.groups.get(row.group) if row.group else roster.branch_id
    moved = unit_id is None or old.org_unit_id != unit_id
    if not changed and not moved:
        return None
    return Change(old, row, changed, moved)


def _follow_ups(accepted: list[ImportRow], roster: Roster) -> tuple[list[tuple[str, str]], bool]:
    """The follow-up links the file names between people who will be on the roster, less those
    that already exist."""
    known = set(roster.people) | {r.external_no for r in accepted}
    named = [(r.external_no, r.follower_no) for r in accepted if r.follower_no and r.follower_no in known]
    fresh = []
    for activist_no, follower_no in named:
        activist, follower = roster.people.get(activist_no), roster.people.get(follower_no)
        if activist is not None and follower is not None and (activist.id, follower.id) in roster.follow_ups:
            continue
        fresh.append((activist_no, follower_no))
    return fresh, bool(named)


def plan_import(rows: list[tuple[int, ImportRow]], roster: Roster, columns: Mapping[str, str] | None = None) \
        -> ImportPlan:
    """Plan the import of the valid `rows` ((row number, row)) against `roster`. The plan's errors
    name the column as `columns` (field -> header in the file) gives it."""
    columns = columns or {}
    # A follower may be someone of the roster or someone the same file adds or changes.
    final_status = {n: p.political_status for n, p in roster.people.items()}
    final_status |= {r.external_no: r.political_status for _, r in rows}
    plan = ImportPlan()
    for number, row in rows:
        old = roster.people.get(row.external_no)
        refusal = _refusal(row, old, roster, final_status)
        if refusal:
            plan.errors.append({"row": number, "column": columns.get(refusal[0], refusal[0]), "reason": refusal[1]})
            continue
        plan.accepted.append(row)
        step = _step(row, old, roster)
        if step is None:
            plan.unchanged += 1
        else:
            plan.steps.append(step)
    plan.new_groups = sorted({r.group for r in plan.accepted if r.group and r.group not in roster.groups})
    plan.follow_ups, plan.follow_ups_named = _follow_ups(plan.accepted, roster)
    return plan
