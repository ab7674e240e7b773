import base64
import functools

from nameko.web.handlers import http
from werkzeug.wrappers import Response

from services.common.errors import InvalidInput
from services.gateway.errors import error_response
from services.gateway.parsing import check_request, int_arg, json_body
from services.gateway.references import check_references
from services.common.contracts.api import points as points_api
from services.common.contracts.api.answers import OpenObject
from services.gateway import spec
from services.gateway.routing import authenticate, route, start_request

BOARD_QUERY = (
    spec.period(True, year_ok=True),
    spec.Query("dimension", {"type": "string", "enum": ["ability", "service", "results", "total"], "default": "total"}),
)


def xlsx_route(url: str, *, query: tuple[spec.Query, ...] = ()):
    """Like `route` (authenticated, tenant bound, errors as JSON) but answers a spreadsheet."""
    route_spec = spec.RouteSpec(method="GET", url=url, status=200, authenticated=True, body=None,
                                answers=spec.SPREADSHEET, query=tuple(query), media_type=spec.XLSX)

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
            return Response(base64.b64decode(encoded), status=200, mimetype=spec.XLSX, headers={
                "X-Request-ID": correlation_id, "Content-Disposition": f'attachment; filename="{filename}"'})

        entrypoint.route_spec = route_spec
        return http("GET", url)(entrypoint)

    return decorate


def _year(request) -> int:
    if request.args.get("year") is None:
        raise InvalidInput.field("year", "required")
    return int_arg(request, "year", 0)


class PointsRoutes:
    @route("GET", "/v1/members/<member_id>/points", answers=points_api.Balance, query=(spec.period(),))
    def member_points(self, request, member_id):
        self.visible_member(member_id)
        return self.points.balance(member_id, request.args.get("period"))

    @route("GET", "/v1/members/<member_id>/points/statement", answers=list[points_api.LedgerEntry], query=(spec.period(),))
    def member_statement(self, request, member_id):
        self.visible_member(member_id)
        return self.points.statement(member_id, request.args.get("period"))

    @route("GET", "/v1/points/rule-set", answers=OpenObject, query=(spec.org_unit(), spec.Query("on", spec.DAY, description="the day the rules are in force (default today)")))
    def rule_set(self, request):
        return self.points.rule_set(request.args.get("org_unit_id"), request.args.get("on"))

    @route("POST", "/v1/points/rule-sets", status=201, body=points_api.RuleSetCreate, answers=OpenObject)
    def save_rule_set(self, request):
        return self.points.save_rule_set(json_body(request))

    @route("POST", "/v1/points/month-closes", body=points_api.MonthCloseRequest, answers=OpenObject)
    def close_month(self, request):
        return self.points.close_month(json_body(request))

    @route("GET", "/v1/points/leaderboard", answers=OpenObject, query=BOARD_QUERY + (spec.org_unit(), spec.Query("limit", {"type": "integer", "minimum": 1, "maximum": 500, "default": 20})))
    def leaderboard(self, request):
        return self.points.leaderboard(request.args.get("period"), request.args.get("dimension", "total"),
                                       request.args.get("org_unit_id"), int_arg(request, "limit", 20))

    @route("GET", "/v1/points/leaderboard/org-units", answers=OpenObject, query=BOARD_QUERY)
    def unit_leaderboard(self, request):
        return self.points.unit_leaderboard(request.args.get("period"), request.args.get("dimension", "total"))

    @route("GET", "/v1/org-units/<org_unit_id>/assessment", answers=OpenObject, query=(spec.year(),))
    def assessment(self, request, org_unit_id):
        return self.points.assessment(org_unit_id, _year(request))

    @xlsx_route("/v1/org-units/<org_unit_id>/assessment.xlsx", query=(spec.year(),))
    def assessment_xlsx(self, request, org_unit_id):
        year = _year(request)
        return f"assessment-{year}.xlsx", self.points.assessment_xlsx(org_unit_id, year)

    @route("GET", "/v1/org-units/<org_unit_id>/points-report", answers=OpenObject, query=(spec.period(True),))
    def monthly_report(self, request, org_unit_id):
        return self.points.monthly_report(org_unit_id, request.args.get("period"))

    @xlsx_route("/v1/org-units/<org_unit_id>/points-report.xlsx", query=(spec.period(True),))
    def monthly_report_xlsx(self, request, org_unit_id):
        period = request.args.get("period")
        return f"points-{period}.xlsx", self.points.monthly_report(org_unit_id, period, "xlsx")
