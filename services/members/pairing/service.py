"""The members service's entrypoints for pairings and needs (mixed into MembersService).

The overdue scan runs on a timer every PAIRING_SCAN_INTERVAL_SECONDS (default 3600: a daily
scan that looks hourly, so each college's new day is seen soon after its midnight). Each run is
keyed by what it announces (pairing + due date + level, need), so running it on every replica,
or again after a restart, announces nothing twice.
"""
from __future__ import annotations

from nameko.timer import Timer

from services.common.contracts.api import pairing as pairing_api
from services.common.consuming import EventBatch, handles
from services.common.contracts.activities import ActivityApproved, ActivityLogged, ActivityRejected
from services.common.errors import Forbidden, InvalidInput
from services.common.rpc import rpc
from services.common.settings import from_container
from services.common.validation import parse_uuid, validate
from services.members import scans
from services.members.pairing import clock, needs, pairings, rhythm

class ScanTimer(Timer):
    """nameko's timer with its interval read when the container starts (not when the class is
    defined), so a deployment or a test sets it through the environment."""

    def setup(self):
        self.interval = from_container(self.container).pairing_scan_interval_seconds


def _flag(value, field: str) -> bool:
    if isinstance(value, bool):
        return value
    raise InvalidInput.field(field, "expected true or false")


