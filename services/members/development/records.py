"""Each person's record of the pipeline, and the one way their political status changes: a
milestone step put on record (as it happens, back-filled, or through the status route)."""
from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert

from services.common.contracts.members import MemberStatusChanged, MemberUpdated
from services.common.db import UnitOfWork, new_id, utcnow
from services.common.errors import InvalidInput
from services.members import lookups, models, statuses
from services.common.contracts.api import development as development_api
from services.members.development import steps

# The date a status starts is also kept in its own column on the person.
STATUS_DATE_FIELD = {"applicant": "applied_on", "probationary": "joined_party_on", "full": "full_member_on"}
WITHDRAWAL = "withdrawal"


def refused(exc: steps.StepRefused) -> InvalidInput:
    return InvalidInput.field(exc.field, exc.reason)


def done_steps(session, tenant_id, person_id, *, placeholders: bool = True) -> dict[str, date | None]:
    """The steps of the person's running pipeline on record, by code, with their dates; without
    the milestones taken from a roster row when `placeholders` is false."""
    r = models.development_records
    where = [r.c.tenant_id == tenant_id, r.c.person_id == person_id, r.c.current]
    if not placeholders:
        where.append(r.c.source != "roster")
    return {row.step: row.done_on for row in session.execute(select(r.c.step, r.c.done_on).where(*where))}


def record_rows(tenant_id, person_id, entries, source: str, recorded_by=None) -> list[dict]:
    """Rows for the records table from (code, date) pairs or request steps."""
    rows = []
    for entry in entries:
        row = {"id": new_id(), "tenant_id": tenant_id, "person_id": person_id, "source": source,
               "recorded_by": recorded_by, "actors": None, "materials": [], "votes_for": None,
               "votes_against": None, "votes_abstained": None, "note": None}
        if isinstance(entry, tuple):
            row["step"], row["done_on"] = entry
        else:
            row.update(step=entry.step, done_on=entry.done_on, actors=entry.actors, materials=list(entry.materials),
                       note=entry.note)
            if entry.votes is not None:
                row.update(votes_for=entry.votes.votes_for, votes_against=entry.votes.votes_against,
                           votes_abstained=entry.votes.votes_abstained)
        rows.append(row)
    return rows


def roster_rows(tenant_id, person_id, row) -> list[dict]:
    """The milestones a person added to the roster (one by one or imported) has behind them,
    dated where the roster row gives the date."""
    known = {"applicant": row.applied_on, "probationary": row.joined_party_on, "full": row.full_member_on}
    return record_rows(tenant_id, person_id, steps.milestones_up_to(row.political_status, known), "roster")


def write_rows(session, rows: list[dict]) -> None:
    if rows:
        session.execute(insert(models.development_records), rows)


def close_record(session, tenant_id, person_ids, on: date | None, source: str) -> None:
    """A withdrawal: the running records end (kept, no longer current), the withdrawal dated."""
    r = models.development_records
    session.execute(update(r).where(r.c.tenant_id == tenant_id, r.c.person_id.in_(list(person_ids)), r.c.current)
                    .values(current=False))
    rows = [{**row, "current": False} for person_id in person_ids
            for row in record_rows(tenant_id, person_id, [(WITHDRAWAL, on)], source)]
    write_rows(session, rows)


def change_status(uow: UnitOfWork, tenant_id, row, to_status: str, effective_on: date, note: str | None):
    """Set the person's political status, its date and its history, and announce it: called only
    for a milestone step put on record or a withdrawal."""
    statuses.check_transition(row.political_status, to_status)
    values = {"political_status": to_status, "status_since": effective_on, "updated_at": utcnow()}
    date_field = STATUS_DATE_FIELD.get(to_status)
    if date_field:
        values[date_field] = effective_on
    updated = uow.session.execute(models.people.update().where(models.people.c.id == row.id)
                                  .values(**values).returning(models.people)).first()
    uow.session.execute(models.status_history.insert().values(
        id=new_id(), tenant_id=tenant_id, person_id=row.id, from_status=row.political_status,
        to_status=to_status, effective_on=effective_on, note=note))
    uow.publish(MemberStatusChanged(tenant_id=tenant_id, member_id=row.id, org_unit_id=row.org_unit_id,
                                    from_status=row.political_status, to_status=to_status,
                                    effective_on=effective_on))
    return updated


