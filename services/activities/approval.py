"""Approval: an officer of the unit an activity was logged in approves, rejects or corrects it.

Which decision may be taken in which status is services.activities.statuses; this module locks
the row, writes the decision and publishes the event it causes, in one transaction.
"""
from __future__ import annotations

import uuid

from sqlalchemy import select

from services.activities import models, statuses
from services.activities.activity_log import activity_dict, activity_row, facts
from services.activities.kinds import kind_of
from services.activities.read_model import tree
from services.common.contracts.api.activities import Correction
from services.common.contracts.activities import ActivityApproved, ActivityCorrected, ActivityRejected
from services.common.db import UnitOfWork, utcnow
from services.common.errors import InvalidInput
from services.common.tenancy import Caller


def _decide(uow: UnitOfWork, row: dict, caller_id, **values) -> dict:
    values.update(decided_by=caller_id, decided_at=utcnow())
    uow.session.execute(models.activities.update().where(models.activities.c.id == row["id"]).values(**values))
    row.update(values)
    return row


def _decision_on(uow: UnitOfWork, tenant_id, activity_id, caller: Caller) -> dict:
    """The activity an officer decides on, locked; only the officers of the unit it was logged in."""
    row = activity_row(uow.session, tenant_id, activity_id, lock=True)
    caller.require_manages(row["org_unit_id"])
    return row


def approve(uow: UnitOfWork, tenant_id, activity_id, caller: Caller) -> dict:
    row = _decision_on(uow, tenant_id, activity_id, caller)
    status = statuses.after("approve", row["status"])
    row = _decide(uow, row, caller.caller_id, status=status)
    uow.publish(ActivityApproved(tenant_id=tenant_id, **facts(row)))
    return activity_dict(row)


def reject(uow: UnitOfWork, tenant_id, activity_id, caller: Caller, reason: str) -> dict:
    row = _decision_on(uow, tenant_id, activity_id, caller)
    status = statuses.after("reject", row["status"])
    row = _decide(uow, row, caller.caller_id, status=status, decision_reason=reason)
    uow.publish(ActivityRejected(tenant_id=tenant_id, reason=reason, **facts(row)))
    return activity_dict(row)


def correct(uow: UnitOfWork, tenant_id, activity_id, caller: Caller, data: Correction) -> dict:
    row = _decision_on(uow, tenant_id, activity_id, caller)
    kind = kind_of(uow.session, tenant_id, row["kind"])
    statuses.after("correct", row["status"])  # the status stays; only whether it may be corrected
    if kind.unit == "occurrence":
        raise InvalidInput.field("quantity", f"{row['kind']} is counted per occurrence; nothing to correct")
    if data.quantity > kind.max_quantity:
        raise InvalidInput.field("quantity", f"at most {kind.max_quantity} {kind.unit}s in one log")
    previous = row["quantity"]
    row = _decide(uow, row, caller.caller_id, quantity=data.quantity, decision_reason=data.reason)
    uow.publish(ActivityCorrected(tenant_id=tenant_id, previous_quantity=previous, reason=data.reason, **facts(row)))
    return activity_dict(row)


def list_pending(session, tenant_id: uuid.UUID, org_unit_id: uuid.UUID | None) -> list[dict]:
    """What waits for a decision: the tenant's, or a unit's and every unit's below it (a branch's
    list includes its groups, whose officers are the branch's)."""
    query = select(models.activities).where(
        models.activities.c.tenant_id == tenant_id, models.activities.c.status == statuses.SUBMITTED)
    if org_unit_id:
        query = query.where(models.activities.c.org_unit_id.in_(tree(session, tenant_id).subtree(org_unit_id)))
    return [activity_dict(r) for r in session.execute(query.order_by(models.activities.c.created_at)).all()]
