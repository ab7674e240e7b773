"""What every service class is given whatever its data: the caller of each entrypoint, the
entrypoint's metrics and the log fields of the call. nameko collects dependency providers from
base classes too, so each service class extends `ServiceBase` instead of declaring them again."""
from __future__ import annotations

from services.common.logs import LogContext
from services.common.metrics import EntrypointMetrics
from services.common.tenancy import CallerContext


class ServiceBase:
    caller = CallerContext()
    metrics = EntrypointMetrics()
    log_context = LogContext()
