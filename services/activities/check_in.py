"""Check-in (签到): an attendee checks themself in with the code shown in the room, within the
window around the start; or the secretary records the whole list at once, at any time before
the close (a meeting recorded afterwards from the paper sign-in sheet)."""
from __future__ import annotations

from services.activities import meeting_rules as rules
from services.activities.meetings import attendees, meeting_row, read, set_attendance
from services.common.contracts.api.activities import AttendanceList, CheckIn
from services.common.db import UnitOfWork, utcnow
from services.common.errors import Conflict, InvalidInput
from services.common.tenancy import Caller


def check_in(uow: UnitOfWork, tenant_id, meeting_id, data: CheckIn, caller: Caller,
             window: rules.CheckInWindow) -> dict:
    meeting = meeting_row(uow.session, tenant_id, meeting_id, lock=True)
    expected = attendees(uow.session, meeting)
    record = expected.get(caller.caller_id)
    now = utcnow()
    status = rules.check_in(window, meeting["starts_at"], now, data.code, meeting["check_in_code"],
                            record["status"] if record else None, meeting["status"])
    set_attendance(uow, meeting, caller.caller_id, record, status, checked_in_at=now, recorded_by=caller.caller_id)
    return {"meeting_id": str(meeting_id), "member_id": str(caller.caller_id), "status": status,
            "checked_in_at": now.isoformat()}


def record_list(uow: UnitOfWork, tenant_id, meeting_id, data: AttendanceList, caller: Caller,
                window: rules.CheckInWindow) -> dict:
    """All of the list recorded, or none of it (the first bad entry names itself)."""
    meeting = meeting_row(uow.session, tenant_id, meeting_id, lock=True)
    caller.require_manages(meeting["org_unit_id"])
    if meeting["status"] == rules.CLOSED:
        raise Conflict("this meeting is closed")
    expected = attendees(uow.session, meeting)
    now = utcnow()
    for index, entry in enumerate(data.records):
        record = expected.get(entry.member_id)
        if record is None:
            raise InvalidInput.field(f"records.{index}.member_id", "not invited to this meeting")
        if entry.status == rules.EXCUSED and not (entry.leave_reason or record["leave_reason"]):
            raise InvalidInput.field(f"records.{index}.leave_reason", "approved leave needs a reason")
        if entry.status == rules.CHECKED_IN and now < meeting["starts_at"] - window.before:
            raise InvalidInput.field(f"records.{index}.status", "nobody is checked in before the meeting")
        columns = {"recorded_by": caller.caller_id}
        if entry.status == rules.CHECKED_IN:
            columns["checked_in_at"] = record["checked_in_at"] or now
        if entry.status == rules.EXCUSED:
            columns.update(leave_reason=entry.leave_reason or record["leave_reason"], leave_decided_by=caller.caller_id)
        set_attendance(uow, meeting, entry.member_id, record, rules.after("record", entry.status), **columns)
    return read(uow.session, tenant_id, meeting_id, caller)
