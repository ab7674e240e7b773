"""Readiness, liveness and the watchdog, served beside /metrics on each service's metrics port.

What the endpoints mean (as Kubernetes, compose and the local supervisor read them):

* `GET /health/ready`  200 when this process can do its work now: the broker answers, the
  database answers (services that have one) and every queue consumer is attached; 503 with the
  reasons otherwise. Not ready is normal during a broker or database outage: the process
  reconnects by itself, and meanwhile it should get no traffic. Never a reason to restart it.
* `GET /health/live`   200 unless the process is stuck: its service container has died, or a
  consumer thread has ended for good. 503 then, and a supervisor restarts it.
* `GET /metrics`       Prometheus, as before.

The watchdog is the last line: a real OS thread (not a green one) that sees the eventlet hub
tick every second. If the hub stops turning (a call blocked the whole process) or a requested
exit does not finish in time, it ends the process with a non-zero code so that its supervisor
starts a fresh one. A stuck process never sits there answering nothing.
"""
from __future__ import annotations

import json
import logging
import os
import sys

import eventlet
import eventlet.wsgi
from eventlet import patcher
from kombu import Connection
from prometheus_client import make_wsgi_app
from sqlalchemy import text

from services.common.connections import SurvivingQueueConsumer
from services.common.db import make_engine

log = logging.getLogger(__name__)

_os_threading = patcher.original("threading")
_os_time = patcher.original("time")

WATCHDOG_EXIT_CODE = 70
PROBE_TIMEOUT_SECONDS = 2.0


def readiness_problems(*, broker_ok: bool, database_ok: bool | None, consumers_detached: list[str]) -> list[str]:
    """Why the process is not ready (empty: ready). `database_ok` None: it has no database."""
    problems = []
    if not broker_ok:
        problems.append("the message broker does not answer")
    if database_ok is False:
        problems.append("the database does not answer")
    problems += [f"consumer {name} is not attached" for name in consumers_detached]
    return problems


def liveness_problems(*, container_running: bool, consumers_dead: list[str]) -> list[str]:
    """Why the process is stuck (empty: live)."""
    problems = [] if container_running else ["the service container has stopped"]
    return problems + [f"consumer {name} has ended" for name in consumers_dead]


class Health:
    """The state of one service process, asked by the endpoints."""

    def __init__(self, settings, runner, with_database: bool):
        self.settings = settings
        self.runner = runner
        self._engine = make_engine(settings, pool_size=1) if with_database else None

    def _queue_consumers(self) -> dict[str, SurvivingQueueConsumer]:
        found = {}
        for container in self.runner.containers:
            for extension in container.subextensions:
                if isinstance(extension, SurvivingQueueConsumer):
                    found[f"{container.service_name}.{type(extension).__name__}"] = extension
        return found

    def _broker_answers(self) -> bool:
        try:
            with Connection(self.settings.amqp_uri, connect_timeout=PROBE_TIMEOUT_SECONDS) as conn:
                conn.ensure_connection(max_retries=0)
            return True
        except Exception:
            return False

    def _database_answers(self) -> bool | None:
        if self._engine is None:
            return None
        try:
            with eventlet.Timeout(PROBE_TIMEOUT_SECONDS):
                with self._engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
            return True
        except (Exception, eventlet.Timeout):  # eventlet.Timeout is a BaseException
            self._engine.dispose()  # a connection a restart killed must not be handed out again
            return False

    def ready(self) -> list[str]:
        consumers = self._queue_consumers()
        return readiness_problems(
            broker_ok=self._broker_answers(), database_ok=self._database_answers(),
            consumers_detached=[name for name, consumer in consumers.items() if not consumer.attached])

    def live(self) -> list[str]:
        # nameko has no public "is this container dying" question; these two flags are what its
        # own stop and kill consult.
        containers = self.runner.containers
        running = bool(containers) and all(not c._died.ready() and not c._being_killed for c in containers)
        consumers = self._queue_consumers()
        return liveness_problems(container_running=running,
                                 consumers_dead=[name for name, consumer in consumers.items() if not consumer.alive])

    def wsgi_app(self):
        metrics_app = make_wsgi_app()

        def app(environ, start_response):
            path = environ.get("PATH_INFO", "")
            if path in ("/health/ready", "/health/live"):
                problems = self.ready() if path == "/health/ready" else self.live()
                status = "200 OK" if not problems else "503 Service Unavailable"
                body = json.dumps({"status": "ok" if not problems else "failing", "problems": problems},
                                  ensure_ascii=False).encode()
                start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
                return [body]
            return metrics_app(environ, start_response)

        return app


def serve(port: int, health: Health, address: str = "127.0.0.1") -> None:
    """/metrics, /health/ready and /health/live on `address`:`port` (port 0: not served, as in
    tests). The address is METRICS_BIND_ADDRESS: this machine only unless a deployment opens it."""
    if not port:
        return
    listener = eventlet.listen((address, port))
    eventlet.spawn_n(eventlet.wsgi.server, listener, health.wsgi_app(), log=_QuietLog(), log_output=False)


class _QuietLog:
    def write(self, data):
        pass


class Watchdog:
    """Ends the process when the eventlet hub stops turning, or an exit takes too long."""

    def __init__(self, service: str, stall_seconds: float, exit_seconds: float):
        self.service = service
        self.stall_seconds = stall_seconds
        self.exit_seconds = exit_seconds
        self._last_tick = _os_time.monotonic()
        self._exit_by: float | None = None
        self._containers = ()

    def start(self, containers) -> None:
        """`containers`: a container that starts being killed means the process is on its way out."""
        self._containers = containers
        eventlet.spawn_n(self._tick)
        _os_threading.Thread(target=self._watch, name="watchdog", daemon=True).start()

    def exit_soon(self) -> None:
        """A stop was asked for: if the process has not exited `exit_seconds` from now, end it."""
        if self._exit_by is None:
            self._exit_by = _os_time.monotonic() + self.exit_seconds

    def _tick(self) -> None:
        while True:
            self._last_tick = _os_time.monotonic()
            if self._exit_by is None and any(container._being_killed for container in self._containers):
                # nameko kills the container after an extension failed; the kill then waits for
                # each consumer to finish reconnecting, which with the broker away may be never.
                log.error("%s is being killed; exiting within %.0fs", self.service, self.exit_seconds)
                self.exit_soon()
            eventlet.sleep(1)

    def _watch(self) -> None:
        while True:
            _os_time.sleep(1)
            now = _os_time.monotonic()
            if now - self._last_tick > self.stall_seconds:
                self._die(f"the event loop has not turned for {now - self._last_tick:.0f}s")
            if self._exit_by is not None and now > self._exit_by:
                self._die("the stop did not finish in time")

    def _die(self, why: str) -> None:
        # Straight to stderr: logging may be what hangs.
        sys.stderr.write(f"watchdog: {self.service}: {why}; exiting with {WATCHDOG_EXIT_CODE} "
                         f"so that its supervisor restarts it\n")
        sys.stderr.flush()
        os._exit(WATCHDOG_EXIT_CODE)
