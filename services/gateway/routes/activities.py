from services.common.errors import InvalidInput
from services.gateway.parsing import int_arg, json_body
from services.common.contracts.api import activities as activity_api
from services.common.contracts.api.answers import OpenObject
from services.gateway import spec
from services.gateway.routing import route


class ActivitiesRoutes:
    @route("GET", "/v1/activity-kinds", answers=list[OpenObject])
    def activity_kinds(self, request):
        return self.activities.catalogue()

    @route("POST", "/v1/activity-kinds", status=201, body=activity_api.KindCreate, answers=OpenObject)
    def add_activity_kind(self, request):
        return self.activities.add_kind(json_body(request))

    @route("POST", "/v1/activities", status=201, body=activity_api.ActivityCreate, answers=activity_api.Activity)
    def log_activity(self, request):
        return self.activities.log_activity(json_body(request))

    @route("POST", "/v1/activities/bulk", status=201, body=activity_api.BulkActivityCreate, answers=list[activity_api.Activity])
    def log_bulk(self, request):
        return self.activities.log_bulk(json_body(request))

    @route("GET", "/v1/activities/pending", answers=list[activity_api.Activity], query=(spec.org_unit(),))
    def pending_activities(self, request):
        return self.activities.list_pending(request.args.get("org_unit_id"))

    @route("GET", "/v1/activities/<activity_id>", answers=activity_api.Activity)
    def get_activity(self, request, activity_id):
        return self.activities.get_activity(activity_id)

    @route("POST", "/v1/activities/<activity_id>/approve", answers=activity_api.Activity)
    def approve_activity(self, request, activity_id):
        return self.activities.approve(activity_id)

    @route("POST", "/v1/activities/<activity_id>/reject", body=activity_api.Rejection, answers=activity_api.Activity)
    def reject_activity(self, request, activity_id):
        return self.activities.reject(activity_id, json_body(request))

    @route("POST", "/v1/activities/<activity_id>/correct", body=activity_api.Correction, answers=activity_api.Activity)
    def correct_activity(self, request, activity_id):
        return self.activities.correct(activity_id, json_body(request))

    @route("GET", "/v1/members/<member_id>/activities", answers=list[activity_api.Activity], query=(spec.period(),))
    def member_activities(self, request, member_id):
        self.visible_member(member_id)
        return self.activities.list_member_activities(member_id, request.args.get("period"))

    @route("GET", "/v1/members/<member_id>/four-duties", answers=OpenObject, query=(spec.period(),))
    def member_four_duties(self, request, member_id):
        self.visible_member(member_id)
        return self.activities.member_four_duties(member_id, request.args.get("period"))

    @route("GET", "/v1/org-units/<org_unit_id>/four-duties", answers=OpenObject, query=(spec.period(),))
    def branch_four_duties(self, request, org_unit_id):
        return self.activities.branch_four_duties(org_unit_id, request.args.get("period"))

    @route("POST", "/v1/activity-days", status=201, body=activity_api.ScheduleDays, answers=list[OpenObject])
    def schedule_activity_days(self, request):
        return self.activities.schedule_activity_days(json_body(request))

    @route("GET", "/v1/activity-days/missing", answers=list[OpenObject], query=(spec.period(True, year_ok=True),))
    def activity_days_missing(self, request):
        return self.activities.activity_days_missing(request.args.get("period"))

    @route("GET", "/v1/org-units/<org_unit_id>/activity-days", answers=list[OpenObject], query=(spec.year(),))
    def list_activity_days(self, request, org_unit_id):
        if request.args.get("year") is None:
            raise InvalidInput.field("year", "required")
        return self.activities.list_activity_days(org_unit_id, int_arg(request, "year", 0))

    @route("POST", "/v1/activity-days/<day_id>/move", body=activity_api.MoveDay, answers=OpenObject)
    def move_activity_day(self, request, day_id):
        return self.activities.move_activity_day(day_id, json_body(request))

    @route("POST", "/v1/activity-days/<day_id>/attendance", status=201, body=activity_api.Attendance, answers=OpenObject)
    def record_attendance(self, request, day_id):
        return self.activities.record_attendance(day_id, json_body(request))
