from services.gateway.routing import route


class PointsRoutes:
    @route("GET", "/v1/members/<member_id>/points")
    def member_points(self, request, member_id):
        self.visible_member(member_id)
        return self.points.balance(member_id, request.args.get("period"))

    @route("GET", "/v1/members/<member_id>/points/statement")
    def member_statement(self, request, member_id):
        self.visible_member(member_id)
        return self.points.statement(member_id)
