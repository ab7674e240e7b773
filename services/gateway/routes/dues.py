"""Dues (党费): rate tables, bases, reliefs, assessments, payments, arrears and reports."""
from services.gateway.routes.points import xlsx_route
from services.gateway.parsing import json_body
from services.common.contracts.api import dues as dues_api
from services.common.contracts.api.answers import OpenObject
from services.gateway import spec
from services.gateway.routing import route


class DuesRoutes:
    @route("GET", "/v1/dues/rate-table", answers=OpenObject, query=(spec.Query("on", spec.DAY, description="the day the table is in force (default today)"),))
    def dues_rate_table(self, request):
        return self.dues.rate_table(request.args.get("on"))

    @route("POST", "/v1/dues/rate-tables", status=201, body=dues_api.RateTableCreate, answers=OpenObject)
    def save_dues_rate_table(self, request):
        return self.dues.save_rate_table(json_body(request))

    @route("POST", "/v1/members/<member_id>/dues-bases", status=201, body=dues_api.BaseCreate, answers=dues_api.DuesBase)
    def record_dues_base(self, request, member_id):
        return self.dues.record_base(member_id, json_body(request))

    @route("GET", "/v1/members/<member_id>/dues-bases", answers=list[dues_api.DuesBase])
    def dues_bases(self, request, member_id):
        return self.dues.bases(member_id)

    @route("POST", "/v1/dues/bases/import", body=dues_api.PayrollImport, answers=OpenObject)
    def import_dues_bases(self, request):
        return self.dues.import_bases(json_body(request))

    @route("POST", "/v1/members/<member_id>/dues-reliefs", status=201, body=dues_api.ReliefCreate, answers=OpenObject)
    def record_dues_relief(self, request, member_id):
        return self.dues.record_relief(member_id, json_body(request))

    @route("POST", "/v1/dues/assessments", body=dues_api.AssessRequest, answers=OpenObject)
    def assess_dues(self, request):
        return self.dues.assess(json_body(request))

    @route("POST", "/v1/dues/payments", status=201, body=dues_api.PaymentCreate, answers=OpenObject)
    def record_dues_payment(self, request):
        return self.dues.record_payment(json_body(request))

    @route("POST", "/v1/dues/payments/<payment_id>/correct", status=201, body=dues_api.PaymentCorrection, answers=OpenObject)
    def correct_dues_payment(self, request, payment_id):
        return self.dues.correct_payment(payment_id, json_body(request))

    @route("POST", "/v1/dues/payments/import", body=dues_api.StatementImport, answers=OpenObject)
    def import_dues_statement(self, request):
        return self.dues.import_statement(json_body(request))

    @route("GET", "/v1/members/<member_id>/dues", answers=OpenObject, query=(spec.year(False),))
    def member_dues(self, request, member_id):
        return self.dues.member_dues(member_id, request.args.get("year"))

    @route("GET", "/v1/org-units/<org_unit_id>/dues-arrears", answers=OpenObject, query=(spec.period(True),))
    def dues_arrears(self, request, org_unit_id):
        return self.dues.arrears(org_unit_id, request.args.get("period"))

    @route("POST", "/v1/dues/arrears-checks", body=dues_api.ArrearsCheck, answers=OpenObject)
    def check_dues_arrears(self, request):
        return self.dues.check_arrears(json_body(request))

    @route("GET", "/v1/org-units/<org_unit_id>/dues-report", answers=OpenObject, query=(spec.period(True, year_ok=True),))
    def dues_report(self, request, org_unit_id):
        return self.dues.branch_report(org_unit_id, request.args.get("period"))

    @xlsx_route("/v1/org-units/<org_unit_id>/dues-report.xlsx", query=(spec.period(True, year_ok=True),))
    def dues_report_xlsx(self, request, org_unit_id):
        period = request.args.get("period")
        return f"dues-{period}.xlsx", self.dues.branch_report(org_unit_id, period, "xlsx")

    @route("GET", "/v1/dues/report", answers=OpenObject, query=(spec.period(True, year_ok=True),))
    def tenant_dues_report(self, request):
        return self.dues.tenant_report(request.args.get("period"))

    @xlsx_route("/v1/dues/report.xlsx", query=(spec.period(True, year_ok=True),))
    def tenant_dues_report_xlsx(self, request):
        period = request.args.get("period")
        return f"dues-{period}.xlsx", self.dues.tenant_report(period, "xlsx")
