"""The gateway: the single HTTP edge. Authenticates, binds tenant and caller, calls by RPC.

Its own metrics are served on METRICS_PORT, like every service's, for Prometheus to scrape
inside the deployment; the public HTTP port serves no /metrics."""
from __future__ import annotations

from nameko.web.handlers import http

from services.common.logs import LogContext
from services.common.metrics import EntrypointMetrics
from services.common.rpc import RpcClient
from services.common.tenancy import CallerContext
from services.gateway.auth import TokenCache
from services.gateway.errors import json_response
from services.gateway.parsing import RequestLimits
from services.gateway.routes.activities import ActivitiesRoutes
from services.gateway.routes.docs import DocsRoutes
from services.gateway.routes.dues import DuesRoutes
from services.gateway.routes.members import MembersRoutes
from services.gateway.routes.notify import NotifyRoutes
from services.gateway.routes.pairing import PairingRoutes
from services.gateway.routes.points import PointsRoutes


class GatewayService(MembersRoutes, ActivitiesRoutes, PointsRoutes, NotifyRoutes, PairingRoutes, DuesRoutes,
                     DocsRoutes):
    name = "gateway"

    members = RpcClient("members")
    activities = RpcClient("activities")
    points = RpcClient("points")
    notify = RpcClient("notify")
    dues = RpcClient("dues")
    caller = CallerContext()
    tokens = TokenCache()
    metrics = EntrypointMetrics()
    log_context = LogContext()
    limits = RequestLimits()

    @http("GET", "/health")
    def health(self, request):
        return json_response(200, {"status": "ok"})
