"""The branch's view of its pipeline and the deadline scan that reminds of the next steps."""
from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from services.common.contracts.development import DevelopmentStepDue
from services.common.db import UnitOfWork
from services.common.errors import NotFound
from services.members import lookups, models
from services.members.development import steps
from services.members.pairing.rhythm import secretaries

HISTORY_SOURCES = ("roster", "backfill")
IN_PIPELINE = ("applicant", "activist", "candidate", "probationary", "full")


def _records_of(session, tenant_id, unit_ids) -> list[tuple]:
    """(person, their current steps) for everyone in these units with a running record, whose
    pipeline is not complete. A full member whose record is history (from the roster or a
    back-fill) is not in it: only one who became full here still has the archiving ahead."""
    p, r = models.people, models.development_records
    rows = session.execute(
        select(p.c.id, p.c.name, p.c.org_unit_id, p.c.political_status, r.c.step, r.c.done_on, r.c.source)
        .join(r, (r.c.person_id == p.c.id) & (r.c.tenant_id == p.c.tenant_id) & r.c.current)
        .where(p.c.tenant_id == tenant_id, p.c.org_unit_id.in_(unit_ids), p.c.left_at.is_(None),
               p.c.political_status.in_(IN_PIPELINE))
        .order_by(p.c.name, p.c.id)).all()
    people, done, history = {}, defaultdict(dict), set()
    for row in rows:
        people[row.id] = row
        done[row.id][row.step] = row.done_on
        if row.step == steps.MILESTONE_OF["full"] and row.source in HISTORY_SOURCES:
            history.add(row.id)
    return [(people[pid], done[pid]) for pid in people
            if steps.next_step(done[pid]) is not None and pid not in history]


def branch_view(session, tenant_id, org_unit_id: uuid.UUID, today: date) -> dict:
    units = lookups.subtree_ids(session, tenant_id, org_unit_id)
    if not units:
        raise NotFound("org unit not found")
    items = _items(session, tenant_id, units, today)
    overdue = [item for item in items if item["overdue_days"] > 0]
    return {"org_unit_id": str(org_unit_id), "on": today.isoformat(), "items": items,
            "overdue": sorted(overdue, key=lambda item: -item["overdue_days"]),
            "by_stage": {stage: sum(1 for item in items if item["stage"] == stage) for stage in steps.STAGES}}


def _items(session, tenant_id, units, today: date) -> list[dict]:
    items = []
    for person, done in _records_of(session, tenant_id, units):
        step = steps.next_step(done)
        ahead = steps.progress(done, today)
        earliest = steps.earliest_date(step, done)
        furthest = steps.furthest_step(done)
        items.append({"member_id": str(person.id), "name": person.name, "org_unit_id": str(person.org_unit_id),
                      "political_status": person.political_status, "stage": step.stage,
                      "last_step": furthest.code if furthest else None,
                      "last_done_on": done[furthest.code].isoformat() if furthest and done[furthest.code] else None,
                      "next_step": step.code, "next_step_name_zh": step.name_zh, "actor": step.actor,
                      "earliest_on": earliest.isoformat() if earliest else None,
                      "due_on": ahead.due_on.isoformat() if ahead.due_on else None,
                      "overdue_days": ahead.overdue_days})
    return items


def followed(session, tenant_id, follower_id: uuid.UUID, today: date) -> list[dict]:
    """The activists and candidates a member follows up (the activist follow-up duty), each with
    where their pipeline stands: the same records as the branch's view."""
    lookups.person(session, tenant_id, follower_id)
    f, p = models.activist_followers, models.people
    activist_ids = list(session.execute(select(f.c.activist_id).where(
        f.c.tenant_id == tenant_id, f.c.follower_id == follower_id, f.c.ended_on.is_(None))).scalars())
    if not activist_ids:
        return []
    units = list(session.execute(select(p.c.org_unit_id).where(p.c.id.in_(activist_ids))).scalars())
    return [item for item in _items(session, tenant_id, units, today) if uuid.UUID(item["member_id"]) in activist_ids]


def scan_tenant(uow: UnitOfWork, tenant_id, today: date) -> int:
    """Announce each next step inside its reminder window or past its deadline, once: the
    reminder's key row is claimed first, so another replica (or a rerun) announces nothing."""
    branches = list(uow.session.execute(select(models.org_units.c.id).where(
        models.org_units.c.tenant_id == tenant_id, models.org_units.c.closed_at.is_(None))).scalars())
    if not branches:
        return 0
    announced = 0
    for person, done in _records_of(uow.session, tenant_id, branches):
        step = steps.next_step(done)
        due = steps.due_date(step, done)
        level = steps.reminder_level(due, step.remind_days, today)
        if level is None:
            continue
        claimed = uow.session.execute(insert(models.development_reminders).values(
            tenant_id=tenant_id, person_id=person.id, step=step.code, due_on=due, level=level)
            .on_conflict_do_nothing().returning(models.development_reminders.c.person_id)).first()
        if claimed is None:
            continue
        branch = _branch_of(uow.session, tenant_id, person.org_unit_id)
        uow.publish(DevelopmentStepDue(
            tenant_id=tenant_id, member_id=person.id, member_name=person.name, org_unit_id=branch,
            step=step.code, step_name=step.name_zh, due_on=due, on=today, level=level,
            secretary_ids=secretaries(uow.session, tenant_id, branch)))
        announced += 1
    return announced


def _branch_of(session, tenant_id, unit_id):
    """A group's people answer to its branch's secretaries."""
    unit = lookups.org_unit(session, tenant_id, unit_id)
    return unit.parent_id if unit.kind == "group" and unit.parent_id else unit.id
