"""Pairings (手拉手、一帮一), their follow-up rhythm and scan, and needs (诉求): all owned by members.

Rights are decided in members: officers and tenant admins manage pairings and assign needs; a
mentor reads their own pairings; a need is confirmed or reopened only by whoever raised it.
"""
from services.common.errors import InvalidInput
from services.gateway.parsing import json_body
from services.gateway.routing import route


class PairingRoutes:
    @route("POST", "/v1/pairings", status=201)
    def create_pairing(self, request):
        return self.members.create_pairing(json_body(request))

    @route("GET", "/v1/pairings/<pairing_id>")
    def get_pairing(self, request, pairing_id):
        return self.members.get_pairing(pairing_id)

    @route("POST", "/v1/pairings/<pairing_id>/end")
    def end_pairing(self, request, pairing_id):
        return self.members.end_pairing(pairing_id, json_body(request))

    @route("POST", "/v1/pairings/<pairing_id>/change-target", status=201)
    def change_pairing_target(self, request, pairing_id):
        return self.members.change_pairing_target(pairing_id, json_body(request))

    @route("GET", "/v1/members/<member_id>/pairings")
    def member_pairings(self, request, member_id):
        include_ended = request.args.get("include_ended", "false")
        if include_ended not in ("true", "false"):
            raise InvalidInput.field("include_ended", "expected true or false")
        return self.members.member_pairings(member_id, include_ended == "true")

    @route("GET", "/v1/org-units/<org_unit_id>/pairings")
    def branch_pairings(self, request, org_unit_id):
        return self.members.branch_pairings(org_unit_id)

    @route("GET", "/v1/org-units/<org_unit_id>/pairing-settings")
    def get_pairing_settings(self, request, org_unit_id):
        return self.members.pairing_settings(org_unit_id)

    @route("PUT", "/v1/org-units/<org_unit_id>/pairing-settings")
    def put_pairing_settings(self, request, org_unit_id):
        return self.members.set_pairing_settings(org_unit_id, json_body(request))

    @route("POST", "/v1/pairing-scans")
    def run_pairing_scan(self, request):
        return self.members.run_pairing_scan(json_body(request))

    @route("POST", "/v1/needs", status=201)
    def raise_need(self, request):
        return self.members.raise_need(json_body(request))

    @route("GET", "/v1/needs/<need_id>")
    def get_need(self, request, need_id):
        return self.members.get_need(need_id)

    @route("POST", "/v1/needs/<need_id>/assign")
    def assign_need(self, request, need_id):
        return self.members.assign_need(need_id, json_body(request))

    @route("POST", "/v1/needs/<need_id>/resolve")
    def resolve_need(self, request, need_id):
        return self.members.resolve_need(need_id, json_body(request))

    @route("POST", "/v1/needs/<need_id>/confirm")
    def confirm_need(self, request, need_id):
        return self.members.confirm_need(need_id, json_body(request))

    @route("POST", "/v1/needs/<need_id>/reopen")
    def reopen_need(self, request, need_id):
        return self.members.reopen_need(need_id, json_body(request))

    @route("GET", "/v1/org-units/<org_unit_id>/needs")
    def branch_needs(self, request, org_unit_id):
        return self.members.branch_needs(org_unit_id)
