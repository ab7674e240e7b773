"""Work a service does on its own, beside its entrypoints: business gauges, the retention sweep,
notify's deliveries and reminders.

Each is a dependency with one green thread, started and stopped with the container, and a small
engine of its own so it never takes a connection a worker is waiting for. A subclass names its
thread (`identifier`), sizes its pool (`pool_size`), may extend `setup()`, and implements
`run()`, a loop that must survive its own failures (the database being away for a while).
Stopping kills the thread wherever it is; every round of work is its own transaction, so a round
cut short rolls back and the next start does it again.
"""
from __future__ import annotations

from nameko.extensions import DependencyProvider

from services.common.db import make_engine
from services.common.settings import from_container


class BackgroundWorker(DependencyProvider):
    identifier = "background"
    pool_size = 1

    def setup(self):
        self.engine = make_engine(from_container(self.container), pool_size=self.pool_size)
        self._thread = None

    def start(self):
        self._thread = self.container.spawn_managed_thread(self.run, identifier=self.identifier)

    def stop(self):
        if self._thread is not None:
            self._thread.kill()
            self._thread = None
        self.engine.dispose()

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        return self

    def run(self) -> None:
        raise NotImplementedError
