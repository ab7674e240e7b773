"""The notify service's use cases: notices in, deliveries out, and their configuration."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert

from services.common.contracts.activities import ActivityDayScheduled, ActivityLogged, ActivityRejected
from services.common.contracts.members import MemberJoined, MemberLeft, MemberStatusChanged, MemberTransferred
from services.common.contracts.pairing import NeedAssigned, NeedOverdue, NeedResolved, PairingContactOverdue
from services.common.contracts.points import MonthClosed, PointsAwarded
from services.common.db import UnitOfWork, new_id
from services.common.errors import InvalidInput
from services.notify import models, templates
from services.notify.channels import CHANNELS
from services.notify.delivery import NOTIFICATIONS

DELIVERY_STATUSES = ("pending", "sent", "failed")


# -- notices ----------------------------------------------------------------------------------

def _recipient(session, tenant_id: uuid.UUID, person_id: uuid.UUID):
    r = models.recipients
    return session.execute(select(r).where(r.c.tenant_id == tenant_id, r.c.person_id == person_id)).first()


def _robots(session, tenant_id: uuid.UUID, org_unit_id: uuid.UUID | None) -> dict:
    if org_unit_id is None:
        return {}
    r = models.robots
    rows = session.execute(
        select(r).where(r.c.tenant_id == tenant_id, r.c.org_unit_id == org_unit_id, r.c.enabled.is_(True))
    ).all()
    return {row.kind: row for row in rows}


def _add_delivery(uow: UnitOfWork, tenant_id, cause, notice, channel, title, body, **target) -> None:
    uow.session.execute(
        insert(models.deliveries).values(
            id=new_id(), tenant_id=tenant_id, cause=cause, notice=notice, channel=channel,
            title=title[:200], body=body, **target,
        ).on_conflict_do_nothing(constraint="uq_deliveries_tenant_cause_channel")
    )


def notify_person(uow: UnitOfWork, tenant_id: uuid.UUID, person_id: uuid.UUID, notice: str, cause: str,
                  fields: dict, org_unit_id: uuid.UUID | None = None) -> None:
    """The inbox always; email and robots as the person prefers. Idempotent by `cause`."""
    recipient = _recipient(uow.session, tenant_id, person_id)
    language = recipient.language if recipient else "zh"
    title, body = templates.render(notice, language, **fields)
    inserted = uow.session.execute(
        insert(models.inbox_messages).values(
            id=new_id(), tenant_id=tenant_id, person_id=person_id, cause=cause, template=notice,
            title=title, body=body,
        ).on_conflict_do_nothing(constraint="uq_inbox_tenant_cause").returning(models.inbox_messages.c.id)
    ).first()
    if inserted is None:
        return  # this cause was already noticed: nothing more to send
    NOTIFICATIONS.labels("inbox", "sent").inc()
    uow.session.execute(
        insert(models.deliveries).values(
            id=new_id(), tenant_id=tenant_id, cause=cause, notice=notice, channel="inbox", person_id=person_id,
            org_unit_id=org_unit_id, title=title, body=body, status="sent", attempts=1,
            finished_at=func.now(),
        ).on_conflict_do_nothing(constraint="uq_deliveries_tenant_cause_channel")
    )
    if recipient is None:
        return
    org_unit_id = org_unit_id or recipient.org_unit_id
    preferred = recipient.preferences.get(notice, recipient.preferences.get(templates.PREFERENCE_FALLBACK.get(notice)))
    channels = preferred if preferred is not None else (["email"] if recipient.email else [])
    robots = _robots(uow.session, tenant_id, org_unit_id)
    for channel in channels:
        if channel == "email":
            # No address is still a delivery: it fails permanently, visibly, in the log.
            _add_delivery(uow, tenant_id, cause, notice, "email", title, body, person_id=person_id,
                          org_unit_id=org_unit_id, address=recipient.email)
        elif channel in robots:
            name = recipient.name or ""
            _add_delivery(uow, tenant_id, cause, notice, channel, title, f"{name} {body}".strip(),
                          person_id=person_id, org_unit_id=org_unit_id, robot_id=robots[channel].id)


def notify_branch(uow: UnitOfWork, tenant_id: uuid.UUID, org_unit_id: uuid.UUID, notice: str, cause: str,
                  fields: dict) -> None:
    """A notice to a branch's group chats: one delivery per enabled robot."""
    title, body = templates.render(notice, "zh", **fields)
    for kind, robot in _robots(uow.session, tenant_id, org_unit_id).items():
        _add_delivery(uow, tenant_id, cause, notice, kind, title, body, org_unit_id=org_unit_id, robot_id=robot.id)


