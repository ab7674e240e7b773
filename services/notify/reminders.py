"""Scheduled reminders: the activity day tomorrow, and the four duties still missing near month end.

A managed thread runs `scan` every NOTIFY_SCAN_SECONDS. Each notice's cause names exactly what
it covers (the day and its date; the person and the month), and deliveries are unique by
cause, so a scan repeated by a restart or by every replica at once sends nothing twice. Days
are counted in DEFAULT_TIMEZONE (Asia/Shanghai unless configured).

The pairing and need reminders are sent by the events that announce them (pairing_contact_overdue,
need overdue), not by this scan: members owns those clocks.
"""
from __future__ import annotations

import calendar
import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import eventlet
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from services.common.background import BackgroundWorker
from services.common.contracts import FOUR_DUTIES
from services.common.db import ServiceTables, UnitOfWork
from services.common.settings import from_container
from services.notify import models, sending, templates
from services.notify import settings as notify_settings

log = logging.getLogger(__name__)

OWE_DUTIES = ("probationary", "full")


def scan(session: Session, tables: ServiceTables, today: date, duty_reminder_days: int) -> int:
    """Queue every reminder due on `today`; returns how many notices were considered."""
    uow = UnitOfWork(session, tables, {})
    return _activity_days(uow, today) + _missing_duties(uow, today, duty_reminder_days)


def _members_of(session, tenant_id, org_unit_id) -> list:
    r = models.recipients
    return session.execute(
        select(r.c.person_id).where(r.c.tenant_id == tenant_id, r.c.org_unit_id == org_unit_id, r.c.left_on.is_(None))
        .order_by(r.c.person_id)
    ).scalars().all()


def _activity_days(uow: UnitOfWork, today: date) -> int:
    a = models.activity_days
    tomorrow = today + timedelta(days=1)
    days = uow.session.execute(select(a).where(a.c.held_on == tomorrow)).all()
    count = 0
    for day in days:
        cause = f"activity_day:{day.day_id}:{day.held_on.isoformat()}"
        fields = {"date": day.held_on.isoformat()}
        sending.notify_branch(uow, day.tenant_id, day.org_unit_id, "activity_day_tomorrow", cause, fields)
        for person_id in _members_of(uow.session, day.tenant_id, day.org_unit_id):
            sending.notify_person(uow, day.tenant_id, person_id, "activity_day_tomorrow", f"{cause}:{person_id}",
                                   fields, org_unit_id=day.org_unit_id)
            count += 1
    return count


def _missing_duties(uow: UnitOfWork, today: date, reminder_days: int) -> int:
    last_day = calendar.monthrange(today.year, today.month)[1]
    days_left = last_day - today.day
    if days_left > reminder_days:
        return 0
    period = f"{today.year:04d}-{today.month:02d}"
    r, m = models.recipients, models.duty_marks
    rows = uow.session.execute(
        select(r.c.tenant_id, r.c.person_id, r.c.org_unit_id, m.c.kind)
        .select_from(r.outerjoin(m, and_(m.c.tenant_id == r.c.tenant_id, m.c.person_id == r.c.person_id,
                                          m.c.period == period)))
        .where(r.c.political_status.in_(OWE_DUTIES), r.c.left_on.is_(None))
    ).all()
    done: dict[tuple, set] = {}
    for row in rows:
        done.setdefault((row.tenant_id, row.person_id, row.org_unit_id), set()).add(row.kind)
    count = 0
    for (tenant_id, person_id, org_unit_id), kinds in sorted(done.items(), key=lambda kv: str(kv[0])):
        missing = [k for k in FOUR_DUTIES if k not in kinds]
        if not missing:
            continue
        sending.notify_person(
            uow, tenant_id, person_id, "duties_missing", f"duties_missing:{person_id}:{period}",
            {"period": period, "missing_count": len(missing), "days_left": days_left,
             "missing_names": "、".join(templates.KIND_NAMES_ZH[k] for k in missing),
             "missing": ", ".join(templates.KIND_NAMES_EN[k] for k in missing)},
            org_unit_id=org_unit_id,
        )
        count += 1
    return count


class ReminderScheduler(BackgroundWorker):
    """Declare on the notify service: `reminders = ReminderScheduler()`."""

    identifier = "notify_reminders"

    def setup(self):
        settings = from_container(self.container)
        self.settings = notify_settings.load()
        self.zone = ZoneInfo(settings.default_timezone)
        self.tables = ServiceTables(models.metadata, settings.db_schema)
        super().setup()

    def run_once(self, today: date | None = None) -> int:
        today = today or datetime.now(self.zone).date()
        with Session(self.engine) as session, session.begin():
            return scan(session, self.tables, today, self.settings.duty_reminder_days)

    def run(self):
        while True:
            try:
                self.run_once()
            except Exception as exc:  # keep scanning on the next tick; the scan is idempotent
                log.warning("reminder scan failed: %s", exc)
            eventlet.sleep(self.settings.scan_seconds)
