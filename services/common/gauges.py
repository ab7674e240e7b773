"""Business gauges computed from a service's own tables, refreshed in the background.

A gauge such as "four-duties completion per branch" is a query, not an event count. Running it
on every scrape would put Prometheus's scrape interval in charge of database load; instead each
service that owns such figures declares

    gauges = BusinessGauges(refresh_four_duties)

and a background greenlet calls each refresher with a read-only connection every
BUSINESS_GAUGE_SECONDS (default 30 s). A failing refresher is logged and retried next round;
it never stops the service.
"""
from __future__ import annotations

import logging
from typing import Callable

import eventlet
from nameko.extensions import DependencyProvider
from sqlalchemy.engine import Connection

from services.common.db import make_engine
from services.common.settings import from_container

log = logging.getLogger(__name__)

Refresher = Callable[[Connection], None]


class BusinessGauges(DependencyProvider):
    def __init__(self, *refreshers: Refresher):
        self.refreshers = refreshers

    def setup(self):
        settings = from_container(self.container)
        self.interval = settings.business_gauge_seconds
        self.engine = make_engine(settings, pool_size=1)
        self._thread = None

    def start(self):
        self._thread = self.container.spawn_managed_thread(self._run, identifier="business_gauges")

    def stop(self):
        if self._thread is not None:
            self._thread.kill()
        self.engine.dispose()

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        return self

    def _run(self):
        while True:
            self.refresh()
            eventlet.sleep(self.interval)

    def refresh(self) -> None:
        for refresher in self.refreshers:
            try:
                with self.engine.connect() as conn:
                    refresher(conn)
            except Exception as exc:
                log.warning("business gauge %s failed: %s", refresher.__name__, exc)


def replace_series(gauge, values: dict[tuple, float]) -> None:
    """Set a labelled gauge to exactly `values`: series whose labels disappeared (a branch
    closed, a tenant with nothing overdue) are removed instead of keeping their last value."""
    gauge.clear()
    for labels, value in values.items():
        gauge.labels(*labels).set(value)
