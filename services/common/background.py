"""Work a service does on its own, beside its entrypoints: business gauges, the retention sweep,
notify's deliveries and reminders.

Each is a dependency with one green thread, started and stopped with the container, and a small
engine of its own so it never takes a connection a worker is waiting for. A subclass names its
thread (`identifier`), sizes its pool (`pool_size`), may extend `setup()`, and implements
`run()`, a loop that must survive its own failures (the database being away for a while).

Stopping kills the thread wherever it is. That is safe for work that lives in the database:
every round is its own transaction, so a round cut short rolls back and the next start does it
again. Work with an effect outside the database (an email, a robot post) would be done twice if
the kill fell between the effect and the commit that records it; such a worker sets
`stop_grace_seconds`, checks `self.stopping` between items and sleeps with `self.pause()`, so a
stop lets the current item finish first.
"""
from __future__ import annotations

import logging

import eventlet
import eventlet.event
from nameko.extensions import DependencyProvider

from services.common.db import make_engine
from services.common.settings import from_container

log = logging.getLogger(__name__)


class BackgroundWorker(DependencyProvider):
    identifier = "background"
    pool_size = 1
    stop_grace_seconds = 0.0

    def setup(self):
        self.engine = make_engine(from_container(self.container), pool_size=self.pool_size)
        self._thread = None
        self.stopping = False
        self._wake = eventlet.event.Event()

    def start(self):
        self.stopping = False
        self._wake = eventlet.event.Event()
        self._thread = self.container.spawn_managed_thread(self.run, identifier=self.identifier)

    def pause(self, seconds: float) -> None:
        """Sleep between rounds of work; returns at once when the worker is told to stop."""
        with eventlet.Timeout(seconds, False):
            self._wake.wait()

    def stop(self):
        self._stop(self.stop_grace_seconds)

    def kill(self):
        self._stop(0)

    def _stop(self, grace: float) -> None:
        self.stopping = True
        if not self._wake.ready():
            self._wake.send(True)
        if self._thread is not None:
            if grace:
                with eventlet.Timeout(grace, False):
                    try:
                        self._thread.wait()
                    except Exception as exc:  # it failed on its way out; it is over either way
                        log.warning("%s ended with %s while stopping", self.identifier, exc)
            self._thread.kill()
            self._thread = None
        self.engine.dispose()

    def get_dependency(self, worker_ctx):
        return self

    def run(self) -> None:
        raise NotImplementedError
