"""A service stops cleanly however many stop signals it gets, and whenever they arrive.

Ctrl-C in a terminal reaches every process of the group, and bin/run-local then sends SIGTERM
too: two signals. nameko's Timer cannot be stopped twice, nor before it has started, so a second
stop, or a stop that arrived while the service was still starting its entrypoints, used to hang
the process until it was killed."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from services.common.health import WATCHDOG_EXIT_CODE
from tests.support.infra import free_port, service_env, wait_until
from tests.support.processes import ROOT, SystemProcesses


def _metrics_answer(port: int) -> bool:
    try:
        requests.get(f"http://127.0.0.1:{port}/metrics", timeout=1)
        return True
    except requests.RequestException:
        return False


def _stop_twice_and_wait(processes: SystemProcesses, log_path) -> None:
    proc = processes.procs["members"]
    proc.send_signal(signal.SIGINT)
    proc.send_signal(signal.SIGTERM)
    try:
        returncode = proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail("members did not exit within 20 s of SIGINT + SIGTERM:\n" + log_path.read_text()[-3000:])
    log = log_path.read_text()
    assert returncode == 0, log[-3000:]
    assert "re-send" not in log
    assert "members stopped" in log


def _members(database_url, amqp_uri, tmp_path):
    port = free_port()
    processes = SystemProcesses(service_env(database_url, amqp_uri), gateway_port=free_port(),
                                metrics_ports={"members": port}, log_dir=tmp_path)
    processes.start("members")  # members runs the overdue-scan timer
    return processes, port


def test_a_running_service_stops_once_on_sigint_then_sigterm(database_url, amqp_uri, migrated, tmp_path):
    processes, _ = _members(database_url, amqp_uri, tmp_path)
    processes.wait_ready(["members"])
    _stop_twice_and_wait(processes, tmp_path / "members.log")


def test_a_service_still_starting_its_entrypoints_stops_once_started(database_url, amqp_uri, migrated, tmp_path):
    """The metrics endpoint answers just before the container starts its extensions: signalling
    at that moment lands inside runner.start() (or just after it), never before the handlers."""
    processes, port = _members(database_url, amqp_uri, tmp_path)
    deadline = time.monotonic() + 60
    while not _metrics_answer(port):
        assert processes.procs["members"].poll() is None, (tmp_path / "members.log").read_text()[-3000:]
        assert time.monotonic() < deadline, "members never served /metrics"
        time.sleep(0.01)
    _stop_twice_and_wait(processes, tmp_path / "members.log")


def test_a_service_waiting_in_pre_start_exits_at_once_on_sigterm_even_as_pid_1(tmp_path):
    """In a container the service is PID 1 of its PID namespace, and the kernel drops a signal
    PID 1 has no handler for: without its own handler a stop during pre-start (the broker not
    there yet) would wait for SIGKILL at the end of the grace period."""
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=str(root), LOG_FORMAT="text", METRICS_PORT="0",
               AMQP_URI=f"amqp://guest:guest@127.0.0.1:{free_port()}/")  # nothing listens there
    log_path = tmp_path / "points.log"
    with open(log_path, "w") as log_file:
        # --kill-child: the service dies with this test's process whatever happens.
        namespace = subprocess.Popen(
            ["unshare", "--pid", "--fork", "--kill-child", sys.executable, "-m", "services.points"],
            cwd=root, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: "waiting for RabbitMQ" in log_path.read_text(), timeout=60, message="the pre-start wait")
        children = Path(f"/proc/{namespace.pid}/task/{namespace.pid}/children").read_text().split()
        assert len(children) == 1, children
        os.kill(int(children[0]), signal.SIGTERM)  # the service, PID 1 inside the namespace
        assert namespace.wait(timeout=5) == 128 + signal.SIGTERM, log_path.read_text()[-3000:]
    finally:
        if namespace.poll() is None:
            namespace.kill()
            namespace.wait()


def test_a_process_whose_event_loop_stands_still_is_ended_by_its_watchdog():
    """A call that blocks the whole process (here a real, unpatched sleep) stops every green
    thread, the health endpoints included; the watchdog, an OS thread, ends the process so that
    its supervisor starts a fresh one, instead of leaving it there answering nothing."""
    script = (
        "from services.common import runtime; runtime.patch()\n"
        "import eventlet; from eventlet import patcher\n"
        "from services.common.health import Watchdog\n"
        "Watchdog('probe', stall_seconds=2, exit_seconds=5).start(())\n"
        "eventlet.sleep(0.5)\n"
        "patcher.original('time').sleep(60)\n"
    )
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert done.returncode == WATCHDOG_EXIT_CODE, done.stderr
    assert "the event loop has not turned" in done.stderr
    assert time.monotonic() - started < 15
