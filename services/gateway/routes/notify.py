from services.common.errors import NotFound
from services.common.validation import parse_uuid
from services.gateway.parsing import json_body, page_args
from services.gateway.routing import route


class NotifyRoutes:
    @route("GET", "/v1/members/<member_id>/inbox")
    def member_inbox(self, request, member_id):
        self.visible_member(member_id)
        return self.notify.inbox(member_id, *page_args(request))

    @route("GET", "/v1/members/<member_id>/notification-preferences")
    def get_notification_preferences(self, request, member_id):
        self.visible_member(member_id)
        return self.notify.get_preferences(member_id)

    @route("PUT", "/v1/members/<member_id>/notification-preferences")
    def put_notification_preferences(self, request, member_id):
        self.visible_member(member_id)
        return self.notify.set_preferences(member_id, json_body(request))

    @route("GET", "/v1/org-units/<org_unit_id>/robots")
    def list_robots(self, request, org_unit_id):
        self.tenant_org_unit(org_unit_id)
        return self.notify.list_robots(org_unit_id)

    @route("PUT", "/v1/org-units/<org_unit_id>/robots/<kind>")
    def put_robot(self, request, org_unit_id, kind):
        self.tenant_org_unit(org_unit_id)
        return self.notify.put_robot(org_unit_id, kind, json_body(request))

    @route("POST", "/v1/notices", status=201)
    def send_notice(self, request):
        body = json_body(request)
        # Address only people and branches of the caller's own college.
        if body.get("person_id") is not None:
            self.members.get_member(body["person_id"])
        if body.get("org_unit_id") is not None:
            self.tenant_org_unit(body["org_unit_id"])
        return self.notify.send_notice(body)

    @route("POST", "/v1/org-units/<org_unit_id>/notices", status=201)
    def publish_notice(self, request, org_unit_id):
        self.tenant_org_unit(org_unit_id)
        return self.notify.publish_notice(org_unit_id, json_body(request))

    @route("GET", "/v1/notices/<notice_id>")
    def notice_receipts(self, request, notice_id):
        return self.notify.notice_receipts(notice_id)

    @route("POST", "/v1/notices/<notice_id>/acknowledge")
    def acknowledge_notice(self, request, notice_id):
        return self.notify.acknowledge_notice(notice_id)

    @route("POST", "/v1/notices/<notice_id>/remind")
    def remind_notice(self, request, notice_id):
        return self.notify.remind_notice(notice_id)

    @route("GET", "/v1/members/<member_id>/notices")
    def member_notices(self, request, member_id):
        self.visible_member(member_id)
        return self.notify.person_notices(member_id)

    @route("GET", "/v1/notification-deliveries")
    def notification_deliveries(self, request):
        return self.notify.deliveries(
            request.args.get("status"), request.args.get("channel"), request.args.get("person_id"),
            *page_args(request),
        )

    def tenant_org_unit(self, org_unit_id) -> None:
        """NotFound unless the org unit belongs to the caller's tenant."""
        wanted = str(parse_uuid(org_unit_id, "org_unit_id"))
        if not any(unit["id"] == wanted for unit in self.members.list_org_units()):
            raise NotFound("no such org unit")
