"""Transfers between colleges (组织关系转接): the origin's secretary issues a letter; the
destination's tenant admin sees the incoming request and accepts it into a branch, or refuses it.
Owned by members, which decides the rights."""
from services.common.contracts.api import development as development_api
from services.common.contracts.api import transfers as transfers_api
from services.common.contracts.api.transfers import INCOMING_STATES
from services.common.contracts.api.answers import OpenObject
from services.gateway.spec import Query
from services.gateway.parsing import json_body
from services.gateway.routing import route

INCOMING_STATE = Query("state", {"type": "string", "enum": list(INCOMING_STATES)},
                       description="only the requests in this state")


class TransferRoutes:
    @route("POST", "/v1/members/<member_id>/inter-tenant-transfers", status=201, answers=OpenObject, body=transfers_api.TransferIssue)
    def issue_inter_tenant_transfer(self, request, member_id):
        return self.members.issue_inter_tenant_transfer(member_id, json_body(request))

    @route("GET", "/v1/inter-tenant-transfers/outgoing", answers=list[OpenObject])
    def outgoing_transfers(self, request):
        return self.members.outgoing_transfers()

    @route("GET", "/v1/inter-tenant-transfers/incoming", answers=list[OpenObject], query=(INCOMING_STATE,))
    def incoming_transfers(self, request):
        return self.members.incoming_transfers(request.args.get("state"))

    @route("POST", "/v1/inter-tenant-transfers/<transfer_id>/accept", answers=OpenObject, body=transfers_api.TransferAccept)
    def accept_inter_tenant_transfer(self, request, transfer_id):
        return self.members.accept_inter_tenant_transfer(transfer_id, json_body(request))

    @route("POST", "/v1/inter-tenant-transfers/<transfer_id>/refuse", answers=OpenObject, body=transfers_api.TransferRefuse)
    def refuse_inter_tenant_transfer(self, request, transfer_id):
        return self.members.refuse_inter_tenant_transfer(transfer_id, json_body(request))

    @route("POST", "/v1/inter-tenant-transfer-scans", answers=OpenObject, body=development_api.ScanRequest)
    def run_transfer_scan(self, request):
        return self.members.run_transfer_scan(json_body(request))