def _missing_duties_named(reason: str) -> list[str]:
    """The duty keys a month-close reason lists ("month close: 2 duties missing (a, b)"), if any."""
    inside = reason.rpartition("(")[2].rstrip(")")
    return [k.strip() for k in inside.split(",") if k.strip() in templates.KIND_NAMES_ZH]


def notice_for_points(uow: UnitOfWork, event: PointsAwarded) -> None:
    kind_name = templates.POINTS_KIND_NAMES_ZH.get(event.kind, event.kind)
    kind = event.kind
    if event.delta < 0:
        notice = "points_deducted"
        kind = templates.POINTS_KIND_NAMES_EN.get(event.kind, event.kind)
        missing = _missing_duties_named(event.reason) if event.kind == "four_duties" else []
        if missing:
            kind_name += "（" + "、".join(templates.KIND_NAMES_ZH[k] for k in missing) + "）"
            kind += " (" + ", ".join(templates.KIND_NAMES_EN[k] for k in missing) + ")"
    else:
        notice = "points_awarded"
    # The cause stays points_awarded:<entry> whichever wording is used: one notice per ledger entry.
    notify_person(
        uow, event.tenant_id, event.member_id, notice, f"points_awarded:{event.entry_id}",
        {"kind": kind, "kind_name": kind_name,
         "delta_signed": f"{event.delta:+d}", "period": event.period, "period_total": event.period_total},
        org_unit_id=event.org_unit_id,
    )


# -- pairings and needs (members announces; notify tells the people concerned) -----------------

