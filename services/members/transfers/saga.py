"""A transfer between colleges as a saga over members' own events, each step changing one
college's rows only and recorded in its row's state:

  origin issues      outgoing row `issued`   -> inter_tenant_transfer_issued
  destination hears  incoming row `pending`  (or, for a code no college has, the same answer as
                                              any refusal)
  destination acts   incoming `accepted` with the person joined afresh, or `refused`, or
                     `expired` by the scan      -> inter_tenant_transfer_answered
  origin hears       outgoing `accepted` with the person gone from its roster, or `refused`/
                     `expired` with the person kept

Every consumer step is idempotent (processed events, the rows' states, the unique transfer id per
college), so a service restarted between steps picks up where it stopped. Points, dues and
activity history stay with the origin; the destination starts the person fresh.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from services.common.contracts.members import MemberJoined
from services.common.contracts.transfers import (
    InterTenantTransferAnswered, InterTenantTransferConcluded, InterTenantTransferIssued, StatusSpell,
    TransferParticulars,
)
from services.common.db import UnitOfWork, new_id, utcnow
from services.common.errors import Conflict, InvalidInput, NotFound
from services.common.contracts.api import members as member_api
from services.members import lookups, models, people
from services.members.development import records as development_records
from services.members.pairing.rhythm import secretaries
from services.common.contracts.api import transfers as transfers_api
from services.members.transfers import decisions

t = models.inter_tenant_transfers


def _refused(exc: decisions.TransferRefused):
    if exc.conflict:
        return Conflict(f"{exc.field}: {exc.reason}", [{"field": exc.field, "reason": exc.reason}])
    return InvalidInput.field(exc.field, exc.reason)


def _particulars(session, tenant_id, row) -> TransferParticulars:
    h = models.status_history
    spells = session.execute(select(h.c.to_status, h.c.effective_on).where(
        h.c.tenant_id == tenant_id, h.c.person_id == row.id).order_by(h.c.effective_on, h.c.recorded_at)).all()
    return TransferParticulars(
        name=row.name, category=row.category, political_status=row.political_status, applied_on=row.applied_on,
        joined_party_on=row.joined_party_on, full_member_on=row.full_member_on, status_since=row.status_since,
        history=[StatusSpell(to_status=s.to_status, effective_on=s.effective_on) for s in spells][-50:])


def _leave(uow: UnitOfWork, tenant_id, person_id, on: date, letter_no: str, where: str) -> None:
    reason = f"组织关系转出{where}（介绍信 {letter_no}）"[:200]
    people.leave(uow, tenant_id, person_id, member_api.LeaveCreate(left_on=on, reason=reason))


# -- the origin ---------------------------------------------------------------------------------

def issue(uow: UnitOfWork, tenant_id, member_id, data: transfers_api.TransferIssue, issued_by, today: date) -> dict:
    row = lookups.active_person(uow.session, tenant_id, member_id)
    own = lookups.tenant(uow.session, tenant_id)
    try:
        kind = decisions.check_issue(own.code, row.political_status, data.destination_code, data.destination_name,
                                     data.issued_on, today)
    except decisions.TransferRefused as exc:
        raise _refused(exc) from None
    transfer_id = new_id()
    values = {"id": new_id(), "transfer_id": transfer_id, "tenant_id": tenant_id, "side": "outgoing",
              "person_id": member_id, "org_unit_id": row.org_unit_id, "letter_no": data.letter_no,
              "issued_on": data.issued_on, "expires_on": decisions.expires_on(data.issued_on),
              "destination_code": data.destination_code, "destination_name": data.destination_name,
              "decided_by": issued_by, "state": "left" if kind == "outside" else "issued"}
    created = uow.session.execute(insert(t).values(**values).on_conflict_do_nothing(
        index_elements=["tenant_id", "person_id"], index_where=(t.c.side == "outgoing") & (t.c.state == "issued"))
        .returning(t)).first()
    if created is None:
        raise Conflict("member_id: a transfer of this person is already under way",
                       [{"field": "member_id", "reason": "transfer under way"}])
    if kind == "outside":
        # Leaving the deployment: recorded as leaving with the letter, nothing to wait for.
        _leave(uow, tenant_id, member_id, data.issued_on, data.letter_no, f"至{data.destination_name}")
    else:
        uow.publish(InterTenantTransferIssued(
            tenant_id=tenant_id, transfer_id=transfer_id, destination_code=data.destination_code,
            letter_no=data.letter_no, issued_on=data.issued_on, expires_on=created.expires_on,
            particulars=_particulars(uow.session, tenant_id, row)))
    return outgoing_dict(created)


def hear_answer(uow: UnitOfWork, event: InterTenantTransferAnswered) -> None:
    """The origin's last step: the person leaves on acceptance, stays otherwise."""
    out = uow.session.execute(select(t).where(t.c.tenant_id == event.tenant_id, t.c.transfer_id == event.transfer_id,
                                              t.c.side == "outgoing").with_for_update()).first()
    if out is None or out.state != "issued":
        return
    uow.session.execute(t.update().where(t.c.id == out.id).values(
        state=event.outcome, decided_on=event.decided_on, updated_at=utcnow()))
    person = lookups.person(uow.session, event.tenant_id, out.person_id)
    if event.outcome == "accepted" and person.left_at is None:
        _leave(uow, event.tenant_id, out.person_id, min(event.decided_on, date.today()), out.letter_no, "至其他学院")
    uow.publish(InterTenantTransferConcluded(
        tenant_id=event.tenant_id, transfer_id=event.transfer_id, member_id=person.id, member_name=person.name,
        org_unit_id=out.org_unit_id, letter_no=out.letter_no, outcome=event.outcome, decided_on=event.decided_on,
        secretary_ids=secretaries(uow.session, event.tenant_id, out.org_unit_id)))