def _not_before_status(row, on: date, field: str) -> None:
    if row.status_since and on < row.status_since:
        raise InvalidInput.field(field, f"must not precede the current status's date {row.status_since}")


# -- the three ways a step comes on record ---------------------------------------------------

def record_step(uow: UnitOfWork, tenant_id, person_id, data: development_api.StepRecord, recorded_by, today: date):
    """The next step of the running pipeline, as it happens: in order, not before its earliest date;
    a milestone changes the status."""
    row = lookups.active_person(uow.session, tenant_id, person_id)
    done = done_steps(uow.session, tenant_id, person_id)
    try:
        step = steps.check_next(data.step, data.done_on, today, done)
        steps.check_votes(step, _votes(data))
    except steps.StepRefused as exc:
        raise refused(exc) from None
    if step.milestone:
        _not_before_status(row, data.done_on, "done_on")
        if not statuses.is_legal(row.political_status, step.milestone):
            raise InvalidInput.field("step", f"{step.code} makes a {row.political_status} {step.milestone}: "
                                             "not a legal change")
    write_rows(uow.session, record_rows(tenant_id, person_id, [data], "pipeline", recorded_by))
    if step.milestone:
        row = change_status(uow, tenant_id, row, step.milestone, data.done_on, step.name_zh)
    return row


def backfill(uow: UnitOfWork, tenant_id, person_id, data: development_api.Backfill, recorded_by, today: date):
    """Historical steps (补录) of a member already on the roster: in pipeline order after what is on
    record. The milestones taken from the roster row are placeholders the back-fill replaces (a
    member imported as full, dates unknown, gets their history). A milestone beyond the current
    status moves the status along, one milestone at a time; one at or behind it dates the past."""
    row = lookups.active_person(uow.session, tenant_id, person_id)
    done = done_steps(uow.session, tenant_id, person_id, placeholders=False)
    entries = [(each.step, each.done_on) for each in data.steps]
    try:
        found = steps.check_backfill(entries, today, done)
        for i, (step, each) in enumerate(zip(found, data.steps)):
            steps.check_votes(step, _votes(each), f"steps[{i}].votes")
    except steps.StepRefused as exc:
        raise refused(exc) from None
    for i, (step, each) in enumerate(zip(found, data.steps)):
        if step.milestone and each.done_on is None and _ahead(step.milestone, row.political_status):
            raise InvalidInput.field(f"steps[{i}].done_on", "a milestone beyond the current status needs its date")
    r = models.development_records
    uow.session.execute(r.delete().where(r.c.tenant_id == tenant_id, r.c.person_id == person_id, r.c.current,
                                         r.c.source == "roster", r.c.step.in_([code for code, _ in entries])))
    write_rows(uow.session, record_rows(tenant_id, person_id, data.steps, "backfill", recorded_by))
    dated = {}
    for step, each in zip(found, data.steps):
        if step.milestone and _ahead(step.milestone, row.political_status):
            row = change_status(uow, tenant_id, row, step.milestone, each.done_on, f"补录：{step.name_zh}")
        elif step.milestone and each.done_on is not None:
            dated.update(_dates_of(row, step.milestone, each.done_on))
    if dated:
        # The roster's own date columns learn what the history says.
        row = uow.session.execute(models.people.update().where(models.people.c.id == row.id)
                                  .values(updated_at=utcnow(), **dated).returning(models.people)).first()
        uow.publish(MemberUpdated(tenant_id=tenant_id, member_id=row.id, org_unit_id=row.org_unit_id,
                                  fields=sorted(dated)))
    return row


