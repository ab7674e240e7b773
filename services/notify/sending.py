"""Sending a notice: to a person, the inbox message at once and a pending delivery per outside
channel they chose; to a branch, a pending delivery per enabled group robot. Idempotent by the
notice's cause. The deliveries are sent later by services.notify.delivery."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import func, select, tuple_
from sqlalchemy.dialects.postgresql import insert

from services.common.db import UnitOfWork, insert_rows, new_id
from services.notify import models, templates
from services.notify.delivery import NOTIFICATIONS
from services.notify.preferences import channels_for, preferred_channels
from services.notify.robots import enabled_robots


@dataclass(frozen=True)
class PersonNotice:
    """One notice for one person; `cause` makes it idempotent (one inbox message per cause)."""

    tenant_id: uuid.UUID
    person_id: uuid.UUID
    notice: str
    cause: str
    fields: dict
    org_unit_id: uuid.UUID | None = None


class _Rendered(NamedTuple):
    notice: PersonNotice
    title: str
    body: str


def one_per_cause(notices: list[PersonNotice]) -> list[PersonNotice]:
    """The first notice of each (tenant, cause), in order: one per cause, also within a batch."""
    unique: dict[tuple, PersonNotice] = {}
    for n in notices:
        unique.setdefault((n.tenant_id, n.cause), n)
    return list(unique.values())


def notify_person(uow: UnitOfWork, tenant_id: uuid.UUID, person_id: uuid.UUID, notice: str, cause: str,
                  fields: dict, org_unit_id: uuid.UUID | None = None) -> None:
    """The inbox always; email and robots as the person prefers. Idempotent by `cause`."""
    notify_people(uow, [PersonNotice(tenant_id, person_id, notice, cause, fields, org_unit_id)])


def notify_people(uow: UnitOfWork, notices: list[PersonNotice]) -> None:
    """`notify_person` for many notices in a fixed number of statements: the recipients and the
    robots read once, the inbox messages and the deliveries written in one insert each."""
    notices = one_per_cause(notices)
    if not notices:
        return
    session = uow.session
    recipients = _recipients(session, notices)
    rendered = [_render(n, recipients.get((n.tenant_id, n.person_id))) for n in notices]
    # A cause already noticed (a redelivery after a lost marker) sends nothing more.
    fresh = _into_inboxes(session, rendered)
    if not fresh:
        return
    NOTIFICATIONS.labels("inbox", "sent").inc(len(fresh))
    _log_inbox_deliveries(session, fresh)
    insert_rows(session, _new_deliveries(), _outside_deliveries(session, fresh, recipients))


def _new_deliveries():
    """An insert of deliveries that skips a (tenant, cause, channel) already there: a replayed
    cause sends nothing twice."""
    return insert(models.deliveries).on_conflict_do_nothing(constraint="uq_deliveries_tenant_cause_channel")


def _recipients(session, notices: list[PersonNotice]) -> dict[tuple, object]:
    """The directory rows of the notices' people, by (tenant, person), in one read."""
    r = models.recipients
    people = list({(n.tenant_id, n.person_id) for n in notices})
    return {(row.tenant_id, row.person_id): row for row in session.execute(
        select(r).where(tuple_(r.c.tenant_id, r.c.person_id).in_(people))).all()}


def _render(notice: PersonNotice, recipient) -> _Rendered:
    title, body = templates.render(notice.notice, recipient.language if recipient else "zh", **notice.fields)
    return _Rendered(notice, title, body)


def _into_inboxes(session, rendered: list[_Rendered]) -> list[_Rendered]:
    """Write the inbox messages; return those of causes not noticed before."""
    inbox = models.inbox_messages
    statement = (insert(inbox).on_conflict_do_nothing(constraint="uq_inbox_tenant_cause")
                 .returning(inbox.c.tenant_id, inbox.c.cause))
    inserted = set(session.execute(
        statement,
        [dict(id=new_id(), tenant_id=n.tenant_id, person_id=n.person_id, cause=n.cause, template=n.notice,
              title=title, body=body) for n, title, body in rendered]).all())
    return [one for one in rendered if (one.notice.tenant_id, one.notice.cause) in inserted]


