from services.gateway.routing import json_body, route


class MembersRoutes:
    @route("POST", "/v1/tenants", status=201)
    def create_tenant(self, request):
        return self.members.create_tenant(json_body(request))

    @route("POST", "/v1/org-units", status=201)
    def create_org_unit(self, request):
        return self.members.create_org_unit(json_body(request))

    @route("POST", "/v1/members", status=201)
    def create_member(self, request):
        return self.members.create_member(json_body(request))

    @route("GET", "/v1/members/<member_id>")
    def get_member(self, request, member_id):
        return self.visible_member(member_id)

    @route("POST", "/v1/members/<member_id>/tokens", status=201)
    def issue_token(self, request, member_id):
        return self.members.issue_token(member_id, json_body(request))

    def visible_member(self, member_id) -> dict:
        """The member if the caller may see them: NotFound across tenants, Forbidden for peers."""
        member = self.members.get_member(member_id)
        from services.common.validation import parse_uuid

        self.caller.require_self_or_officer(parse_uuid(member["id"], "member_id"))
        return member
