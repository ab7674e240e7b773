"""Dues (党费): rate tables, bases, reliefs, assessments, payments, arrears and reports."""
from services.gateway.routes.points import xlsx_route
from services.gateway.parsing import json_body
from services.gateway.routing import route


class DuesRoutes:
    @route("GET", "/v1/dues/rate-table")
    def dues_rate_table(self, request):
        return self.dues.rate_table(request.args.get("on"))

    @route("POST", "/v1/dues/rate-tables", status=201)
    def save_dues_rate_table(self, request):
        return self.dues.save_rate_table(json_body(request))

    @route("POST", "/v1/members/<member_id>/dues-bases", status=201)
    def record_dues_base(self, request, member_id):
        return self.dues.record_base(member_id, json_body(request))

    @route("GET", "/v1/members/<member_id>/dues-bases")
    def dues_bases(self, request, member_id):
        return self.dues.bases(member_id)

    @route("POST", "/v1/dues/bases/import")
    def import_dues_bases(self, request):
        return self.dues.import_bases(json_body(request))

    @route("POST", "/v1/members/<member_id>/dues-reliefs", status=201)
    def record_dues_relief(self, request, member_id):
        return self.dues.record_relief(member_id, json_body(request))

    @route("POST", "/v1/dues/assessments")
    def assess_dues(self, request):
        return self.dues.assess(json_body(request))

    @route("POST", "/v1/dues/payments", status=201)
    def record_dues_payment(self, request):
        return self.dues.record_payment(json_body(request))

    @route("POST", "/v1/dues/payments/<payment_id>/correct", status=201)
    def correct_dues_payment(self, request, payment_id):
        return self.dues.correct_payment(payment_id, json_body(request))

    @route("POST", "/v1/dues/payments/import")
    def import_dues_statement(self, request):
        return self.dues.import_statement(json_body(request))

    @route("GET", "/v1/members/<member_id>/dues")
    def member_dues(self, request, member_id):
        return self.dues.member_dues(member_id, request.args.get("year"))

    @route("GET", "/v1/org-units/<org_unit_id>/dues-arrears")
    def dues_arrears(self, request, org_unit_id):
        return self.dues.arrears(org_unit_id, request.args.get("period"))

    @route("POST", "/v1/dues/arrears-checks")
    def check_dues_arrears(self, request):
        return self.dues.check_arrears(json_body(request))

    @route("GET", "/v1/org-units/<org_unit_id>/dues-report")
    def dues_report(self, request, org_unit_id):
        return self.dues.branch_report(org_unit_id, request.args.get("period"))

    @xlsx_route("/v1/org-units/<org_unit_id>/dues-report.xlsx")
    def dues_report_xlsx(self, request, org_unit_id):
        period = request.args.get("period")
        return f"dues-{period}.xlsx", self.dues.branch_report(org_unit_id, period, "xlsx")

    @route("GET", "/v1/dues/report")
    def tenant_dues_report(self, request):
        return self.dues.tenant_report(request.args.get("period"))

    @xlsx_route("/v1/dues/report.xlsx")
    def tenant_dues_report_xlsx(self, request):
        period = request.args.get("period")
        return f"dues-{period}.xlsx", self.dues.tenant_report(period, "xlsx")
