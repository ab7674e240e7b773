"""Notify's tests run every service against loopback SMTP and robot servers, with quick pacing."""
import pytest

from tests.notify.helpers import ROBOT_LIMIT, ROBOT_WINDOW_SECONDS
from tests.notify.servers import RobotServer, SmtpServer
from tests.support.infra import free_port


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    yield server
    server.close()


@pytest.fixture
def robot_server():
    server = RobotServer()
    yield server
    server.close()


@pytest.fixture
def notify_env(monkeypatch, smtp_server):
    # Read by services.notify.settings when the notify container starts.
    for name, value in {
        "NOTIFY_SMTP_HOST": "127.0.0.1",
        "NOTIFY_SMTP_PORT": str(smtp_server.port),
        "NOTIFY_SMTP_FROM": "branch-rhythm@college.example.edu",
        "NOTIFY_POLL_SECONDS": "0.05",
        "NOTIFY_BACKOFF_BASE_SECONDS": "0.05",
        "NOTIFY_BACKOFF_MAX_SECONDS": "0.4",
        "NOTIFY_MAX_ATTEMPTS": "4",
        "NOTIFY_ROBOT_LIMIT": str(ROBOT_LIMIT),
        "NOTIFY_ROBOT_WINDOW_SECONDS": str(ROBOT_WINDOW_SECONDS),
        "NOTIFY_HTTP_TIMEOUT_SECONDS": "3",
        "NOTIFY_SMTP_TIMEOUT_SECONDS": "3",
        # The robots' stand-ins listen on loopback (tests/notify/servers.py).
        "NOTIFY_ROBOT_HOSTS": "127.0.0.1",
        "NOTIFY_ROBOT_PRIVATE_NETWORKS": "true",
    }.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def services(notify_env, start_service):
    """Every service in this process, notify configured for the loopback servers."""
    started = {name: start_service(name) for name in ("members", "activities", "points", "notify")}
    port = free_port()
    started["gateway"] = start_service("gateway", HTTP_PORT=port)
    started["url"] = f"http://127.0.0.1:{port}"
    return started


@pytest.fixture
def gateway(services):
    return services["url"]


@pytest.fixture
def reminders(services):
    """The running notify container's reminder scheduler, to run a scan for a chosen day."""
    from services.notify.reminders import ReminderScheduler

    [scheduler] = [d for d in services["notify"].dependencies if isinstance(d, ReminderScheduler)]
    return scheduler
