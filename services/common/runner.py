"""Start one service: settings, logs, pre-start (wait, migrate, declare), metrics, nameko.

`python -m services.<name>` calls `services.launch.main("<name>")`, which hands `main` what only
the whole system knows: the service's class, whether it owns a schema, and the subscription table.
The same pre-start is what the container image runs, so local processes and containers start the
same way.
"""
from __future__ import annotations

from services.common import runtime

runtime.patch()

import itertools  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import eventlet  # noqa: E402
import eventlet.event  # noqa: E402
from kombu import Connection  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402
from sqlalchemy import text  # noqa: E402

from services.common import health, logs, migrations, topology  # noqa: E402
from services.common.db import make_engine  # noqa: E402
from services.common.settings import ConfigError, Settings, load  # noqa: E402

log = logging.getLogger("services.runner")


def _retry(what: str, attempt, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    delay = 0.5
    while True:
        try:
            attempt()
            return
        except Exception as exc:
            if time.monotonic() >= deadline:
                raise RuntimeError(f"{what} not reachable after {timeout:.0f}s: {exc}") from exc
            log.info("waiting for %s (%s)", what, exc)
            time.sleep(delay)
            delay = min(delay * 2, 5)


def wait_for_broker(settings: Settings) -> None:
    def attempt():
        with Connection(settings.amqp_uri, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1)
    _retry("RabbitMQ", attempt, settings.prestart_timeout_seconds)


def wait_for_database(settings: Settings) -> None:
    def attempt():
        engine = make_engine(settings, pool_size=1)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        finally:
            engine.dispose()
    _retry("PostgreSQL", attempt, settings.prestart_timeout_seconds)


def prestart(settings: Settings, subscriptions, *, owns_schema: bool) -> None:
    """Idempotent; safe for several replicas starting at once. Declares the queue of every row of
    `subscriptions` (the system's table), not just this service's."""
    wait_for_broker(settings)
    if owns_schema:
        wait_for_database(settings)
        migrations.upgrade(settings)
    with Connection(settings.amqp_uri) as conn:
        config = settings.nameko_config
        topology.declare(conn, topology.all_consumer_queues(
            subscriptions, config, settings.delivery_limit, settings.retry_delays_ms))
    log.info("pre-start done: broker and database reachable, schema migrated, queues declared")


def _exit_at_once(signum, frame) -> None:
    os._exit(128 + signum)  # the status a shell reports for a process the signal ended


def main(service: str, service_class, subscriptions, *, owns_schema: bool) -> None:
    try:
        settings = load(service)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        sys.exit(2)
    logs.configure(service, settings.log_level, settings.log_format)
    # A stop during pre-start (waiting for the broker, migrating) exits at once. Stated, not left
    # to the default action: in a container the service is PID 1, for which the kernel drops a
    # signal without a handler, and the stop would wait for SIGKILL at the end of the grace period.
    signal.signal(signal.SIGTERM, _exit_at_once)
    prestart(settings, subscriptions, owns_schema=owns_schema)

    runner = ServiceRunner(config=topology.with_mandatory_events(settings.nameko_config, subscriptions))
    runner.add_service(service_class)
    started = eventlet.event.Event()
    signals_seen = itertools.count()
    watchdog = health.Watchdog(service, settings.watchdog_stall_seconds, settings.stop_timeout_seconds)

    def stop_once_started():
        # A stop that arrives while runner.start() is still starting extensions would find
        # entrypoints with nothing to stop yet (nameko's Timer.stop then fails on its missing
        # thread) and the process would never exit; so it waits for the start to finish.
        started.wait()
        runner.stop()

    def shutdown(signum, frame):
        # Once: Ctrl-C in a terminal reaches every process of the group and bin/run-local then
        # sends SIGTERM as well; a second runner.stop() fails inside nameko's Timer.stop and the
        # process never exits. next() on a count is atomic, so two signals cannot both pass.
        # Signal handlers cannot block on eventlet primitives: the stop runs in a green thread.
        if next(signals_seen):
            log.info("%s is already stopping (signal %s ignored)", service, signum)
            return
        watchdog.exit_soon()
        eventlet.spawn_n(stop_once_started)

    # Installed only now: during pre-start exiting at once is the right answer to a stop request.
    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    health.serve(settings.metrics_port, health.Health(settings, runner, owns_schema),
                 settings.metrics_bind_address)
    watchdog.start(runner.containers)
    runner.start()
    started.send()
    log.info("%s started (metrics and health on %s:%s)", service, settings.metrics_bind_address,
             settings.metrics_port)
    runnlet = eventlet.spawn(runner.wait)
    exit_code = 0
    while True:
        try:
            runnlet.wait()
            break
        except OSError:  # interrupted system call while a signal arrives
            continue
        except Exception:
            # The container died of something it cannot recover from. Exit now, non-zero, so that
            # a supervisor starts a fresh process, rather than linger half-stopped.
            log.exception("%s cannot continue; exiting so that it is restarted", service)
            exit_code = 1
            break
    log.info("%s stopped", service)
    # Straight out: interpreter shutdown under eventlet can wait for ever on a green thread.
    logging.shutdown()
    os._exit(exit_code)