def outgoing(session, tenant_id, member_id=None) -> list[dict]:
    where = [t.c.tenant_id == tenant_id, t.c.side == "outgoing"]
    if member_id is not None:
        where.append(t.c.person_id == member_id)
    return [outgoing_dict(r) for r in session.execute(select(t).where(*where).order_by(t.c.created_at.desc()))]


def outgoing_dict(row) -> dict:
    return {"transfer_id": str(row.transfer_id), "member_id": str(row.person_id), "letter_no": row.letter_no,
            "issued_on": row.issued_on.isoformat(), "expires_on": row.expires_on.isoformat(),
            "destination_code": row.destination_code, "destination_name": row.destination_name,
            "state": row.state, "decided_on": row.decided_on.isoformat() if row.decided_on else None}


# -- the destination ------------------------------------------------------------------------------

def hear_issue(uow: UnitOfWork, event: InterTenantTransferIssued) -> None:
    """The destination's first step. A code that names no college here (or the origin itself) is
    answered as any refusal: the origin learns nothing from the answer."""
    destination = uow.session.execute(select(models.tenants.c.id).where(
        models.tenants.c.code == event.destination_code)).scalar()
    if destination is None or destination == event.tenant_id:
        uow.publish(InterTenantTransferAnswered(tenant_id=event.tenant_id, transfer_id=event.transfer_id,
                                                outcome="refused", decided_on=date.today()))
        return
    uow.session.execute(insert(t).values(
        id=new_id(), transfer_id=event.transfer_id, tenant_id=destination, side="incoming",
        letter_no=event.letter_no, issued_on=event.issued_on, expires_on=event.expires_on,
        particulars=event.particulars.model_dump(mode="json"), origin_tenant_id=event.tenant_id, state="pending",
    ).on_conflict_do_nothing(constraint="uq_inter_tenant_transfers_tenant_transfer"))


def _incoming_row(session, tenant_id, transfer_id):
    row = session.execute(select(t).where(t.c.tenant_id == tenant_id, t.c.transfer_id == transfer_id,
                                          t.c.side == "incoming").with_for_update()).first()
    try:
        decisions.check_answer(row.state if row else None)
    except decisions.TransferRefused as exc:
        if row is None:
            raise NotFound("incoming transfer not found") from None
        raise _refused(exc) from None
    return row


def _answer(uow: UnitOfWork, row, outcome: str, on: date, values: dict) -> None:
    uow.session.execute(t.update().where(t.c.id == row.id).values(state=outcome, decided_on=on, updated_at=utcnow(),
                                                                 **values))
    uow.publish(InterTenantTransferAnswered(tenant_id=row.origin_tenant_id, transfer_id=row.transfer_id,
                                            outcome=outcome, decided_on=on))


