"""Reading what the roster holds for a file, and carrying a plan out: rows written in batches (a
10,000-person file is a few statements, not 10,000 round trips) and the events they cause,
all in the caller's transaction."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Callable, Iterable

from sqlalchemy import bindparam, select

from services.common.contracts.members import (
    ActivistAssigned, MemberJoined, MemberStatusChanged, MemberTransferred, MemberUpdated, OrgUnitChanged,
)
from services.common.db import UnitOfWork, new_id, utcnow
from services.common.errors import InvalidInput, NotFound
from services.members import models
from services.members.importing.parsing import ImportRow
from services.members.importing.plan import COMPARED, Change, ImportPlan, Join, Roster, compared_values
from services.members.development import records as development_records
from services.members.development.steps import MILESTONE_OF
from services.members.people import initial_status_date

Progress = Callable[[str, int, int], None]
BATCH = 1000
LOOKUP_BATCH = 5000
NOTE = "roster import"


def _chunks(items: list, size: int = BATCH) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def open_branch(session, tenant_id: uuid.UUID, branch_id: uuid.UUID):
    units = models.org_units
    branch = session.execute(select(units).where(units.c.id == branch_id, units.c.tenant_id == tenant_id)).first()
    if branch is None:
        raise NotFound("branch not found")
    if branch.kind != "branch" or branch.closed_at is not None:
        raise InvalidInput.field("branch_id", "a roster is imported into an open branch")
    return branch


def load_roster(session, tenant_id: uuid.UUID, branch_id: uuid.UUID, rows: list[tuple[int, ImportRow]]) -> Roster:
    people, units, links = models.people, models.org_units, models.activist_followers
    numbers = {r.external_no for _, r in rows} | {r.follower_no for _, r in rows if r.follower_no}
    existing = {}
    for chunk in _chunks(sorted(numbers), LOOKUP_BATCH):
        for row in session.execute(select(people).where(people.c.tenant_id == tenant_id,
                                                        people.c.external_no.in_(chunk))):
            existing[row.external_no] = row
    groups = {r.name: r.id for r in session.execute(select(units.c.id, units.c.name).where(
        units.c.tenant_id == tenant_id, units.c.parent_id == branch_id, units.c.kind == "group",
        units.c.closed_at.is_(None)))}
    in_branch = {branch_id} | set(session.execute(select(units.c.id).where(
        units.c.tenant_id == tenant_id, units.c.parent_id == branch_id)).scalars())
    activists = sorted(existing[r.external_no].id for _, r in rows if r.follower_no and r.external_no in existing)
    current = set()
    for chunk in _chunks(activists, LOOKUP_BATCH):
        current |= {(x.activist_id, x.follower_id) for x in session.execute(
            select(links.c.activist_id, links.c.follower_id).where(
                links.c.tenant_id == tenant_id, links.c.ended_on.is_(None), links.c.activist_id.in_(chunk)))}
    return Roster(branch_id=branch_id, people=existing, groups=groups, branch_units=frozenset(in_branch),
                  follow_ups=frozenset(current))


@dataclass
class _Writes:
    """The rows and events a plan turns into, before they are written."""

    inserts: list[dict] = field(default_factory=list)
    updates: list[dict] = field(default_factory=list)
    history: list[dict] = field(default_factory=list)
    moves: list[dict] = field(default_factory=list)
    # The development record follows the status column: milestones of new rows, changes, withdrawals.
    steps: list[dict] = field(default_factory=list)
    withdrawn: list = field(default_factory=list)
    events: list = field(default_factory=list)
    ids: dict = field(default_factory=dict)  # external_no -> person id
    unit_of: dict = field(default_factory=dict)  # person id -> org unit id after the import
    now: object = field(default_factory=utcnow)


def _create_groups(uow: UnitOfWork, tenant_id, roster: Roster, names: list[str]) -> dict[str, uuid.UUID]:
    values = [{"id": new_id(), "tenant_id": tenant_id, "parent_id": roster.branch_id, "kind": "group", "name": name}
              for name in names]
    if values:
        uow.session.execute(models.org_units.insert(), values)
        uow.publish_many([OrgUnitChanged(tenant_id=tenant_id, org_unit_id=v["id"], parent_id=roster.branch_id,
                                         kind="group", name=v["name"], change="created") for v in values])
    return {v["name"]: v["id"] for v in values}


def _join(writes: _Writes, tenant_id, row: ImportRow, unit_id, today: date) -> None:
    person_id = new_id()
    writes.ids[row.external_no] = person_id
    writes.unit_of[person_id] = unit_id
    since = initial_status_date(row)
    writes.inserts.append({"id": person_id, "tenant_id": tenant_id, "org_unit_id": unit_id,
                           "external_no": row.external_no, "status_since": since, "left_at": None,
                           "left_reason": None, **compared_values(row)})
    writes.history.append({"id": new_id(), "tenant_id": tenant_id, "person_id": person_id, "from_status": None,
                           "to_status": row.political_status, "effective_on": since or today, "note": NOTE})
    writes.steps += development_records.roster_rows(tenant_id, person_id, row)
    writes.events.append(MemberJoined(tenant_id=tenant_id, member_id=person_id, org_unit_id=unit_id, name=row.name,
                                      category=row.category, political_status=row.political_status,
                                      external_no=row.external_no, email=row.email))


def _change(writes: _Writes, tenant_id, step: Change, unit_id, today: date) -> None:
    old, row = step.person, step.row
    writes.unit_of[old.id] = unit_id
    status_since = old.status_since
    if "political_status" in step.fields:
        status_since = today
        writes.history.append({"id": new_id(), "tenant_id": tenant_id, "person_id": old.id,
                               "from_status": old.political_status, "to_status": row.political_status,
                               "effective_on": today, "note": NOTE})
        if row.political_status == "non_party":
            writes.withdrawn.append((tenant_id, old.id, today))
        else:
            writes.steps += development_records.record_rows(
                tenant_id, old.id, [(MILESTONE_OF[row.political_status], today)], "roster")
        writes.events.append(MemberStatusChanged(tenant_id=tenant_id, member_id=old.id, org_unit_id=unit_id,
                                                 from_status=old.political_status, to_status=row.political_status,
                                                 effective_on=today))
    if step.moved:
        writes.moves.append({"id": new_id(), "tenant_id": tenant_id, "person_id": old.id,
                             "from_org_unit_id": old.org_unit_id, "to_org_unit_id": unit_id, "effective_on": today,
                             "note": NOTE})
        writes.events.append(MemberTransferred(tenant_id=tenant_id, member_id=old.id,
                                               from_org_unit_id=old.org_unit_id, to_org_unit_id=unit_id,
                                               effective_on=today))
    other = [f for f in step.fields if f != "political_status"]
    if other:
        writes.events.append(MemberUpdated(tenant_id=tenant_id, member_id=old.id, org_unit_id=unit_id, fields=other,
                                           name=row.name if "name" in other else None))
    writes.updates.append({"_id": old.id, "_unit": unit_id, "_since": status_since, "_now": writes.now,
                           **{f"_{k}": v for k, v in compared_values(row).items()}})


def _write_people(session, writes: _Writes, progress: Progress) -> None:
    people = models.people
    total, done = len(writes.inserts) + len(writes.updates), 0
    for chunk in _chunks(writes.inserts):
        session.execute(people.insert(), chunk)
        done += len(chunk)
        progress("written", done, total)
    if writes.updates:
        statement = people.update().where(people.c.id == bindparam("_id")).values(
            org_unit_id=bindparam("_unit"), status_since=bindparam("_since"), updated_at=bindparam("_now"),
            **{f: bindparam(f"_{f}") for f in COMPARED})
        for chunk in _chunks(writes.updates):
            session.execute(statement, chunk)
            done += len(chunk)
            progress("written", done, total)
    for table, rows in ((models.status_history, writes.history), (models.transfers, writes.moves),
                        (models.development_records, writes.steps)):
        for chunk in _chunks(rows):
            session.execute(table.insert(), chunk)
    for tenant_id, person_id, on in writes.withdrawn:
        development_records.close_record(session, tenant_id, [person_id], on, "roster")


def _link_followers(session, writes: _Writes, tenant_id, roster: Roster, plan: ImportPlan, today: date) -> None:
    fresh = [{"id": new_id(), "tenant_id": tenant_id, "activist_id": writes.ids[a], "follower_id": writes.ids[f],
              "assigned_on": today} for a, f in plan.follow_ups]
    for chunk in _chunks(fresh):
        session.execute(models.activist_followers.insert(), chunk)
    unit_of = writes.unit_of | {p.id: p.org_unit_id for p in roster.people.values() if p.id not in writes.unit_of}
    writes.events += [ActivistAssigned(tenant_id=tenant_id, activist_id=x["activist_id"],
                                       follower_id=x["follower_id"], org_unit_id=unit_of[x["activist_id"]],
                                       assigned_on=today) for x in fresh]


def apply_plan(uow: UnitOfWork, tenant_id: uuid.UUID, roster: Roster, plan: ImportPlan,
               progress: Progress) -> dict:
    """Write what `plan` decided and publish its events; returns the counts for the report."""
    today = date.today()
    groups = dict(roster.groups) | _create_groups(uow, tenant_id, roster, plan.new_groups)
    writes = _Writes(ids={n: p.id for n, p in roster.people.items()})
    for step in plan.steps:
        unit_id = groups[step.row.group] if step.row.group else roster.branch_id
        if isinstance(step, Join):
            _join(writes, tenant_id, step.row, unit_id, today)
        else:
            _change(writes, tenant_id, step, unit_id, today)
    _write_people(uow.session, writes, progress)
    counts = {"created": len(writes.inserts), "updated": len(writes.updates), "unchanged": plan.unchanged,
              "groups_created": len(plan.new_groups)}
    if plan.follow_ups_named:
        _link_followers(uow.session, writes, tenant_id, roster, plan, today)
        counts["followers_assigned"] = len(plan.follow_ups)
    uow.publish_many(writes.events)
    counts["events"] = len(writes.events)
    progress("events", len(writes.events), len(writes.events))
    return counts