class PairingEndpoints:
    # -- pairings -----------------------------------------------------------------------------

    @rpc
    def create_pairing(self, payload: dict) -> dict:
        self.caller.require_officer()
        data = validate(pairing_api.PairingCreate, payload)
        with self.db.transaction() as uow:
            self._require_manages(uow, member_id=data.mentor_id)
            return pairings.create_pairing(uow, self.caller.tenant_id, data)

    @rpc
    def end_pairing(self, pairing_id, payload: dict) -> dict:
        pairing_id = parse_uuid(pairing_id, "pairing_id")
        self.caller.require_officer()
        data = validate(pairing_api.PairingEnd, payload)
        with self.db.transaction() as uow:
            self._require_manages_pairing(uow, pairing_id)
            return pairings.end_pairing(uow, self.caller.tenant_id, pairing_id, data)

    @rpc
    def change_pairing_target(self, pairing_id, payload: dict) -> dict:
        pairing_id = parse_uuid(pairing_id, "pairing_id")
        self.caller.require_officer()
        data = validate(pairing_api.PairingChange, payload)
        with self.db.transaction() as uow:
            self._require_manages_pairing(uow, pairing_id)
            return pairings.change_target(uow, self.caller.tenant_id, pairing_id, data)

    @rpc
    def get_pairing(self, pairing_id) -> dict:
        pairing_id = parse_uuid(pairing_id, "pairing_id")
        with self.db.reader() as session:
            found = pairings.get_pairing(session, self.caller.tenant_id, pairing_id)
        self.caller.require_self_or_officer(parse_uuid(found["mentor_id"], "mentor_id"))
        return found

    @rpc
    def member_pairings(self, member_id, include_ended=False) -> list:
        member_id = parse_uuid(member_id, "member_id")
        include_ended = _flag(include_ended, "include_ended")
        with self.db.reader() as session:
            found = pairings.member_pairings(session, self.caller.tenant_id, member_id, include_ended)
        self.caller.require_self_or_officer(member_id)
        return found

    @rpc
    def branch_pairings(self, org_unit_id) -> dict:
        org_unit_id = parse_uuid(org_unit_id, "org_unit_id")
        self.caller.require_officer()
        with self.db.reader() as session:
            return pairings.branch_pairings(session, self.caller.tenant_id, org_unit_id)

    @rpc
    def pairing_settings(self, org_unit_id) -> dict:
        org_unit_id = parse_uuid(org_unit_id, "org_unit_id")
        with self.db.reader() as session:
            return rhythm.get_settings(session, self.caller.tenant_id, org_unit_id)

    @rpc
    def set_pairing_settings(self, org_unit_id, payload: dict) -> dict:
        org_unit_id = parse_uuid(org_unit_id, "org_unit_id")
        self.caller.require_officer()
        data = validate(pairing_api.PairingSettingsIn, payload)
        with self.db.transaction() as uow:
            self._require_manages(uow, org_unit_id=org_unit_id)
            return rhythm.set_settings(uow, self.caller.tenant_id, org_unit_id, data)

    def _require_manages_pairing(self, uow, pairing_id) -> None:
        # Officers manage the pairings of their own branch, as they manage its roster.
        found = pairings.get_pairing(uow.session, self.caller.tenant_id, pairing_id)
        self._require_manages(uow, org_unit_id=parse_uuid(found["org_unit_id"], "org_unit_id"))

    # -- the overdue scan -----------------------------------------------------------------------

    @rpc
    def run_pairing_scan(self, payload: dict) -> dict:
        """Run the overdue scan as of `on` (each tenant's today when left out): a tenant admin for
        their own college, the platform admin for every college."""
        tenant_id = scans.scope(self.caller)
        data = validate(pairing_api.ScanRequest, payload or {})
        return self._scan(tenant_id, data.on)

    @ScanTimer.decorator(interval=3600)
    def scan_overdue(self) -> dict:
        return self._scan(None, None)

    def _scan(self, tenant_id, on) -> dict:
        return scans.run(self.db, tenant_id, on, {"pairing_contact_overdue": clock.scan_pairings,
                                                  "need_overdue": needs.scan_needs}, "overdue")

    # -- contacts, from activities --------------------------------------------------------------

    # Only pairing contacts are routed here (activity_logged.pairing_contact), in batches.
    @handles(ActivityLogged, batch=True, only=(clock.CONTACT_KIND,))
    def on_pairing_contact_logged(self, batch: EventBatch) -> int:
        return self.db.process_batch(batch, clock.count_contact)

    @handles(ActivityApproved)
    def on_pairing_contact_approved(self, event: ActivityApproved) -> bool:
        return self.db.process_once(event, clock.count_contact)

    @handles(ActivityRejected)
    def on_pairing_contact_rejected(self, event: ActivityRejected) -> bool:
        return self.db.process_once(event, clock.withdraw_contact)

    # -- needs ----------------------------------------------------------------------------------

    @rpc
    def raise_need(self, payload: dict) -> dict:
        data = validate(pairing_api.NeedCreate, payload)
        with self.db.transaction() as uow:
            if data.pairing_id is not None:
                # The need goes to the pairing's branch: someone outside the pairing records it only
                # for a branch they manage.
                pairing = pairings.get_pairing(uow.session, self.caller.tenant_id, data.pairing_id)
                if str(self.caller.caller_id) not in (pairing["mentor_id"], pairing["target_person_id"]):
                    self._require_manages(uow, org_unit_id=parse_uuid(pairing["org_unit_id"], "org_unit_id"))
            return needs.raise_need(uow, self.caller.tenant_id, data, self.caller.caller_id, self.caller.is_officer)

    @rpc
    def get_need(self, need_id) -> dict:
        need_id = parse_uuid(need_id, "need_id")
        with self.db.reader() as session:
            found = needs.get_need(session, self.caller.tenant_id, need_id)
        if not needs.may_read(found, self.caller.caller_id, self.caller.is_officer):
            raise Forbidden("a need is read by who raised it, its assignee and branch officers")
        return found

    @rpc
    def assign_need(self, need_id, payload: dict) -> dict:
        need_id = parse_uuid(need_id, "need_id")
        self.caller.require_officer()
        data = validate(pairing_api.NeedAssign, payload)
        with self.db.transaction() as uow:
            need = needs.get_need(uow.session, self.caller.tenant_id, need_id)
            self._require_manages(uow, org_unit_id=parse_uuid(need["org_unit_id"], "org_unit_id"))
            return needs.assign_need(uow, self.caller.tenant_id, need_id, data, self.caller.caller_id)

    @rpc
    def resolve_need(self, need_id, payload: dict) -> dict:
        need_id = parse_uuid(need_id, "need_id")
        with self.db.transaction() as uow:
            need = needs.get_need(uow.session, self.caller.tenant_id, need_id)
            if str(self.caller.caller_id) != need["assignee_id"]:
                # Besides its assignee, only an officer of the need's own branch resolves it.
                self._require_manages(uow, org_unit_id=parse_uuid(need["org_unit_id"], "org_unit_id"))
            data = validate(pairing_api.NeedResolve, payload)
            return needs.resolve_need(uow, self.caller.tenant_id, need_id, data, self.caller.caller_id,
                                      self.caller.is_officer)

    @rpc
    def confirm_need(self, need_id, payload: dict) -> dict:
        need_id = parse_uuid(need_id, "need_id")
        with self.db.transaction() as uow:
            self._require_raiser(uow, need_id, "confirm")
            data = validate(pairing_api.NeedConfirm, payload or {})
            return needs.confirm_need(uow, self.caller.tenant_id, need_id, data, self.caller.caller_id)

    @rpc
    def reopen_need(self, need_id, payload: dict) -> dict:
        need_id = parse_uuid(need_id, "need_id")
        with self.db.transaction() as uow:
            self._require_raiser(uow, need_id, "reopen")
            data = validate(pairing_api.NeedReopen, payload)
            return needs.reopen_need(uow, self.caller.tenant_id, need_id, data, self.caller.caller_id)

    def _require_raiser(self, uow, need_id, action: str) -> None:
        # Before the payload is read: someone else learns nothing of what it should hold.
        need = needs.get_need(uow.session, self.caller.tenant_id, need_id)
        if str(self.caller.caller_id) != need["raised_by"]:
            raise Forbidden(f"only the person who raised the need may {action} it")

    @rpc
    def branch_needs(self, org_unit_id) -> dict:
        org_unit_id = parse_uuid(org_unit_id, "org_unit_id")
        self.caller.require_officer()
        with self.db.reader() as session:
            return needs.branch_needs(session, self.caller.tenant_id, org_unit_id)
