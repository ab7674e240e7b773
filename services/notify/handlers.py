"""The notify service's use cases: notices in, deliveries out, and their configuration."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert

from services.common.contracts.activities import ActivityDayScheduled, ActivityLogged, ActivityRejected
from services.common.contracts.members import (
    MemberJoined, MemberLeft, MemberStatusChanged, MemberTransferred, MemberUpdated,
)
from services.common.contracts.pairing import NeedAssigned, NeedOverdue, NeedResolved, PairingContactOverdue
from services.common.contracts.points import MonthClosed, PointsAwarded
from services.common.db import UnitOfWork, insert_rows, new_id
from services.common.errors import InvalidInput
from services.notify import models, templates
from services.notify.channels import CHANNELS
from services.notify.delivery import NOTIFICATIONS

DELIVERY_STATUSES = ("pending", "sent", "failed")


# -- notices ----------------------------------------------------------------------------------

def _recipient(session, tenant_id: uuid.UUID, person_id: uuid.UUID):
    r = models.recipients
    return session.execute(select(r).where(r.c.tenant_id == tenant_id, r.c.person_id == person_id)).first()


def recipient_unit(session, tenant_id: uuid.UUID, person_id: uuid.UUID) -> uuid.UUID | None:
    """The person's current org unit, as notify's directory knows it; None for a person it does not know."""
    row = _recipient(session, tenant_id, person_id)
    return row.org_unit_id if row is not None else None


def _add_delivery(uow: UnitOfWork, tenant_id, cause, notice, channel, title, body, **target) -> None:
    uow.session.execute(
        insert(models.deliveries).values(
            id=new_id(), tenant_id=tenant_id, cause=cause, notice=notice, channel=channel,
            title=title[:200], body=body, **target,
        ).on_conflict_do_nothing(constraint="uq_deliveries_tenant_cause_channel")
    )


@dataclass(frozen=True)
class PersonNotice:
    """One notice for one person; `cause` makes it idempotent (one inbox message per cause)."""

    tenant_id: uuid.UUID
    person_id: uuid.UUID
    notice: str
    cause: str
    fields: dict
    org_unit_id: uuid.UUID | None = None


def notify_person(uow: UnitOfWork, tenant_id: uuid.UUID, person_id: uuid.UUID, notice: str, cause: str,
                  fields: dict, org_unit_id: uuid.UUID | None = None) -> None:
    """The inbox always; email and robots as the person prefers. Idempotent by `cause`."""
    notify_people(uow, [PersonNotice(tenant_id, person_id, notice, cause, fields, org_unit_id)])


def notify_people(uow: UnitOfWork, notices: list[PersonNotice]) -> None:
    """`notify_person` for many notices in a fixed number of statements: the recipients and the
    robots read once, the inbox messages and the deliveries written in one insert each."""
    unique: dict[tuple, PersonNotice] = {}
    for n in notices:
        unique.setdefault((n.tenant_id, n.cause), n)  # one notice per cause, also within a batch
    notices = list(unique.values())
    if not notices:
        return
    session = uow.session
    r, inbox, d = models.recipients, models.inbox_messages, models.deliveries
    people = list({(n.tenant_id, n.person_id) for n in notices})
    recipients = {(row.tenant_id, row.person_id): row for row in session.execute(
        select(r).where(tuple_(r.c.tenant_id, r.c.person_id).in_(people))).all()}
    texts = []
    for n in notices:
        recipient = recipients.get((n.tenant_id, n.person_id))
        texts.append(templates.render(n.notice, recipient.language if recipient else "zh", **n.fields))
    inserted = set(session.execute(
        insert(inbox).on_conflict_do_nothing(constraint="uq_inbox_tenant_cause").returning(inbox.c.tenant_id, inbox.c.cause),
        [dict(id=new_id(), tenant_id=n.tenant_id, person_id=n.person_id, cause=n.cause, template=n.notice,
              title=title, body=body) for n, (title, body) in zip(notices, texts)]).all())
    # A cause already noticed (a redelivery after a lost marker) sends nothing more.
    fresh = [(n, text_) for n, text_ in zip(notices, texts) if (n.tenant_id, n.cause) in inserted]
    if not fresh:
        return
    NOTIFICATIONS.labels("inbox", "sent").inc(len(fresh))
    insert_rows(
        session,
        insert(d).values(channel="inbox", status="sent", attempts=1, finished_at=func.now())
        .on_conflict_do_nothing(constraint="uq_deliveries_tenant_cause_channel"),
        [dict(id=new_id(), tenant_id=n.tenant_id, cause=n.cause, notice=n.notice, person_id=n.person_id,
              org_unit_id=n.org_unit_id, title=title, body=body) for n, (title, body) in fresh])
    wanted = []  # (notice, title, body, recipient, unit, channels) of those with channels beyond the inbox
    for n, (title, body) in fresh:
        recipient = recipients.get((n.tenant_id, n.person_id))
        if recipient is None:
            continue
        preferred = recipient.preferences.get(
            n.notice, recipient.preferences.get(templates.PREFERENCE_FALLBACK.get(n.notice)))
        channels = preferred if preferred is not None else (["email"] if recipient.email else [])
        if channels:
            wanted.append((n, title, body, recipient, n.org_unit_id or recipient.org_unit_id, channels))
    robots = _robots(session, {(n.tenant_id, unit) for n, _, _, _, unit, channels in wanted
                                  if unit is not None and any(c != "email" for c in channels)})
    rows = []
    for n, title, body, recipient, unit, channels in wanted:
        for channel in channels:
            target = dict(person_id=n.person_id, org_unit_id=unit, address=None, robot_id=None)
            if channel == "email":
                # No address is still a delivery: it fails permanently, visibly, in the log.
                target["address"] = recipient.email
                text_ = body
            elif channel in robots.get((n.tenant_id, unit), {}):
                target["robot_id"] = robots[(n.tenant_id, unit)][channel].id
                text_ = f"{recipient.name or ''} {body}".strip()
            else:
                continue
            rows.append(dict(id=new_id(), tenant_id=n.tenant_id, cause=n.cause, notice=n.notice, channel=channel,
                             title=title[:200], body=text_, **target))
    insert_rows(session, insert(d).on_conflict_do_nothing(constraint="uq_deliveries_tenant_cause_channel"), rows)


def _robots(session, units: set[tuple]) -> dict[tuple, dict]:
    """The enabled robots of each (tenant, unit) pair, by kind, in one read."""
    if not units:
        return {}
    r = models.robots
    found: dict[tuple, dict] = {}
    for row in session.execute(select(r).where(tuple_(r.c.tenant_id, r.c.org_unit_id).in_(list(units)),
                                               r.c.enabled.is_(True))).all():
        found.setdefault((row.tenant_id, row.org_unit_id), {})[row.kind] = row
    return found


def notify_branch(uow: UnitOfWork, tenant_id: uuid.UUID, org_unit_id: uuid.UUID, notice: str, cause: str,
                  fields: dict) -> None:
    """A notice to a branch's group chats: one delivery per enabled robot."""
    title, body = templates.render(notice, "zh", **fields)
    for kind, robot in _robots(uow.session, {(tenant_id, org_unit_id)}).get((tenant_id, org_unit_id), {}).items():
        _add_delivery(uow, tenant_id, cause, notice, kind, title, body, org_unit_id=org_unit_id, robot_id=robot.id)


