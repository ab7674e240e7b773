from services.gateway.routing import int_arg, route


class NotifyRoutes:
    @route("GET", "/v1/members/<member_id>/inbox")
    def member_inbox(self, request, member_id):
        self.visible_member(member_id)
        return self.notify.inbox(member_id, int_arg(request, "limit", 50), int_arg(request, "offset", 0))
