"""The development pipeline (发展党员): its steps, each person's record, the branch's view and the
deadline scan; all owned by members, which decides the rights (officers record and read a
branch; a person reads their own record)."""
from services.common.contracts.api import development as development_api
from services.common.contracts.api.answers import OpenObject
from services.gateway.parsing import json_body
from services.gateway.routing import route


class DevelopmentRoutes:
    @route("GET", "/v1/development/steps", answers=list[OpenObject])
    def development_steps(self, request):
        return self.members.development_steps()

    @route("GET", "/v1/members/<member_id>/development", answers=OpenObject)
    def development_record(self, request, member_id):
        return self.members.development_record(member_id)

    @route("GET", "/v1/members/<member_id>/development/followed", answers=list[OpenObject])
    def followed_development(self, request, member_id):
        return self.members.followed_development(member_id)

    @route("POST", "/v1/members/<member_id>/development/steps", status=201, answers=OpenObject, body=development_api.StepRecord)
    def record_development_step(self, request, member_id):
        return self.members.record_development_step(member_id, json_body(request))

    @route("POST", "/v1/members/<member_id>/development/backfill", status=201, answers=OpenObject, body=development_api.Backfill)
    def backfill_development(self, request, member_id):
        return self.members.backfill_development(member_id, json_body(request))

    @route("GET", "/v1/org-units/<org_unit_id>/development", answers=OpenObject)
    def branch_development(self, request, org_unit_id):
        return self.members.branch_development(org_unit_id)

    @route("POST", "/v1/development-scans", answers=OpenObject, body=development_api.ScanRequest)
    def run_development_scan(self, request):
        return self.members.run_development_scan(json_body(request))
