"""Transfers between colleges (组织关系转接): the origin's secretary issues a letter; the
destination's tenant admin sees the incoming request and accepts it into a branch, or refuses it.
Owned by members, which decides the rights."""
from services.gateway.parsing import json_body
from services.gateway.routing import route


class TransferRoutes:
    @route("POST", "/v1/members/<member_id>/inter-tenant-transfers", status=201)
    def issue_inter_tenant_transfer(self, request, member_id):
        return self.members.issue_inter_tenant_transfer(member_id, json_body(request))

    @route("GET", "/v1/inter-tenant-transfers/outgoing")
    def outgoing_transfers(self, request):
        return self.members.outgoing_transfers()

    @route("GET", "/v1/inter-tenant-transfers/incoming")
    def incoming_transfers(self, request):
        return self.members.incoming_transfers(request.args.get("state"))

    @route("POST", "/v1/inter-tenant-transfers/<transfer_id>/accept")
    def accept_inter_tenant_transfer(self, request, transfer_id):
        return self.members.accept_inter_tenant_transfer(transfer_id, json_body(request))

    @route("POST", "/v1/inter-tenant-transfers/<transfer_id>/refuse")
    def refuse_inter_tenant_transfer(self, request, transfer_id):
        return self.members.refuse_inter_tenant_transfer(transfer_id, json_body(request))

    @route("POST", "/v1/inter-tenant-transfer-scans")
    def run_transfer_scan(self, request):
        return self.members.run_transfer_scan(json_body(request))