def _log_inbox_deliveries(session, fresh: list[_Rendered]) -> None:
    """The inbox is delivered as it is written: logged as sent, beside the other channels."""
    insert_rows(
        session,
        _new_deliveries().values(channel="inbox", status="sent", attempts=1, finished_at=func.now()),
        [dict(id=new_id(), tenant_id=n.tenant_id, cause=n.cause, notice=n.notice, person_id=n.person_id,
              org_unit_id=n.org_unit_id, title=title, body=body) for n, title, body in fresh])


class _Wanted(NamedTuple):
    """A notice wanted on channels beyond the inbox."""

    rendered: _Rendered
    recipient: object
    unit: uuid.UUID | None  # the notice's unit, else the person's own
    preferred: list[str]


def _outside_deliveries(session, fresh: list[_Rendered], recipients: dict) -> list[dict]:
    """The pending deliveries beyond the inbox: email and the robots of the notice's unit, as
    each person prefers."""
    wanted = _wanted_beyond_inbox(fresh, recipients)
    robots = enabled_robots(session, {(w.rendered.notice.tenant_id, w.unit) for w in wanted
                                      if w.unit is not None and any(c != "email" for c in w.preferred)})
    rows = []
    for w in wanted:
        at_unit = robots.get((w.rendered.notice.tenant_id, w.unit), {})
        for channel in channels_for(w.rendered.notice.notice, w.recipient.preferences, w.recipient.email, at_unit):
            rows.append(_delivery_row(w.rendered, channel, w.recipient, w.unit, at_unit.get(channel)))
    return rows


def _wanted_beyond_inbox(fresh: list[_Rendered], recipients: dict) -> list[_Wanted]:
    wanted = []
    for one in fresh:
        recipient = recipients.get((one.notice.tenant_id, one.notice.person_id))
        if recipient is None:
            continue
        preferred = preferred_channels(one.notice.notice, recipient.preferences, recipient.email)
        if preferred:
            wanted.append(_Wanted(one, recipient, one.notice.org_unit_id or recipient.org_unit_id, preferred))
    return wanted


def _delivery_row(one: _Rendered, channel: str, recipient, unit, robot) -> dict:
    n = one.notice
    target = dict(person_id=n.person_id, org_unit_id=unit, address=None, robot_id=None)
    if channel == "email":
        # No address is still a delivery: it fails permanently, visibly, in the log.
        target["address"] = recipient.email
        text = one.body
    else:
        # A group chat is told whom the notice is for.
        target["robot_id"] = robot.id
        text = f"{recipient.name or ''} {one.body}".strip()
    return dict(id=new_id(), tenant_id=n.tenant_id, cause=n.cause, notice=n.notice, channel=channel,
                title=one.title[:200], body=text, **target)


def _add_delivery(uow: UnitOfWork, tenant_id, cause, notice, channel, title, body, **target) -> None:
    uow.session.execute(_new_deliveries().values(
        id=new_id(), tenant_id=tenant_id, cause=cause, notice=notice, channel=channel,
        title=title[:200], body=body, **target,
    ))


def notify_branch(uow: UnitOfWork, tenant_id: uuid.UUID, org_unit_id: uuid.UUID, notice: str, cause: str,
                  fields: dict) -> None:
    """A notice to a branch's group chats: one delivery per enabled robot."""
    title, body = templates.render(notice, "zh", **fields)
    robots = enabled_robots(uow.session, {(tenant_id, org_unit_id)}).get((tenant_id, org_unit_id), {})
    for kind, robot in robots.items():
        _add_delivery(uow, tenant_id, cause, notice, kind, title, body, org_unit_id=org_unit_id, robot_id=robot.id)
