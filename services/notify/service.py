"""The notify service: turns events into notices and delivers them.

The in-app inbox is the channel always on; email and the branch robots are delivered by the
`DeliveryWorker` from the deliveries table (see services.notify.delivery).
"""
from __future__ import annotations

from services.common.consuming import EventBatch, handles
from services.common.contracts import FOUR_DUTIES
from services.common.contracts.activities import ActivityDayScheduled, ActivityLogged, ActivityRejected
from services.common.contracts.members import (
    MemberJoined, MemberLeft, MemberStatusChanged, MemberTransferred, MemberUpdated, OrgUnitChanged, RoleAssigned,
)
from services.common.contracts.pairing import NeedAssigned, NeedOverdue, NeedResolved, PairingContactOverdue
from services.common.contracts.points import MonthClosed, PointsAwarded
from services.common.contracts.api import notify as notify_api
from services.common.db import Database
from services.common.errors import InvalidInput, NotFound
from services.common.outbox import OutboxRelay
from services.common.retention import Retention
from services.common.rpc import rpc
from services.common.service import ServiceBase
from services.common.validation import check_page, parse_uuid, validate
from services.notify import (
    delivery_log, inbox, models, notices, preferences, read_model, receipts, robots, schemas,
)
from services.notify.delivery import DeliveryWorker
from services.notify.development import DevelopmentNotices
from services.notify.transfers import TransferNotices
from services.notify.reminders import ReminderScheduler

INBOX_PAGE_MAX = 200  # inbox and delivery-log pages


