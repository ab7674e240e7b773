from services.common.contracts.api import activities as activity_api
from services.common.contracts.api.answers import OpenObject
from services.gateway import spec
from services.gateway.parsing import json_body
from services.gateway.routing import route

QUARTER = spec.Query("quarter", {"type": "string", "pattern": r"^\d{4}-Q[1-4]$"}, True, "a quarter YYYY-Qn, e.g. 2026-Q4")


class MeetingsRoutes:
    """Meetings (会议) of activities: planning, check-in (签到), leave (请假), minutes (纪要), close."""

    @route("POST", "/v1/meetings", status=201, answers=OpenObject, body=activity_api.MeetingCreate)
    def plan_meeting(self, request):
        return self.activities.plan_meeting(json_body(request))

    @route("GET", "/v1/meetings/<meeting_id>", answers=OpenObject)
    def get_meeting(self, request, meeting_id):
        return self.activities.get_meeting(meeting_id)

    @route("GET", "/v1/org-units/<org_unit_id>/meetings", answers=list[OpenObject], query=(spec.period(True, year_ok=True),))
    def list_meetings(self, request, org_unit_id):
        return self.activities.list_meetings(org_unit_id, request.args.get("period"))

    @route("POST", "/v1/meetings/<meeting_id>/check-in", answers=OpenObject, body=activity_api.CheckIn)
    def check_in(self, request, meeting_id):
        return self.activities.check_in(meeting_id, json_body(request))

    @route("POST", "/v1/meetings/<meeting_id>/attendance", answers=OpenObject, body=activity_api.AttendanceList)
    def record_meeting_attendance(self, request, meeting_id):
        return self.activities.record_meeting_attendance(meeting_id, json_body(request))

    @route("POST", "/v1/meetings/<meeting_id>/leave", status=201, answers=OpenObject, body=activity_api.LeaveRequest)
    def ask_leave(self, request, meeting_id):
        return self.activities.ask_leave(meeting_id, json_body(request))

    @route("POST", "/v1/meetings/<meeting_id>/leave/decision", answers=OpenObject, body=activity_api.LeaveDecision)
    def decide_leave(self, request, meeting_id):
        return self.activities.decide_leave(meeting_id, json_body(request))

    @route("POST", "/v1/meetings/<meeting_id>/minutes", answers=OpenObject, body=activity_api.Minutes)
    def write_minutes(self, request, meeting_id):
        return self.activities.write_minutes(meeting_id, json_body(request))

    @route("POST", "/v1/meetings/<meeting_id>/close", answers=OpenObject)
    def close_meeting(self, request, meeting_id):
        return self.activities.close_meeting(meeting_id)

    @route("GET", "/v1/org-units/<org_unit_id>/meeting-norms", answers=OpenObject)
    def meeting_norms(self, request, org_unit_id):
        return self.activities.meeting_norms(org_unit_id)

    @route("PUT", "/v1/org-units/<org_unit_id>/meeting-norms", answers=OpenObject, body=activity_api.NormsUpdate)
    def save_meeting_norms(self, request, org_unit_id):
        return self.activities.save_meeting_norms(org_unit_id, json_body(request))

    @route("GET", "/v1/org-units/<org_unit_id>/org-life-compliance", answers=OpenObject, query=(QUARTER,))
    def org_life_compliance(self, request, org_unit_id):
        return self.activities.org_life_compliance(org_unit_id, request.args.get("quarter"))