def _dates_of(row, status: str, on: date) -> dict:
    values = {}
    if status in STATUS_DATE_FIELD:
        values[STATUS_DATE_FIELD[status]] = on
    if status == row.political_status:
        values["status_since"] = on
    return {name: value for name, value in values.items() if getattr(row, name) != value}


def status_route(uow: UnitOfWork, tenant_id, person_id, to_status: str, effective_on: date, note: str | None,
                 recorded_by, today: date):
    """The status route records the decision it reports: the milestone step of the new status
    (steps before it not yet on record stay so), or a withdrawal back to non_party."""
    row = lookups.active_person(uow.session, tenant_id, person_id)
    statuses.check_transition(row.political_status, to_status)
    if effective_on > today:
        raise InvalidInput.field("effective_on", "must not be in the future")
    _not_before_status(row, effective_on, "effective_on")
    if to_status == "non_party":
        close_record(uow.session, tenant_id, [person_id], effective_on, "status_route")
        return change_status(uow, tenant_id, row, to_status, effective_on, note)
    code = steps.MILESTONE_OF[to_status]
    done = done_steps(uow.session, tenant_id, person_id)
    try:
        steps.check_backfill([(code, effective_on)], today, done)
    except steps.StepRefused as exc:
        raise InvalidInput.field("effective_on" if exc.field.endswith("done_on") else "to_status", exc.reason) from None
    rows = record_rows(tenant_id, person_id, [(code, effective_on)], "status_route", recorded_by)
    rows[0]["note"] = note
    write_rows(uow.session, rows)
    return change_status(uow, tenant_id, row, to_status, effective_on, note)


def _ahead(status: str, current: str) -> bool:
    return steps.STATUS_ORDER.index(status) > steps.STATUS_ORDER.index(current)


def _votes(data) -> tuple[int, int, int] | None:
    if data.votes is None:
        return None
    return data.votes.votes_for, data.votes.votes_against, data.votes.votes_abstained


# -- reading -----------------------------------------------------------------------------------

def record_dicts(rows) -> list[dict]:
    out = []
    for r in rows:
        step = steps.BY_CODE.get(r.step)
        body = {"step": r.step, "name_zh": step.name_zh if step else "撤回申请", "stage": step.stage if step else None,
                "done_on": r.done_on.isoformat() if r.done_on else None, "actors": r.actors,
                "materials": list(r.materials or []), "note": r.note, "source": r.source, "current": r.current,
                "recorded_by": str(r.recorded_by) if r.recorded_by else None,
                "recorded_at": r.recorded_at.isoformat()}
        if r.votes_for is not None:
            body["votes"] = {"votes_for": r.votes_for, "votes_against": r.votes_against,
                             "votes_abstained": r.votes_abstained}
        out.append(body)
    return out


def person_record(session, tenant_id, person_id: uuid.UUID, today: date) -> dict:
    row = lookups.person(session, tenant_id, person_id)
    r = models.development_records
    rows = session.execute(select(r).where(r.c.tenant_id == tenant_id, r.c.person_id == person_id)
                           .order_by(r.c.current, r.c.recorded_at, r.c.done_on)).all()
    current = [x for x in rows if x.current]
    done = {x.step: x.done_on for x in current}
    ordered = sorted(current, key=lambda x: steps.INDEX[x.step])
    return {"member_id": str(person_id), "political_status": row.political_status,
            "steps": record_dicts(ordered), "earlier": record_dicts([x for x in rows if not x.current]),
            **_next(done, today)}


def _next(done, today: date) -> dict:
    ahead = steps.progress(done, today)
    step = steps.BY_CODE.get(ahead.next_code) if ahead.next_code else None
    earliest = steps.earliest_date(step, done) if step else None
    return {"next_step": ahead.next_code, "next_step_name_zh": step.name_zh if step else None,
            "actor": step.actor if step else None, "materials": list(step.materials) if step else [],
            "earliest_on": earliest.isoformat() if earliest else None,
            "due_on": ahead.due_on.isoformat() if ahead.due_on else None, "overdue_days": ahead.overdue_days}
