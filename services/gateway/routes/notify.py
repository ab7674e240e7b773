from services.common.errors import NotFound
from services.common.validation import parse_uuid
from services.gateway.parsing import json_body, page_args
from services.common.contracts.api import notify as notify_api
from services.common.contracts.api.answers import OpenObject
from services.gateway.spec import PAGE, UUID, Query
from services.gateway.routing import route

DELIVERY_QUERY = (
    Query("status", {"type": "string"}, description="deliveries in this state only"),
    Query("channel", {"type": "string"}, description="deliveries on this channel only"),
    Query("person_id", UUID, description="deliveries to this person only"),
) + PAGE


class NotifyRoutes:
    @route("GET", "/v1/members/<member_id>/inbox", answers=notify_api.InboxPage, query=PAGE)
    def member_inbox(self, request, member_id):
        self.visible_member(member_id)
        return self.notify.inbox(member_id, *page_args(request))

    @route("GET", "/v1/members/<member_id>/notification-preferences", answers=notify_api.Preferences)
    def get_notification_preferences(self, request, member_id):
        self.visible_member(member_id)
        return self.notify.get_preferences(member_id)

    @route("PUT", "/v1/members/<member_id>/notification-preferences", body=notify_api.PreferencesIn, answers=notify_api.Preferences)
    def put_notification_preferences(self, request, member_id):
        self.visible_member(member_id)
        return self.notify.set_preferences(member_id, json_body(request))

    @route("GET", "/v1/org-units/<org_unit_id>/robots", answers=list[notify_api.Robot])
    def list_robots(self, request, org_unit_id):
        self.tenant_org_unit(org_unit_id)
        return self.notify.list_robots(org_unit_id)

    @route("PUT", "/v1/org-units/<org_unit_id>/robots/<kind>", body=notify_api.RobotIn, answers=notify_api.Robot)
    def put_robot(self, request, org_unit_id, kind):
        self.tenant_org_unit(org_unit_id)
        return self.notify.put_robot(org_unit_id, kind, json_body(request))

    @route("POST", "/v1/notices", status=201, body=notify_api.NoticeIn, answers=OpenObject)
    def send_notice(self, request):
        body = json_body(request)
        # Address only people and branches of the caller's own college.
        if body.get("person_id") is not None:
            self.members.get_member(body["person_id"])
        if body.get("org_unit_id") is not None:
            self.tenant_org_unit(body["org_unit_id"])
        return self.notify.send_notice(body)

    @route("POST", "/v1/org-units/<org_unit_id>/notices", status=201, answers=OpenObject, body=notify_api.UnitNoticeIn)
    def publish_notice(self, request, org_unit_id):
        self.tenant_org_unit(org_unit_id)
        return self.notify.publish_notice(org_unit_id, json_body(request))

    @route("GET", "/v1/notices/<notice_id>", answers=OpenObject)
    def notice_receipts(self, request, notice_id):
        return self.notify.notice_receipts(notice_id)

    @route("POST", "/v1/notices/<notice_id>/acknowledge", answers=OpenObject)
    def acknowledge_notice(self, request, notice_id):
        return self.notify.acknowledge_notice(notice_id)

    @route("POST", "/v1/notices/<notice_id>/remind", answers=OpenObject)
    def remind_notice(self, request, notice_id):
        return self.notify.remind_notice(notice_id)

    @route("GET", "/v1/members/<member_id>/notices", answers=list[OpenObject])
    def member_notices(self, request, member_id):
        self.visible_member(member_id)
        return self.notify.person_notices(member_id)

    @route("GET", "/v1/notification-deliveries", answers=notify_api.DeliveryPage, query=DELIVERY_QUERY)
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
