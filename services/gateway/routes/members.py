from typing import get_args

from services.common.errors import InvalidInput
from services.common.validation import parse_uuid
from services.gateway.parsing import json_body, page_args
from services.common.contracts.api import members as member_api
from services.common.contracts.members import PersonCategory, PoliticalStatus
from services.common.contracts.api.answers import OpenObject
from services.gateway.spec import PAGE, BOOLEAN_TEXT, UUID, Query
from services.gateway.routing import route

LIST_FILTERS = ("org_unit_id", "political_status", "category")
LIST_QUERY = (
    Query("org_unit_id", UUID, description="members of this unit only"),
    Query("political_status", {"type": "string", "enum": list(get_args(PoliticalStatus))}),
    Query("category", {"type": "string", "enum": list(get_args(PersonCategory))}),
    Query("include_left", BOOLEAN_TEXT, description="also those who have left"),
) + PAGE


class MembersRoutes:
    @route("POST", "/v1/tenants", status=201, body=member_api.TenantCreate, answers=member_api.TenantCreated)
    def create_tenant(self, request):
        return self.members.create_tenant(json_body(request))

    @route("GET", "/v1/tenant", answers=member_api.Tenant)
    def get_tenant(self, request):
        return self.members.get_tenant()

    @route("PATCH", "/v1/tenant", body=member_api.TenantUpdate, answers=member_api.Tenant)
    def update_tenant(self, request):
        return self.members.update_tenant(json_body(request))

    @route("GET", "/v1/org-units", answers=list[member_api.OrgUnit])
    def list_org_units(self, request):
        return self.members.list_org_units()

    @route("POST", "/v1/org-units", status=201, body=member_api.OrgUnitCreate, answers=member_api.OrgUnit)
    def create_org_unit(self, request):
        return self.members.create_org_unit(json_body(request))

    @route("PATCH", "/v1/org-units/<org_unit_id>", body=member_api.OrgUnitRename, answers=member_api.OrgUnit)
    def rename_org_unit(self, request, org_unit_id):
        return self.members.rename_org_unit(org_unit_id, json_body(request))

    @route("POST", "/v1/org-units/<org_unit_id>/move", body=member_api.OrgUnitMove, answers=member_api.OrgUnit)
    def move_org_unit(self, request, org_unit_id):
        return self.members.move_org_unit(org_unit_id, json_body(request))

    @route("POST", "/v1/org-units/<org_unit_id>/close", answers=member_api.OrgUnit)
    def close_org_unit(self, request, org_unit_id):
        return self.members.close_org_unit(org_unit_id)

    @route("GET", "/v1/org-units/<org_unit_id>/roles", answers=list[member_api.UnitRole])
    def unit_roles(self, request, org_unit_id):
        return self.members.unit_roles(org_unit_id)

    @route("GET", "/v1/org-units/<org_unit_id>/roster.xlsx", answers=member_api.RosterFile)
    def export_roster(self, request, org_unit_id):
        return self.members.export_roster(org_unit_id)

    @route("POST", "/v1/roster/import", body=member_api.RosterImport, answers=OpenObject)
    def import_roster(self, request):
        return self.members.import_roster(json_body(request))

    @route("GET", "/v1/members", answers=member_api.MemberPage, query=LIST_QUERY)
    def list_members(self, request):
        query = {name: request.args[name] for name in LIST_FILTERS if request.args.get(name)}
        query["limit"], query["offset"] = page_args(request)
        include_left = request.args.get("include_left", "false")
        if include_left not in ("true", "false"):
            raise InvalidInput.field("include_left", "expected true or false")
        query["include_left"] = include_left == "true"
        return self.members.list_members(query)

    @route("POST", "/v1/members", status=201, body=member_api.MemberCreate, answers=member_api.Member)
    def create_member(self, request):
        return self.members.create_member(json_body(request))

    @route("GET", "/v1/members/<member_id>", answers=member_api.Member)
    def get_member(self, request, member_id):
        return self.visible_member(member_id)

    @route("PATCH", "/v1/members/<member_id>", body=member_api.MemberUpdate, answers=member_api.Member)
    def update_member(self, request, member_id):
        return self.members.update_member(member_id, json_body(request))

    @route("POST", "/v1/members/<member_id>/status", body=member_api.StatusChange, answers=member_api.Member)
    def change_status(self, request, member_id):
        return self.members.change_status(member_id, json_body(request))

    @route("GET", "/v1/members/<member_id>/status-history", answers=list[member_api.StatusRecord])
    def status_history(self, request, member_id):
        return self.members.status_history(member_id)

    @route("POST", "/v1/members/<member_id>/transfer", body=member_api.TransferCreate, answers=member_api.Member)
    def transfer_member(self, request, member_id):
        return self.members.transfer_member(member_id, json_body(request))

    @route("GET", "/v1/members/<member_id>/transfers", answers=list[member_api.Transfer])
    def member_transfers(self, request, member_id):
        return self.members.transfers(member_id)

    @route("POST", "/v1/members/<member_id>/leave", body=member_api.LeaveCreate, answers=member_api.Member)
    def leave(self, request, member_id):
        return self.members.leave(member_id, json_body(request))

    @route("POST", "/v1/members/<member_id>/roles", status=201, body=member_api.RoleAssign, answers=member_api.RoleAssignment)
    def assign_role(self, request, member_id):
        return self.members.assign_role(member_id, json_body(request))

    @route("POST", "/v1/members/<member_id>/followers", status=201, body=member_api.ActivistAssign, answers=member_api.ActivistLink)
    def assign_activist(self, request, member_id):
        return self.members.assign_activist(member_id, json_body(request))

    @route("GET", "/v1/members/<member_id>/followers", answers=list[member_api.Follower])
    def followers(self, request, member_id):
        return self.members.followers(member_id)

    @route("POST", "/v1/members/<member_id>/tokens", status=201, body=member_api.TokenCreate, answers=member_api.IssuedToken)
    def issue_token(self, request, member_id):
        return self.members.issue_token(member_id, json_body(request))

    @route("POST", "/v1/members/<member_id>/pioneer-posts", status=201, body=member_api.PioneerPostCreate, answers=member_api.PioneerPost)
    def create_pioneer_post(self, request, member_id):
        return self.members.create_pioneer_post(member_id, json_body(request))

    @route("GET", "/v1/members/<member_id>/pioneer-posts", answers=list[member_api.PioneerPost])
    def pioneer_posts(self, request, member_id):
        return self.members.pioneer_posts(member_id)

    @route("POST", "/v1/pioneer-posts/<post_id>/end", body=member_api.PioneerPostEnd, answers=member_api.PioneerPost)
    def end_pioneer_post(self, request, post_id):
        return self.members.end_pioneer_post(post_id, json_body(request))

    @route("GET", "/v1/org-units/<org_unit_id>/pioneer-posts", answers=list[member_api.PioneerPost])
    def unit_pioneer_posts(self, request, org_unit_id):
        return self.members.unit_pioneer_posts(org_unit_id)

    @route("POST", "/v1/members/<member_id>/commitments", status=201, body=member_api.CommitmentCreate, answers=member_api.Commitment)
    def create_commitment(self, request, member_id):
        return self.members.create_commitment(member_id, json_body(request))

    @route("GET", "/v1/members/<member_id>/commitments", answers=list[member_api.Commitment])
    def commitments(self, request, member_id):
        return self.members.commitments(member_id)

    @route("POST", "/v1/commitments/<commitment_id>/review", body=member_api.CommitmentReview, answers=member_api.Commitment)
    def review_commitment(self, request, commitment_id):
        return self.members.review_commitment(commitment_id, json_body(request))

    def visible_member(self, member_id) -> dict:
        """The member if the caller may see them: NotFound across tenants, Forbidden for peers."""
        member = self.members.get_member(member_id)
        self.caller.require_self_or_officer(parse_uuid(member["id"], "member_id"))
        return member
