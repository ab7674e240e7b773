"""Turning events into notices: points awarded or deducted, the month's statement, pairing
contacts and needs overdue or moving on (members announces them; notify tells the people
concerned), and a notice an officer sends by hand. Each notice's cause names what it is about,
so a redelivered event sends nothing twice."""
from __future__ import annotations

import uuid

from services.common.contracts.pairing import NeedAssigned, NeedOverdue, NeedResolved, PairingContactOverdue
from services.common.contracts.points import MonthClosed, PointsAwarded
from services.common.db import UnitOfWork
from services.notify import templates
from services.notify.delivery_log import deliveries_of_cause
from services.notify.read_model import secretaries_of
from services.notify.sending import PersonNotice, notify_branch, notify_people, notify_person


# -- points -----------------------------------------------------------------------------------

def _missed_duties(event: PointsAwarded) -> list[str]:
    """The duties a month close's deduction is for. Events published before points named them
    (`missed_duties` is optional) may still wait in a queue or be replayed from the dead letters,
    so for those the keys are read from the reason ("month close: 2 duties missing (a, b)")."""
    if event.missed_duties is not None:
        return list(event.missed_duties)
    inside = event.reason.rpartition("(")[2].rstrip(")")
    return [k.strip() for k in inside.split(",") if k.strip() in templates.KIND_NAMES_ZH]


def notices_for_points(uow: UnitOfWork, events: list[PointsAwarded]) -> None:
    """One notice per ledger entry, for a batch of entries at once."""
    notify_people(uow, [points_notice(event) for event in events])


def points_notice(event: PointsAwarded) -> PersonNotice:
    kind_name = templates.POINTS_KIND_NAMES_ZH.get(event.kind, event.kind)
    kind = event.kind
    if event.delta < 0:
        notice = "points_deducted"
        kind = templates.POINTS_KIND_NAMES_EN.get(event.kind, event.kind)
        missing = _missed_duties(event) if event.kind == "four_duties" else []
        if missing:
            kind_name += "（" + "、".join(templates.KIND_NAMES_ZH[k] for k in missing) + "）"
            kind += " (" + ", ".join(templates.KIND_NAMES_EN[k] for k in missing) + ")"
    else:
        notice = "points_awarded"
    # The cause stays points_awarded:<entry> whichever wording is used: one notice per ledger entry.
    return PersonNotice(
        event.tenant_id, event.member_id, notice, f"points_awarded:{event.entry_id}",
        {"kind": kind, "kind_name": kind_name,
         "delta_signed": f"{event.delta:+d}", "period": event.period, "period_total": event.period_total},
        org_unit_id=event.org_unit_id)


def statement_for_month(uow: UnitOfWork, event: MonthClosed) -> None:
    """The branch's month statement: to its group chats, and to each of its secretaries' inboxes."""
    cause = f"points_statement:{event.org_unit_id}:{event.period}"
    fields = {"period": event.period, "members": event.members,
              "deductions": event.deductions, "missing_duties": event.missing_duties,
              "unexcused_absences": event.unexcused_absences}
    notify_branch(uow, event.tenant_id, event.org_unit_id, "points_statement", cause, fields)
    notify_people(uow, [
        PersonNotice(event.tenant_id, secretary, "points_statement_secretary", f"{cause}:{secretary}", fields,
                     org_unit_id=event.org_unit_id)
        for secretary in secretaries_of(uow.session, event.tenant_id, event.org_unit_id)])


# -- pairings and needs -----------------------------------------------------------------------

def tell_secretaries(uow: UnitOfWork, tenant_id, org_unit_id, secretary_ids, notice: str, cause: str,
                      fields: dict) -> None:
    if not secretary_ids:
        # No secretary on record: the branch's group chats hear it instead of nobody.
        notify_branch(uow, tenant_id, org_unit_id, notice, cause, fields)
        return
    for secretary_id in secretary_ids:
        notify_person(uow, tenant_id, secretary_id, notice, f"{cause}:{secretary_id}", fields, org_unit_id=org_unit_id)


def remind_pairing_contact(uow: UnitOfWork, event: PairingContactOverdue) -> None:
    fields = {"partner_name": event.target_label, "mentor_name": event.mentor_name,
              "due_on": event.due_on.isoformat(), "days_overdue": event.days_overdue}
    # Keyed by pairing and due date, not by event: a second announcement of the same lapse is moot.
    if event.level == "mentor":
        notify_person(uow, event.tenant_id, event.mentor_id, "pairing_contact_overdue",
                      f"pairing_contact_overdue:{event.pairing_id}:{event.due_on.isoformat()}", fields,
                      org_unit_id=event.org_unit_id)
    else:
        tell_secretaries(uow, event.tenant_id, event.org_unit_id, event.secretary_ids, "pairing_contact_escalated",
                          f"pairing_contact_escalated:{event.pairing_id}:{event.due_on.isoformat()}", fields)


def escalate_need(uow: UnitOfWork, event: NeedOverdue) -> None:
    fields = {"need_title": event.title, "raised_by_name": event.raised_by_name,
              "raised_on": event.raised_on.isoformat(), "status": event.status,
              "status_name": templates.NEED_STATUS_NAMES_ZH[event.status], "days_overdue": event.days_overdue}
    tell_secretaries(uow, event.tenant_id, event.org_unit_id, event.secretary_ids, "need_overdue",
                      f"need_overdue:{event.need_id}", fields)


def tell_assignee(uow: UnitOfWork, event: NeedAssigned) -> None:
    # A need may be assigned again (reassigned, reopened): each assignment is its own notice.
    notify_person(uow, event.tenant_id, event.assignee_id, "need_assigned", f"need_assigned:{event.event_id}",
                  {"need_title": event.title, "raised_by_name": event.raised_by_name,
                   "raised_on": event.raised_on.isoformat()}, org_unit_id=event.org_unit_id)


def ask_to_confirm(uow: UnitOfWork, event: NeedResolved) -> None:
    notify_person(uow, event.tenant_id, event.raised_by, "need_resolved", f"need_resolved:{event.event_id}",
                  {"need_title": event.title, "raised_on": event.raised_on.isoformat()},
                  org_unit_id=event.org_unit_id)


# -- by hand ----------------------------------------------------------------------------------

def send_notice(uow: UnitOfWork, tenant_id: uuid.UUID, notice, cause: str) -> dict:
    full_cause = f"manual:{notice.notice}:{cause}"
    if notice.notice in templates.PERSON_NOTICES:
        notify_person(uow, tenant_id, notice.person_id, notice.notice, full_cause, notice.fields, notice.org_unit_id)
    else:
        notify_branch(uow, tenant_id, notice.org_unit_id, notice.notice, full_cause, notice.fields)
    return {"cause": full_cause, "deliveries": deliveries_of_cause(uow.session, tenant_id, full_cause)}
