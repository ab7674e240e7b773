"""Pairings (手拉手、一帮一), their follow-up rhythm and scan, and needs (诉求): all owned by members.

Rights are decided in members: officers and tenant admins manage pairings and assign needs; a
mentor reads their own pairings; a need is confirmed or reopened only by whoever raised it.
"""
from services.common.errors import InvalidInput
from services.gateway.parsing import json_body
from services.common.contracts.api import pairing as pairing_api
from services.gateway.spec import BOOLEAN_TEXT, Query
from services.gateway.routing import route


class PairingRoutes:
    @route("POST", "/v1/pairings", status=201, body=pairing_api.PairingCreate, answers=pairing_api.Pairing)
    def create_pairing(self, request):
        return self.members.create_pairing(json_body(request))

    @route("GET", "/v1/pairings/<pairing_id>", answers=pairing_api.Pairing)
    def get_pairing(self, request, pairing_id):
        return self.members.get_pairing(pairing_id)

    @route("POST", "/v1/pairings/<pairing_id>/end", body=pairing_api.PairingEnd, answers=pairing_api.Pairing)
    def end_pairing(self, request, pairing_id):
        return self.members.end_pairing(pairing_id, json_body(request))

    @route("POST", "/v1/pairings/<pairing_id>/change-target", status=201, body=pairing_api.PairingChange, answers=pairing_api.Pairing)
    def change_pairing_target(self, request, pairing_id):
        return self.members.change_pairing_target(pairing_id, json_body(request))

    @route("GET", "/v1/members/<member_id>/pairings", answers=list[pairing_api.Pairing], query=(Query("include_ended", BOOLEAN_TEXT),))
    def member_pairings(self, request, member_id):
        include_ended = request.args.get("include_ended", "false")
        if include_ended not in ("true", "false"):
            raise InvalidInput.field("include_ended", "expected true or false")
        return self.members.member_pairings(member_id, include_ended == "true")

    @route("GET", "/v1/org-units/<org_unit_id>/pairings", answers=pairing_api.BranchPairings)
    def branch_pairings(self, request, org_unit_id):
        return self.members.branch_pairings(org_unit_id)

    @route("GET", "/v1/org-units/<org_unit_id>/pairing-settings", answers=pairing_api.PairingSettings)
    def get_pairing_settings(self, request, org_unit_id):
        return self.members.pairing_settings(org_unit_id)

    @route("PUT", "/v1/org-units/<org_unit_id>/pairing-settings", body=pairing_api.PairingSettingsIn, answers=pairing_api.PairingSettings)
    def put_pairing_settings(self, request, org_unit_id):
        return self.members.set_pairing_settings(org_unit_id, json_body(request))

    @route("POST", "/v1/pairing-scans", body=pairing_api.ScanRequest, answers=pairing_api.ScanResult)
    def run_pairing_scan(self, request):
        return self.members.run_pairing_scan(json_body(request))

    @route("POST", "/v1/needs", status=201, body=pairing_api.NeedCreate, answers=pairing_api.Need)
    def raise_need(self, request):
        return self.members.raise_need(json_body(request))

    @route("GET", "/v1/needs/<need_id>", answers=pairing_api.Need)
    def get_need(self, request, need_id):
        return self.members.get_need(need_id)

    @route("POST", "/v1/needs/<need_id>/assign", body=pairing_api.NeedAssign, answers=pairing_api.Need)
    def assign_need(self, request, need_id):
        return self.members.assign_need(need_id, json_body(request))

    @route("POST", "/v1/needs/<need_id>/resolve", body=pairing_api.NeedResolve, answers=pairing_api.Need)
    def resolve_need(self, request, need_id):
        return self.members.resolve_need(need_id, json_body(request))

    @route("POST", "/v1/needs/<need_id>/confirm", body=pairing_api.NeedConfirm, answers=pairing_api.Need)
    def confirm_need(self, request, need_id):
        return self.members.confirm_need(need_id, json_body(request))

    @route("POST", "/v1/needs/<need_id>/reopen", body=pairing_api.NeedReopen, answers=pairing_api.Need)
    def reopen_need(self, request, need_id):
        return self.members.reopen_need(need_id, json_body(request))

    @route("GET", "/v1/org-units/<org_unit_id>/needs", answers=pairing_api.BranchNeeds)
    def branch_needs(self, request, org_unit_id):
        return self.members.branch_needs(org_unit_id)