def _tell_secretaries(uow: UnitOfWork, tenant_id, org_unit_id, secretary_ids, notice: str, cause: str,
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
        _tell_secretaries(uow, event.tenant_id, event.org_unit_id, event.secretary_ids, "pairing_contact_escalated",
                          f"pairing_contact_escalated:{event.pairing_id}:{event.due_on.isoformat()}", fields)


def escalate_need(uow: UnitOfWork, event: NeedOverdue) -> None:
    fields = {"need_title": event.title, "raised_by_name": event.raised_by_name,
              "raised_on": event.raised_on.isoformat(), "status": event.status,
              "status_name": templates.NEED_STATUS_NAMES_ZH[event.status], "days_overdue": event.days_overdue}
    _tell_secretaries(uow, event.tenant_id, event.org_unit_id, event.secretary_ids, "need_overdue",
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


def statement_for_month(uow: UnitOfWork, event: MonthClosed) -> None:
    notify_branch(
        uow, event.tenant_id, event.org_unit_id, "points_statement",
        f"points_statement:{event.org_unit_id}:{event.period}",
        {"period": event.period, "members": event.members,
         "deductions": event.deductions, "missing_duties": event.missing_duties,
         "unexcused_absences": event.unexcused_absences},
    )


def send_notice(uow: UnitOfWork, tenant_id: uuid.UUID, notice, cause: str) -> dict:
    full_cause = f"manual:{notice.notice}:{cause}"
    if notice.notice in templates.PERSON_NOTICES:
        notify_person(uow, tenant_id, notice.person_id, notice.notice, full_cause, notice.fields, notice.org_unit_id)
    else:
        notify_branch(uow, tenant_id, notice.org_unit_id, notice.notice, full_cause, notice.fields)
    d = models.deliveries
    rows = uow.session.execute(
        select(d).where(d.c.tenant_id == tenant_id, d.c.cause == full_cause).order_by(d.c.channel)
    ).all()
    return {"cause": full_cause, "deliveries": [_delivery_dict(r) for r in rows]}


# -- the directory ----------------------------------------------------------------------------

def remember_member(uow: UnitOfWork, event: MemberJoined) -> None:
    r = models.recipients
    known = {"org_unit_id": event.org_unit_id, "name": event.name, "political_status": event.political_status}
    uow.session.execute(
        insert(r).values(tenant_id=event.tenant_id, person_id=event.member_id, **known)
        .on_conflict_do_update(index_elements=[r.c.tenant_id, r.c.person_id],
                               set_={**known, "left_on": None, "updated_at": func.now()})
    )


def follow_status(uow: UnitOfWork, event: MemberStatusChanged) -> None:
    r = models.recipients
    uow.session.execute(
        update(r).where(r.c.tenant_id == event.tenant_id, r.c.person_id == event.member_id)
        .values(political_status=event.to_status, updated_at=func.now())
    )


def forget_member(uow: UnitOfWork, event: MemberLeft) -> None:
    r = models.recipients
    uow.session.execute(
        update(r).where(r.c.tenant_id == event.tenant_id, r.c.person_id == event.member_id)
        .values(left_on=event.left_on, updated_at=func.now())
    )


def remember_activity_day(uow: UnitOfWork, event: ActivityDayScheduled) -> None:
    a = models.activity_days
    values = {"org_unit_id": event.org_unit_id, "held_on": event.held_on}
    uow.session.execute(
        insert(a).values(tenant_id=event.tenant_id, day_id=event.day_id, **values)
        .on_conflict_do_update(index_elements=[a.c.tenant_id, a.c.day_id], set_=values)
    )


def mark_duty(uow: UnitOfWork, event: ActivityLogged) -> None:
    if event.kind not in templates.FOUR_DUTIES:
        return
    uow.session.execute(
        insert(models.duty_marks).values(
            tenant_id=event.tenant_id, activity_id=event.activity_id, person_id=event.member_id,
            period=event.period, kind=event.kind,
        ).on_conflict_do_nothing()
    )


def unmark_duty(uow: UnitOfWork, event: ActivityRejected) -> None:
    m = models.duty_marks
    uow.session.execute(delete(m).where(m.c.tenant_id == event.tenant_id, m.c.activity_id == event.activity_id))


def follow_transfer(uow: UnitOfWork, event: MemberTransferred) -> None:
    r = models.recipients
    uow.session.execute(
        update(r).where(r.c.tenant_id == event.tenant_id, r.c.person_id == event.member_id)
        .values(org_unit_id=event.to_org_unit_id, updated_at=func.now())
    )


def _preferences_dict(row, person_id) -> dict:
    # name and org_unit_id are what notify learnt from the roster's events (read only here).
    if row is None:
        return {"person_id": str(person_id), "email": None, "language": "zh", "notices": {},
                "name": None, "org_unit_id": None}
    return {"person_id": str(row.person_id), "email": row.email, "language": row.language,
            "notices": row.preferences, "name": row.name,
            "org_unit_id": str(row.org_unit_id) if row.org_unit_id else None}


def get_preferences(session, tenant_id: uuid.UUID, person_id: uuid.UUID) -> dict:
    return _preferences_dict(_recipient(session, tenant_id, person_id), person_id)


def set_preferences(uow: UnitOfWork, tenant_id: uuid.UUID, person_id: uuid.UUID, prefs) -> dict:
    r = models.recipients
    values = {"email": prefs.email, "language": prefs.language, "preferences": prefs.notices}
    row = uow.session.execute(
        insert(r).values(tenant_id=tenant_id, person_id=person_id, **values)
        .on_conflict_do_update(index_elements=[r.c.tenant_id, r.c.person_id], set_={**values, "updated_at": func.now()})
        .returning(r)
    ).first()
    return _preferences_dict(row, person_id)


def _robot_dict(row) -> dict:
    return {"id": str(row.id), "org_unit_id": str(row.org_unit_id), "kind": row.kind,
            "webhook_url": row.webhook_url, "signed": bool(row.secret), "enabled": row.enabled}


def put_robot(uow: UnitOfWork, tenant_id: uuid.UUID, org_unit_id: uuid.UUID, kind: str, robot) -> dict:
    if kind == "dingtalk" and not robot.secret:
        raise InvalidInput.field("secret", "required for a DingTalk robot (its requests are signed)")
    r = models.robots
    values = {"webhook_url": robot.webhook_url, "secret": robot.secret, "enabled": robot.enabled}
    row = uow.session.execute(
        insert(r).values(id=new_id(), tenant_id=tenant_id, org_unit_id=org_unit_id, kind=kind, **values)
        .on_conflict_do_update(constraint="uq_robots_branch_kind", set_={**values, "updated_at": func.now()})
        .returning(r)
    ).first()
    return _robot_dict(row)


def list_robots(session, tenant_id: uuid.UUID, org_unit_id: uuid.UUID) -> list[dict]:
    r = models.robots
    rows = session.execute(
        select(r).where(r.c.tenant_id == tenant_id, r.c.org_unit_id == org_unit_id).order_by(r.c.kind)
    ).all()
    return [_robot_dict(row) for row in rows]


# -- reading --------------------------------------------------------------------------------

def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _delivery_dict(row) -> dict:
    return {
        "id": str(row.id), "cause": row.cause, "notice": row.notice, "channel": row.channel,
        "person_id": str(row.person_id) if row.person_id else None,
        "org_unit_id": str(row.org_unit_id) if row.org_unit_id else None,
        "title": row.title, "status": row.status, "attempts": row.attempts, "last_error": row.last_error,
        "created_at": _iso(row.created_at), "finished_at": _iso(row.finished_at),
        "next_attempt_at": _iso(row.next_attempt_at) if row.status == "pending" else None,
    }


def deliveries(session, tenant_id: uuid.UUID, status: str | None, channel: str | None,
               person_id: uuid.UUID | None, limit: int, offset: int) -> dict:
    if status is not None and status not in DELIVERY_STATUSES:
        raise InvalidInput.field("status", f"expected one of {', '.join(DELIVERY_STATUSES)}")
    if channel is not None and channel not in CHANNELS:
        raise InvalidInput.field("channel", f"expected one of {', '.join(CHANNELS)}")
    d = models.deliveries
    query = select(d).where(d.c.tenant_id == tenant_id)
    if status:
        query = query.where(d.c.status == status)
    if channel:
        query = query.where(d.c.channel == channel)
    if person_id:
        query = query.where(d.c.person_id == person_id)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(query.order_by(d.c.created_at.desc(), d.c.id).limit(limit).offset(offset)).all()
    return {"items": [_delivery_dict(r) for r in rows], "total": total, "limit": limit, "offset": offset}


def inbox(session, tenant_id: uuid.UUID, person_id: uuid.UUID, limit: int, offset: int) -> dict:
    m = models.inbox_messages
    rows = session.execute(
        select(m).where(m.c.tenant_id == tenant_id, m.c.person_id == person_id)
        .order_by(m.c.created_at.desc(), m.c.id).limit(limit).offset(offset)
    ).all()
    return {"items": [{"id": str(r.id), "template": r.template, "title": r.title, "body": r.body,
                       "created_at": r.created_at.isoformat(), "read": r.read_at is not None} for r in rows],
            "limit": limit, "offset": offset}