class NotifyService(DevelopmentNotices, TransferNotices, ServiceBase):
    name = "notify"

    db = Database(models.metadata)
    retention = Retention(models.metadata)
    # Notify publishes only the audit records of its writes (services.common.audit).
    relay = OutboxRelay(models.metadata)
    delivery = DeliveryWorker()
    reminders = ReminderScheduler()

    @handles(PointsAwarded, batch=True)  # one per activity, and one per deduction at month close
    def on_points_awarded(self, batch: EventBatch) -> int:
        return self.db.process_together(batch, notices.notices_for_points)

    @handles(MonthClosed)
    def on_month_closed(self, event: MonthClosed) -> bool:
        return self.db.process_once(event, notices.statement_for_month)

    @handles(MemberJoined)
    def on_member_joined(self, event: MemberJoined) -> bool:
        return self.db.process_once(event, read_model.remember_member)

    @handles(MemberTransferred)
    def on_member_transferred(self, event: MemberTransferred) -> bool:
        return self.db.process_once(event, read_model.follow_transfer)

    @handles(MemberStatusChanged)
    def on_member_status_changed(self, event: MemberStatusChanged) -> bool:
        return self.db.process_once(event, read_model.follow_status)

    @handles(MemberUpdated)
    def on_member_updated(self, event: MemberUpdated) -> bool:
        return self.db.process_once(event, read_model.follow_rename)

    @handles(MemberLeft)
    def on_member_left(self, event: MemberLeft) -> bool:
        return self.db.process_once(event, read_model.forget_member)

    @handles(OrgUnitChanged)  # the tree a notice to a unit reaches down
    def on_org_unit_changed(self, event: OrgUnitChanged) -> bool:
        return self.db.process_once(event, read_model.remember_org_unit)

    @handles(RoleAssigned)  # the secretaries the month's statement goes to
    def on_role_assigned(self, event: RoleAssigned) -> bool:
        return self.db.process_once(event, read_model.remember_officer)

    @handles(ActivityDayScheduled)
    def on_activity_day_scheduled(self, event: ActivityDayScheduled) -> bool:
        return self.db.process_once(event, read_model.remember_activity_day)

    @handles(ActivityLogged, batch=True, only=FOUR_DUTIES)  # the four duties' marks
    def on_activity_logged(self, batch: EventBatch) -> int:
        return self.db.process_together(batch, read_model.mark_duties)

    @handles(ActivityRejected)
    def on_activity_rejected(self, event: ActivityRejected) -> bool:
        return self.db.process_once(event, read_model.unmark_duty)

    @handles(PairingContactOverdue)
    def on_pairing_contact_overdue(self, event: PairingContactOverdue) -> bool:
        return self.db.process_once(event, notices.remind_pairing_contact)

    @handles(NeedOverdue)
    def on_need_overdue(self, event: NeedOverdue) -> bool:
        return self.db.process_once(event, notices.escalate_need)

    @handles(NeedAssigned)
    def on_need_assigned(self, event: NeedAssigned) -> bool:
        return self.db.process_once(event, notices.tell_assignee)

    @handles(NeedResolved)
    def on_need_resolved(self, event: NeedResolved) -> bool:
        return self.db.process_once(event, notices.ask_to_confirm)

    @rpc
    def inbox(self, person_id, limit: int = 50, offset: int = 0) -> dict:
        person_id = parse_uuid(person_id, "person_id")
        self.caller.require_self_or_officer(person_id)
        check_page(limit, offset, INBOX_PAGE_MAX)
        with self.db.reader() as session:
            return inbox.inbox(session, self.caller.tenant_id, person_id, limit, offset)

    @rpc
    def get_preferences(self, person_id) -> dict:
        person_id = parse_uuid(person_id, "person_id")
        self.caller.require_self_or_officer(person_id)
        with self.db.reader() as session:
            return preferences.get_preferences(session, self.caller.tenant_id, person_id)

    @rpc
    def set_preferences(self, person_id, payload) -> dict:
        person_id = parse_uuid(person_id, "person_id")
        # Only the person chooses where their notices go.
        if self.caller.caller_id != person_id:
            self.caller.require_admin()
        prefs = validate(schemas.PreferencesIn, payload)
        with self.db.transaction() as uow:
            return preferences.set_preferences(uow, self.caller.tenant_id, person_id, prefs)

    @rpc
    def put_robot(self, org_unit_id, kind, payload) -> dict:
        org_unit_id = parse_uuid(org_unit_id, "org_unit_id")
        if kind not in ("wecom", "dingtalk"):
            raise InvalidInput.field("kind", "expected wecom or dingtalk")
        self.caller.require_manages(org_unit_id)
        robot = schemas.robot_in(payload, self.delivery.settings)
        with self.db.transaction() as uow:
            return robots.put_robot(uow, self.caller.tenant_id, org_unit_id, kind, robot)

    @rpc
    def list_robots(self, org_unit_id) -> list:
        org_unit_id = parse_uuid(org_unit_id, "org_unit_id")
        self.caller.require_officer()
        with self.db.reader() as session:
            return robots.list_robots(session, self.caller.tenant_id, org_unit_id)

    @rpc
    def send_notice(self, payload) -> dict:
        self.caller.require_officer()
        notice = validate(schemas.NoticeIn, payload)
        # A branch's group chats, and the people of a branch, are addressed by its own officers.
        if notice.org_unit_id is not None:
            self.caller.require_manages(notice.org_unit_id)
        if notice.person_id is not None and not self.caller.is_admin:
            with self.db.reader() as session:
                unit = read_model.recipient_unit(session, self.caller.tenant_id, notice.person_id)
            if unit is None:
                raise NotFound("person not found")
            self.caller.require_self_or_manages(notice.person_id, unit)
        with self.db.transaction() as uow:
            return notices.send_notice(uow, self.caller.tenant_id, notice, notice.cause)

    @rpc
    def deliveries(self, status=None, channel=None, person_id=None, limit: int = 50, offset: int = 0) -> dict:
        person_id = parse_uuid(person_id, "person_id") if person_id is not None else None
        # Officers read the branch's log; a member reads what was sent to them.
        if person_id is None or person_id != self.caller.caller_id:
            self.caller.require_officer()
        check_page(limit, offset, INBOX_PAGE_MAX)
        with self.db.reader() as session:
            return delivery_log.deliveries(session, self.caller.tenant_id, status, channel, person_id, limit, offset)

    # --- notices with receipts (通知公告 / 签收) ---------------------------------------------

    @rpc
    def publish_notice(self, org_unit_id, payload) -> dict:
        org_unit_id = parse_uuid(org_unit_id, "org_unit_id")
        data = validate(notify_api.UnitNoticeIn, payload)
        with self.db.transaction() as uow:
            return receipts.send(uow, self.caller.tenant_id, org_unit_id, data.title, data.body, self.caller)

    @rpc
    def notice_receipts(self, notice_id) -> dict:
        notice_id = parse_uuid(notice_id, "notice_id")
        with self.db.reader() as session:
            return receipts.receipts(session, self.caller.tenant_id, notice_id, self.caller)

    @rpc
    def acknowledge_notice(self, notice_id) -> dict:
        notice_id = parse_uuid(notice_id, "notice_id")
        with self.db.transaction() as uow:
            return receipts.acknowledge(uow, self.caller.tenant_id, notice_id, self.caller)

    @rpc
    def remind_notice(self, notice_id) -> dict:
        notice_id = parse_uuid(notice_id, "notice_id")
        with self.db.transaction() as uow:
            return receipts.remind(uow, self.caller.tenant_id, notice_id, self.caller)

    @rpc
    def person_notices(self, person_id) -> list:
        person_id = parse_uuid(person_id, "person_id")
        self.caller.require_self_or_officer(person_id)
        with self.db.reader() as session:
            return receipts.for_person(session, self.caller.tenant_id, person_id)
