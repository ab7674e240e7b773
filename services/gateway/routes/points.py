import base64
import functools

from nameko.web.handlers import http
from werkzeug.wrappers import Response

from services.common.errors import InvalidInput
from services.gateway.errors import error_response
from services.gateway.parsing import check_request, int_arg, json_body
from services.gateway.references import check_references
from services.gateway.routing import authenticate, route, start_request

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_route(url: str):
    """Like `route` (authenticated, tenant bound, errors as JSON) but answers a spreadsheet."""
    def decorate(fn):
        @functools.wraps(fn)
        def entrypoint(self, request, **params):
            correlation_id = start_request(self, request)
            try:
                check_request(self.limits, request, params)
                authenticate(self, request, correlation_id)
                check_references(self, request, params)
                filename, encoded = fn(self, request, **params)
            except Exception as exc:
                return error_response(exc, correlation_id)
            return Response(base64.b64decode(encoded), status=200, mimetype=XLSX, headers={
                "X-Request-ID": correlation_id, "Content-Disposition": f'attachment; filename="{filename}"'})

        return http("GET", url)(entrypoint)

    return decorate


def _year(request) -> int:
    if request.args.get("year") is None:
        raise InvalidInput.field("year", "required")
    return int_arg(request, "year", 0)


class PointsRoutes:
    @route("GET", "/v1/members/<member_id>/points")
    def member_points(self, request, member_id):
        self.visible_member(member_id)
        return self.points.balance(member_id, request.args.get("period"))

    @route("GET", "/v1/members/<member_id>/points/statement")
    def member_statement(self, request, member_id):
        self.visible_member(member_id)
        return self.points.statement(member_id, request.args.get("period"))

    @route("GET", "/v1/points/rule-set")
    def rule_set(self, request):
        return self.points.rule_set(request.args.get("org_unit_id"), request.args.get("on"))

    @route("POST", "/v1/points/rule-sets", status=201)
    def save_rule_set(self, request):
        return self.points.save_rule_set(json_body(request))

    @route("POST", "/v1/points/month-closes")
    def close_month(self, request):
        return self.points.close_month(json_body(request))

    @route("GET", "/v1/points/leaderboard")
    def leaderboard(self, request):
        return self.points.leaderboard(request.args.get("period"), request.args.get("dimension", "total"),
                                       request.args.get("org_unit_id"), int_arg(request, "limit", 20))

    @route("GET", "/v1/points/leaderboard/org-units")
    def unit_leaderboard(self, request):
        return self.points.unit_leaderboard(request.args.get("period"), request.args.get("dimension", "total"))

    @route("GET", "/v1/org-units/<org_unit_id>/assessment")
    def assessment(self, request, org_unit_id):
        return self.points.assessment(org_unit_id, _year(request))

    @xlsx_route("/v1/org-units/<org_unit_id>/assessment.xlsx")
    def assessment_xlsx(self, request, org_unit_id):
        year = _year(request)
        return f"assessment-{year}.xlsx", self.points.assessment_xlsx(org_unit_id, year)

    @route("GET", "/v1/org-units/<org_unit_id>/points-report")
    def monthly_report(self, request, org_unit_id):
        return self.points.monthly_report(org_unit_id, request.args.get("period"))

    @xlsx_route("/v1/org-units/<org_unit_id>/points-report.xlsx")
    def monthly_report_xlsx(self, request, org_unit_id):
        period = request.args.get("period")
        return f"points-{period}.xlsx", self.points.monthly_report(org_unit_id, period, "xlsx")
