"""Prometheus metrics for every service, defined once.

Labels are bounded: service, entrypoint, event type, outcome, channel, activity kind. Never a
member or event id (each would create a series per value and exhaust Prometheus). Tenant and
branch appear only on the business gauges: a deployment has a handful of colleges with tens
of branches each, and "completion per branch" is exactly what branch leaders look at. Several
containers in one process (tests) share these metrics and are told apart by the `service` label.
"""
from __future__ import annotations

import time

from nameko.extensions import DependencyProvider
from prometheus_client import REGISTRY, Counter, Gauge, Histogram, start_http_server

ENTRYPOINT_LATENCY = Histogram(
    "entrypoint_duration_seconds",
    "Time a worker spent in an entrypoint (RPC, HTTP or event handler)",
    ["service", "entrypoint", "kind", "outcome"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
EVENTS_PUBLISHED = Counter(
    "events_published_total", "Events the outbox relay published with a broker confirm", ["service", "event_type"]
)
EVENTS_CONSUMED = Counter(
    "events_consumed_total",
    "Events consumed, by outcome: processed, duplicate, retried, dead_lettered",
    ["service", "event_type", "outcome"],
)
DEAD_LETTERED = Counter(
    "events_dead_lettered_total", "Messages sent to a dead-letter queue, by reason class", ["service", "event_type", "reason"]
)
OUTBOX_BACKLOG = Gauge("outbox_backlog", "Outbox rows not yet published", ["service"])
OUTBOX_OLDEST_AGE = Gauge("outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row", ["service"])
OUTBOX_PUBLISH_FAILURES = Counter(
    "outbox_publish_failures_total", "Relay attempts that failed (broker down, unroutable)", ["service", "reason"]
)
RETENTION_DELETED = Counter(
    "retention_rows_deleted_total", "Once-only records deleted after their retention window", ["service", "table"]
)
SERVICE_INFO = Gauge("service_up", "1 while the service container runs", ["service"])

# -- business metrics ---------------------------------------------------------------------------
# Counted from the events a transaction committed (see `count_committed`), so the figures agree
# with the data: a rolled-back request counts nothing, a bulk log of thirty counts thirty.
ACTIVITIES_LOGGED = Counter("activities_logged_total", "Activities logged, by kind", ["service", "kind"])
POINTS_AWARDED = Counter("points_awarded_total", "Points credited by ledger entries, by activity kind",
                         ["service", "kind"])
POINTS_DEDUCTED = Counter("points_deducted_total", "Points taken away by ledger entries (deductions, "
                          "compensations), by kind", ["service", "kind"])
# Refreshed from the owning service's tables by services.common.gauges.BusinessGauges. Every
# replica reports the same value: dashboards take max across instances, never the sum.
FOUR_DUTIES_COMPLETION = Gauge("four_duties_completion_ratio", "Share of the four monthly duties done "
                               "so far this month by a branch's members", ["tenant", "branch"])
FOLLOWUPS_OVERDUE = Gauge("followups_overdue", "Active pairings whose next contact is overdue", ["tenant"])
NEEDS_OPEN = Gauge("needs_open", "Needs raised and not yet confirmed closed", ["tenant"])


def count_committed(service: str, events) -> None:
    """Count the business facts among events that just committed."""
    for event in events:
        if event.event_type == "activity_logged":
            ACTIVITIES_LOGGED.labels(service, event.kind).inc()
        elif event.event_type == "points_awarded":
            if event.delta > 0:
                POINTS_AWARDED.labels(service, event.kind).inc(event.delta)
            elif event.delta < 0:
                POINTS_DEDUCTED.labels(service, event.kind).inc(-event.delta)


def serve(port: int, address: str = "127.0.0.1") -> None:
    """Expose /metrics on `address`:`port` (port 0 = do not serve, e.g. in tests sharing a process)."""
    if port:
        start_http_server(port, addr=address, registry=REGISTRY)


class EntrypointMetrics(DependencyProvider):
    """Times every entrypoint of the service it is declared on, labelled by outcome."""

    def setup(self):
        self._started: dict = {}
        self._kinds: dict = {}

    def start(self):
        SERVICE_INFO.labels(self.container.service_name).set(1)

    def stop(self):
        SERVICE_INFO.labels(self.container.service_name).set(0)

    def worker_setup(self, worker_ctx):
        self._started[worker_ctx] = time.perf_counter()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = self._started.pop(worker_ctx, None)
        if started is None:
            return
        entrypoint = worker_ctx.entrypoint
        ENTRYPOINT_LATENCY.labels(
            self.container.service_name,
            entrypoint.method_name,
            type(entrypoint).__name__,
            "error" if exc_info else "ok",
        ).observe(time.perf_counter() - started)

    def get_dependency(self, worker_ctx):
        return None
