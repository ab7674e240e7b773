from services.gateway.routing import json_body, route


class ActivitiesRoutes:
    @route("POST", "/v1/activities", status=201)
    def log_activity(self, request):
        return self.activities.log_activity(json_body(request))

    @route("GET", "/v1/activities/<activity_id>")
    def get_activity(self, request, activity_id):
        return self.activities.get_activity(activity_id)

    @route("GET", "/v1/members/<member_id>/activities")
    def member_activities(self, request, member_id):
        self.visible_member(member_id)
        return self.activities.list_member_activities(member_id, request.args.get("period"))
