"""The members service's entrypoints for transfers between colleges (mixed into MembersService).

The origin's secretary issues; the destination's tenant admin accepts or refuses. The saga's
steps between them are members' own consumers of its own events (services.members.transfers.saga);
the lapse of unanswered requests runs on the pairing scan's timer, keyed by the rows' states.
"""
from __future__ import annotations

from datetime import date

from services.common.consuming import handles
from services.common.contracts.transfers import InterTenantTransferAnswered, InterTenantTransferIssued
from services.common.errors import InvalidInput
from services.common.rpc import rpc
from services.common.validation import parse_uuid, validate
from services.members import scans
from services.common.contracts.api.development import ScanRequest
from services.members.pairing.service import ScanTimer
from services.common.contracts.api import transfers as transfers_api
from services.common.contracts.api.transfers import INCOMING_STATES
from services.members.transfers import saga



class TransferEndpoints:
    @rpc
    def issue_inter_tenant_transfer(self, member_id, payload: dict) -> dict:
        member_id = parse_uuid(member_id, "member_id")
        self.caller.require_officer()
        data = validate(transfers_api.TransferIssue, payload)
        with self.db.transaction() as uow:
            self._require_manages(uow, member_id=member_id)
            return saga.issue(uow, self.caller.tenant_id, member_id, data, self.caller.caller_id, date.today())

    @rpc
    def outgoing_transfers(self) -> list:
        self.caller.require_officer()
        with self.db.reader() as session:
            return saga.outgoing(session, self.caller.tenant_id)

    @rpc
    def incoming_transfers(self, state=None) -> list:
        self.caller.require_admin()
        if state is not None and state not in INCOMING_STATES:
            raise InvalidInput.field("state", f"expected one of {', '.join(INCOMING_STATES)}")
        with self.db.reader() as session:
            return saga.incoming(session, self.caller.tenant_id, state)

    @rpc
    def accept_inter_tenant_transfer(self, transfer_id, payload: dict) -> dict:
        transfer_id = parse_uuid(transfer_id, "transfer_id")
        self.caller.require_admin()
        data = validate(transfers_api.TransferAccept, payload)
        with self.db.transaction() as uow:
            return saga.accept(uow, self.caller.tenant_id, transfer_id, data, self.caller.caller_id)

    @rpc
    def refuse_inter_tenant_transfer(self, transfer_id, payload: dict) -> dict:
        transfer_id = parse_uuid(transfer_id, "transfer_id")
        self.caller.require_admin()
        data = validate(transfers_api.TransferRefuse, payload)
        with self.db.transaction() as uow:
            return saga.refuse(uow, self.caller.tenant_id, transfer_id, data, self.caller.caller_id)

    # -- the saga's steps between the two colleges ------------------------------------------------

    @handles(InterTenantTransferIssued)
    def on_inter_tenant_transfer_issued(self, event: InterTenantTransferIssued) -> bool:
        return self.db.process_once(event, saga.hear_issue)

    @handles(InterTenantTransferAnswered)
    def on_inter_tenant_transfer_answered(self, event: InterTenantTransferAnswered) -> bool:
        return self.db.process_once(event, saga.hear_answer)

    @rpc
    def run_transfer_scan(self, payload: dict) -> dict:
        tenant_id = scans.scope(self.caller)
        data = validate(ScanRequest, payload or {})
        return self._transfer_scan(tenant_id, data.on)

    @ScanTimer.decorator(interval=3600)
    def scan_transfers(self) -> dict:
        return self._transfer_scan(None, None)

    def _transfer_scan(self, tenant_id, on) -> dict:
        return scans.run(self.db, tenant_id, on, {"inter_tenant_transfer_expired": saga.expire_lapsed}, "transfer")
