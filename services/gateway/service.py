"""The gateway: the single HTTP edge. Authenticates, binds tenant and caller, calls by RPC.

Its own metrics are served on METRICS_PORT, like every service's, for Prometheus to scrape
inside the deployment; the public HTTP port serves no /metrics."""
from __future__ import annotations

from nameko.web.handlers import http

from services.common.rpc import RpcClient
from services.common.consuming import broadcast
from services.common.contracts.members import CredentialsRevoked
from services.common.service import ServiceBase
from services.gateway.auth import Credentials
from services.gateway.errors import json_response
from services.gateway.parsing import RequestLimits
from services.gateway.routes.activities import ActivitiesRoutes
from services.gateway.routes.audit import AuditRoutes
from services.gateway.routes.development import DevelopmentRoutes
from services.gateway.routes.docs import DocsRoutes
from services.gateway.routes.dues import DuesRoutes
from services.gateway.routes.meetings import MeetingsRoutes
from services.gateway.routes.members import MembersRoutes
from services.gateway.routes.notify import NotifyRoutes
from services.gateway.routes.pairing import PairingRoutes
from services.gateway.routes.points import PointsRoutes
from services.gateway.routes.sign_in import SignInRoutes
from services.gateway.routes.transfers import TransferRoutes


class GatewayService(
    MembersRoutes, ActivitiesRoutes, MeetingsRoutes, PointsRoutes, NotifyRoutes, PairingRoutes, DuesRoutes,
    DevelopmentRoutes, TransferRoutes, AuditRoutes, SignInRoutes, DocsRoutes, ServiceBase,
):
    name = "gateway"

    members = RpcClient("members")
    activities = RpcClient("activities")
    points = RpcClient("points")
    notify = RpcClient("notify")
    dues = RpcClient("dues")
    credentials = Credentials()
    limits = RequestLimits()

    @http("GET", "/health")
    def health(self, request):
        return json_response(200, {"status": "ok"})

    @broadcast(CredentialsRevoked)
    def on_credentials_revoked(self, event: CredentialsRevoked) -> None:
        """Each gateway process keeps its own list of stale credentials (see services.gateway.auth)."""
        self.credentials.note_revoked(event)
