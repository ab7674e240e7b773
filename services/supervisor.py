"""Keep the service processes running: restart one that died or is stuck, with backoff.

What `bin/run-local` runs, and what the failure tests run, so both restart services the same
way a container platform would (compose's `restart: unless-stopped`, Kubernetes' liveness probe):

* a process that exited is started again after a delay that grows with its recent failures
  (`restart_delay`), so a service that cannot start does not spin;
* a process whose `GET /health/live` fails `LIVENESS_FAILURES` times in a row, once it has
  answered or its start grace is over, is killed (SIGKILL) and started again;
* a process that stayed up for `STABLE_AFTER_SECONDS` has its failure count forgotten.

Readiness is not its business: a service waiting for its broker is not ready, and restarting it
would only make it wait again from the start.
"""
from __future__ import annotations

import signal
import subprocess
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Callable

RESTART_DELAYS_SECONDS = (0.5, 1, 2, 4, 8, 15, 30)
LIVENESS_PERIOD_SECONDS = 2.0
LIVENESS_TIMEOUT_SECONDS = 2.0
LIVENESS_FAILURES = 3
START_GRACE_SECONDS = 90.0
STABLE_AFTER_SECONDS = 30.0


def restart_delay(recent_failures: int) -> float:
    """Seconds to wait before starting again a process that failed `recent_failures` times
    (1 for the first failure) since it last ran stably."""
    return RESTART_DELAYS_SECONDS[min(max(recent_failures, 1), len(RESTART_DELAYS_SECONDS)) - 1]


def is_stuck(consecutive_liveness_failures: int, answered_once: bool, running_for: float,
             grace: float = START_GRACE_SECONDS) -> bool:
    """A process is stuck when its liveness failed enough times in a row, counted only once it
    has answered at least once or has had its start grace (pre-start may wait for servers)."""
    return consecutive_liveness_failures >= LIVENESS_FAILURES and (answered_once or running_for > grace)


@dataclass
class Supervised:
    name: str
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    failures: int = 0
    restart_at: float | None = None
    liveness_failures: int = 0
    answered_once: bool = False
    last_probe: float = 0.0
    restarts: int = 0
    held: bool = False  # stopped on purpose: not restarted


@dataclass
class Supervisor:
    """`spawn(name)` starts a process; `liveness_url(name)` is its /health/live (None: no probe)."""

    spawn: Callable[[str], subprocess.Popen]
    liveness_url: Callable[[str], str | None]
    report: Callable[[str], None] = print
    processes: dict[str, Supervised] = field(default_factory=dict)
    events: list[tuple[float, str, str]] = field(default_factory=list)

    def start(self, name: str) -> None:
        self.adopt(name, self.spawn(name))

    def adopt(self, name: str, proc: subprocess.Popen) -> None:
        """Supervise `proc`, started already, as `name`."""
        entry = self.processes.setdefault(name, Supervised(name))
        entry.proc = proc
        entry.started_at = time.monotonic()
        entry.restart_at = None
        entry.liveness_failures = 0
        entry.answered_once = False
        entry.held = False

    def hold(self, name: str) -> subprocess.Popen | None:
        """Stop supervising `name` (its caller stops it on purpose); returns its process."""
        entry = self.processes[name]
        entry.held = True
        entry.restart_at = None
        return entry.proc

    def _note(self, name: str, what: str) -> None:
        self.events.append((time.monotonic(), name, what))
        self.report(f"supervisor: {name} {what}")

    def check(self) -> None:
        now = time.monotonic()
        for entry in list(self.processes.values()):
            if entry.held or entry.proc is None:
                continue
            if entry.restart_at is not None:
                if now >= entry.restart_at:
                    entry.restarts += 1
                    self.start(entry.name)
                    self._note(entry.name, f"started again (restart {entry.restarts})")
                continue
            running_for = now - entry.started_at
            if running_for > STABLE_AFTER_SECONDS:
                entry.failures = 0
            code = entry.proc.poll()
            if code is None and now - entry.last_probe >= LIVENESS_PERIOD_SECONDS:
                entry.last_probe = now
                self._probe(entry)
                if is_stuck(entry.liveness_failures, entry.answered_once, running_for):
                    self._note(entry.name, f"is stuck (liveness failed {entry.liveness_failures} times); killing it")
                    entry.proc.send_signal(signal.SIGKILL)
                    entry.proc.wait()
                    code = entry.proc.returncode
            if code is not None:
                entry.failures += 1
                delay = restart_delay(entry.failures)
                entry.restart_at = now + delay
                self._note(entry.name, f"exited with {code}; starting it again in {delay:g}s")

    def _probe(self, entry: Supervised) -> None:
        url = self.liveness_url(entry.name)
        if url is None:
            return
        try:
            with urllib.request.urlopen(url, timeout=LIVENESS_TIMEOUT_SECONDS) as response:
                healthy = response.status == 200
        except Exception:  # refused while starting, 503 when stuck, or no answer at all
            healthy = False
        if healthy:
            entry.answered_once = True
            entry.liveness_failures = 0
        else:
            entry.liveness_failures += 1

    def run(self, stopping: threading.Event, period: float = 0.3) -> None:
        while not stopping.is_set():
            self.check()
            stopping.wait(period)
