"""Run the system as real processes (`python -m services.<name>`), as `make run` does."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from services.supervisor import Supervisor

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("members", "activities", "points", "notify", "dues", "gateway")


class SystemProcesses:
    def __init__(self, env: dict, gateway_port: int, metrics_ports: dict[str, int], log_dir: Path):
        self.env = env
        self.gateway_port = gateway_port
        self.metrics_ports = metrics_ports
        self.log_dir = log_dir
        self.procs: dict[str, subprocess.Popen] = {}
        self.supervisor: Supervisor | None = None
        self._supervising = threading.Event()

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    def health_url(self, name: str, which: str) -> str:
        return f"http://127.0.0.1:{self.metrics_ports[name]}/health/{which}"

    def _spawn(self, name: str) -> subprocess.Popen:
        env = {**os.environ, **self.env, "METRICS_PORT": str(self.metrics_ports[name])}
        if name == "gateway":
            env["HTTP_PORT"] = str(self.gateway_port)
        with open(self.log_dir / f"{name}.log", "ab") as log:
            proc = subprocess.Popen([sys.executable, "-m", f"services.{name}"], cwd=ROOT, env=env,
                                    stdout=log, stderr=subprocess.STDOUT)
        self.procs[name] = proc
        return proc

    def start(self, name: str) -> None:
        if self.supervisor is not None:
            self.supervisor.start(name)
        else:
            self._spawn(name)

    def supervise(self, report=print) -> Supervisor:
        """From now on, restart what dies or gets stuck, as bin/run-local does."""
        self.supervisor = Supervisor(self._spawn, lambda name: self.health_url(name, "live"), report=report)
        for name, proc in self.procs.items():
            self.supervisor.adopt(name, proc)
        threading.Thread(target=self.supervisor.run, args=(self._supervising,), daemon=True).start()
        return self.supervisor

    def start_all(self, timeout: float = 60) -> None:
        for name in SERVICES:
            self.start(name)
        self.wait_ready(SERVICES, timeout)

    def wait_ready(self, names, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        for name in names:
            while True:
                proc = self.procs[name]
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}; see {self.log_dir / (name + '.log')}")
                try:
                    if requests.get(self.health_url(name, "ready"), timeout=3).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} not ready after {timeout}s; see {self.log_dir / (name + '.log')}")
                time.sleep(0.2)

    def stop(self, name: str, sig=signal.SIGTERM, timeout: float = 20) -> int:
        if self.supervisor is not None and name in self.supervisor.processes:
            self.supervisor.hold(name)
        proc = self.procs.pop(name)
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        return proc.returncode

    def restart(self, name: str, sig=signal.SIGKILL, down_for: float = 0.0, timeout: float = 60) -> int:
        """Stop `name` (by default without a chance to clean up, as if it died), leave it down for
        `down_for` seconds, start it again and wait until it is ready. Returns the exit code."""
        code = self.stop(name, sig=sig)
        time.sleep(down_for)
        self.start(name)
        self.wait_ready([name], timeout)
        return code

    def peak_rss_kb(self, name: str) -> int | None:
        """The process's peak resident memory (VmHWM) in KiB, from /proc; None once it has exited."""
        try:
            with open(f"/proc/{self.procs[name].pid}/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1])
        except (KeyError, FileNotFoundError):
            return None
        return None

    def stop_all(self) -> None:
        self._supervising.set()
        for name in list(self.procs):
            self.stop(name)
