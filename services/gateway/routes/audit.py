"""The audit log (审计日志) of the caller's college, kept by members: tenant admins only."""
from services.gateway.parsing import page_args
from services.gateway.routes.points import xlsx_route
from services.gateway.routing import route

FILTERS = ("person_id", "target_id", "since", "until")


def _query(request) -> dict:
    return {name: request.args[name] for name in FILTERS if request.args.get(name)}


class AuditRoutes:
    @route("GET", "/v1/audit-log")
    def audit_log(self, request):
        limit, offset = page_args(request)
        return self.members.audit_log({**_query(request), "limit": limit, "offset": offset})

    @xlsx_route("/v1/audit-log.xlsx")
    def audit_log_xlsx(self, request):
        return "audit-log.xlsx", self.members.audit_log(_query(request), "xlsx")
