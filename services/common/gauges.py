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
from sqlalchemy.engine import Connection

from services.common.background import BackgroundWorker
from services.common.settings import from_container

log = logging.getLogger(__name__)

Refresher = Callable[[Connection], None]


class BusinessGauges(BackgroundWorker):
    identifier = "business_gauges"

    def __init__(self, *refreshers: Refresher):
        self.refreshers = refreshers

    def setup(self):
        super().setup()
        self.interval = from_container(self.container).business_gauge_seconds

    def run(self):
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