def _missing_duties_named(reason: str) -> list[str]:
    """The duty keys a month-close reason lists ("month close: 2 duties missing (a, b)"), if any."""
    inside = reason.rpartition("(")[2].rstrip(")")
    return [k.strip() for k in inside.split(",") if k.strip() in templates.KIND_NAMES_ZH]


def notices_for_points(uow: UnitOfWork, events: list[PointsAwarded]) -> None:
    """One notice per ledger entry, for a batch of entries at once."""
    notify_people(uow, [_points_notice(event) for event in events])


def _points_notice(event: PointsAwarded) -> PersonNotice:
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
    return PersonNotice(
        event.tenant_id, event.member_id, notice, f"points_awarded:{event.entry_id}",
        {"kind": kind, "kind_name": kind_name,
         "delta_signed": f"{event.delta:+d}", "period": event.period, "period_total": event.period_total},
        org_unit_id=event.org_unit_id)


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


def follow_rename(uow: UnitOfWork, event: MemberUpdated) -> None:
    """The name notices greet a person by. Not the email: the directory's address is the one the
    person chose for notices (preferences), which a roster edit must not overwrite."""
    if "name" not in event.fields or event.name is None:
        return
    r = models.recipients
    uow.session.execute(
        update(r).where(r.c.tenant_id == event.tenant_id, r.c.person_id == event.member_id)
        .values(name=event.name, updated_at=func.now())
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


def mark_duties(uow: UnitOfWork, events: list[ActivityLogged]) -> None:
    """Remember which of the four duties each member did in a month, for a batch in one insert."""
    rows = [dict(tenant_id=e.tenant_id, activity_id=e.activity_id, person_id=e.member_id, period=e.period,
                 kind=e.kind) for e in events if e.kind in templates.FOUR_DUTIES]
    insert_rows(uow.session, insert(models.duty_marks).on_conflict_do_nothing(), rows)


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