def accept(uow: UnitOfWork, tenant_id, transfer_id, data: transfers_api.TransferAccept, decided_by) -> dict:
    row = _incoming_row(uow.session, tenant_id, transfer_id)
    unit = lookups.open_unit(uow.session, tenant_id, data.org_unit_id, "org_unit_id")
    if unit.kind not in ("branch", "group"):
        raise InvalidInput.field("org_unit_id", "people belong to a branch or a group")
    facts = TransferParticulars.model_validate(row.particulars)
    today = date.today()
    person_id = new_id()
    uow.session.execute(models.people.insert().values(
        id=person_id, tenant_id=tenant_id, org_unit_id=unit.id, name=facts.name, category=facts.category,
        political_status=facts.political_status, applied_on=facts.applied_on, joined_party_on=facts.joined_party_on,
        full_member_on=facts.full_member_on, status_since=facts.status_since, introducers=[]))
    # The status history comes along; the development record starts from its milestones.
    spells = facts.history or [StatusSpell(to_status=facts.political_status,
                                           effective_on=facts.status_since or today)]
    previous = None
    for spell in spells:
        uow.session.execute(models.status_history.insert().values(
            id=new_id(), tenant_id=tenant_id, person_id=person_id, from_status=previous, to_status=spell.to_status,
            effective_on=spell.effective_on, note="组织关系转入"))
        previous = spell.to_status
    milestones = development_records.roster_rows(tenant_id, person_id, facts)
    development_records.write_rows(uow.session, [{**m, "source": "transfer"} for m in milestones])
    uow.publish(MemberJoined(tenant_id=tenant_id, member_id=person_id, org_unit_id=unit.id, name=facts.name,
                             category=facts.category, political_status=facts.political_status))
    _answer(uow, row, "accepted", today, {"person_id": person_id, "org_unit_id": unit.id, "decided_by": decided_by})
    return incoming_dict(lookups_incoming(uow.session, tenant_id, transfer_id))


def refuse(uow: UnitOfWork, tenant_id, transfer_id, data: transfers_api.TransferRefuse, decided_by) -> dict:
    row = _incoming_row(uow.session, tenant_id, transfer_id)
    _answer(uow, row, "refused", date.today(), {"reason": data.reason, "decided_by": decided_by})
    return incoming_dict(lookups_incoming(uow.session, tenant_id, transfer_id))


def expire_lapsed(uow: UnitOfWork, tenant_id, today: date) -> int:
    """The scan's step: requests left unanswered past their letter's validity lapse; the origin is
    told, and the person stays there."""
    rows = uow.session.execute(select(t).where(t.c.tenant_id == tenant_id, t.c.side == "incoming",
                                               t.c.state == "pending", t.c.expires_on < today)
                               .with_for_update(skip_locked=True)).all()
    for row in rows:
        _answer(uow, row, "expired", today, {})
    return len(rows)


def lookups_incoming(session, tenant_id, transfer_id):
    row = session.execute(select(t).where(t.c.tenant_id == tenant_id, t.c.transfer_id == transfer_id,
                                          t.c.side == "incoming")).first()
    if row is None:
        raise NotFound("incoming transfer not found")
    return row


def incoming(session, tenant_id, state: str | None = None) -> list[dict]:
    where = [t.c.tenant_id == tenant_id, t.c.side == "incoming"]
    if state is not None:
        where.append(t.c.state == state)
    return [incoming_dict(r) for r in session.execute(select(t).where(*where).order_by(t.c.created_at.desc()))]


def incoming_dict(row) -> dict:
    """What the destination sees: the person's name, status and dates, the letter, nothing of the origin."""
    return {"transfer_id": str(row.transfer_id), "letter_no": row.letter_no, "issued_on": row.issued_on.isoformat(),
            "expires_on": row.expires_on.isoformat(), "person": row.particulars, "state": row.state,
            "member_id": str(row.person_id) if row.person_id else None,
            "org_unit_id": str(row.org_unit_id) if row.org_unit_id else None,
            "decided_on": row.decided_on.isoformat() if row.decided_on else None, "reason": row.reason}
