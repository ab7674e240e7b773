"""The audit log (审计日志) of the caller's college, kept by members: tenant admins only."""
from services.common.contracts.api.answers import OpenObject
from services.gateway.spec import DAY, PAGE, UUID, Query
from services.gateway.parsing import page_args
from services.gateway.routes.points import xlsx_route
from services.gateway.routing import route

FILTERS = ("person_id", "target_id", "since", "until")
AUDIT_QUERY = (
    Query("person_id", UUID, description="who acted"), Query("target_id", UUID, description="what was acted on"),
    Query("since", DAY, description="the first day, included"), Query("until", DAY, description="the last day, included"),
) + PAGE


def _query(request) -> dict:
    return {name: request.args[name] for name in FILTERS if request.args.get(name)}


class AuditRoutes:
    @route("GET", "/v1/audit-log", answers=OpenObject, query=AUDIT_QUERY)
    def audit_log(self, request):
        limit, offset = page_args(request)
        return self.members.audit_log({**_query(request), "limit": limit, "offset": offset})

    @xlsx_route("/v1/audit-log.xlsx")
    def audit_log_xlsx(self, request):
        return "audit-log.xlsx", self.members.audit_log(_query(request), "xlsx")
