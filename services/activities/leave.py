"""Leave (请假): asked by the member before the meeting starts, approved or refused by an
officer of the meeting's unit. Approved leave is not absence."""
from __future__ import annotations

from services.activities import meeting_rules as rules
from services.activities.meetings import attendees, meeting_row, read, set_attendance
from services.common.contracts.api.activities import LeaveDecision, LeaveRequest
from services.common.db import UnitOfWork, utcnow
from services.common.errors import Conflict, InvalidInput
from services.common.tenancy import Caller


def ask(uow: UnitOfWork, tenant_id, meeting_id, data: LeaveRequest, caller: Caller) -> dict:
    meeting = meeting_row(uow.session, tenant_id, meeting_id, lock=True)
    record = attendees(uow.session, meeting).get(caller.caller_id)
    status = rules.ask_leave(meeting["starts_at"], utcnow(), record["status"] if record else None, meeting["status"])
    set_attendance(uow, meeting, caller.caller_id, record, status, leave_reason=data.reason, leave_refusal=None)
    return {"meeting_id": str(meeting_id), "member_id": str(caller.caller_id), "status": status,
            "leave_reason": data.reason}


def decide(uow: UnitOfWork, tenant_id, meeting_id, data: LeaveDecision, caller: Caller) -> dict:
    meeting = meeting_row(uow.session, tenant_id, meeting_id, lock=True)
    caller.require_manages(meeting["org_unit_id"])
    if meeting["status"] == rules.CLOSED:
        raise Conflict("this meeting is closed")
    record = attendees(uow.session, meeting).get(data.member_id)
    if record is None:
        raise InvalidInput.field("member_id", "not invited to this meeting")
    if data.decision == "refuse" and not data.reason:
        raise InvalidInput.field("reason", "a refusal says why")
    status = rules.after(f"{data.decision}_leave", record["status"])
    set_attendance(uow, meeting, data.member_id, record, status, leave_decided_by=caller.caller_id,
                   leave_refusal=data.reason if data.decision == "refuse" else None)
    return read(uow.session, tenant_id, meeting_id, caller)
