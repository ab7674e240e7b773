"""Fixtures for real servers: a database and a vhost per session, services in-process."""
from __future__ import annotations

import socket
import time
import uuid

import pytest
import requests
from nameko.containers import ServiceContainer
from sqlalchemy import create_engine, text

from services import registry
from services.common import migrations
from services.launch import container_config
from services.common.settings import load
from services.subscriptions import SUBSCRIPTIONS
from tests.support.contract import check_answer

PG_ADMIN_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
RABBIT_API = "http://127.0.0.1:15672/api"
RABBIT_AUTH = ("guest", "guest")
PLATFORM_TOKEN = "test-platform-admin-token-0123456789"


def _require_port(port: int, what: str, hint: str) -> None:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=3).close()
    except OSError as exc:
        pytest.fail(f"{what} is not answering on 127.0.0.1:{port} ({exc}). {hint}", pytrace=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout: float = 15.0, interval: float = 0.05, message: str = "condition"):
    """Poll until `predicate()` is truthy; the system is eventually consistent by design."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


@pytest.fixture(scope="session")
def database_url():
    _require_port(5432, "PostgreSQL", "Start it with bin/ensure-infra.")
    name = f"br_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class BrokerAdmin:
    """The RabbitMQ management API, scoped to this session's vhost."""

    def __init__(self, vhost: str):
        self.vhost = vhost

    def queue(self, name: str) -> dict:
        response = requests.get(f"{RABBIT_API}/queues/{self.vhost}/{name}", auth=RABBIT_AUTH, timeout=10)
        response.raise_for_status()
        return response.json()

    def queue_depth(self, name: str) -> int:
        return int(self.queue(name).get("messages", 0))

    def get_messages(self, name: str, count: int = 10) -> list[dict]:
        response = requests.post(
            f"{RABBIT_API}/queues/{self.vhost}/{name}/get", auth=RABBIT_AUTH, timeout=10,
            json={"count": count, "ackmode": "ack_requeue_true", "encoding": "auto"},
        )
        response.raise_for_status()
        return response.json()

    def purge(self, name: str) -> None:
        requests.delete(f"{RABBIT_API}/queues/{self.vhost}/{name}/contents", auth=RABBIT_AUTH, timeout=10)

    def queues(self) -> list[dict]:
        response = requests.get(f"{RABBIT_API}/queues/{self.vhost}", auth=RABBIT_AUTH, timeout=10)
        response.raise_for_status()
        return response.json()


@pytest.fixture(scope="session")
def broker_admin():
    _require_port(5672, "RabbitMQ", "Start it with bin/ensure-infra.")
    _require_port(15672, "RabbitMQ management API", "Enable it: rabbitmq-plugins enable rabbitmq_management.")
    vhost = f"br-test-{uuid.uuid4().hex[:10]}"
    requests.put(f"{RABBIT_API}/vhosts/{vhost}", auth=RABBIT_AUTH, timeout=10).raise_for_status()
    requests.put(
        f"{RABBIT_API}/permissions/{vhost}/guest", auth=RABBIT_AUTH, timeout=10,
        json={"configure": ".*", "write": ".*", "read": ".*"},
    ).raise_for_status()
    yield BrokerAdmin(vhost)
    requests.delete(f"{RABBIT_API}/vhosts/{vhost}", auth=RABBIT_AUTH, timeout=30)


@pytest.fixture(scope="session")
def amqp_uri(broker_admin):
    return f"amqp://guest:guest@127.0.0.1:5672/{broker_admin.vhost}"


def service_env(database_url: str, amqp_uri: str, **overrides) -> dict:
    env = {
        "DATABASE_URL": database_url,
        "AMQP_URI": amqp_uri,
        "METRICS_PORT": "0",
        "PLATFORM_ADMIN_TOKEN": PLATFORM_TOKEN,
        # Short delays keep retry tests quick; production defaults are 1 s, 5 s, 30 s.
        "RETRY_DELAYS_MS": "100,200,400",
        "OUTBOX_POLL_SECONDS": "0.2",
        "LOG_FORMAT": "text",
    }
    env.update({k: str(v) for k, v in overrides.items()})
    return env


@pytest.fixture(scope="session")
def settings_for(database_url, amqp_uri):
    def make(service: str, **overrides):
        return load(service, service_env(database_url, amqp_uri, **overrides))
    return make


@pytest.fixture(scope="session")
def migrated(settings_for):
    for service in registry.WITH_DATABASE:
        migrations.upgrade(settings_for(service))
    return True


@pytest.fixture(scope="session")
def db_engine(database_url, migrated):
    """An engine that sees every schema, for assertions across services."""
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def topology_declared(settings_for, amqp_uri):
    """Every consumer queue, as the pre-start step declares them in production."""
    from kombu import Connection

    from services.common import topology

    settings = settings_for("points")
    with Connection(amqp_uri) as conn:
        topology.declare(conn, topology.all_consumer_queues(
            SUBSCRIPTIONS, settings.nameko_config, settings.delivery_limit, settings.retry_delays_ms))
    return True


@pytest.fixture
def start_service(settings_for, migrated, topology_declared):
    """Start a service container in this process: `start_service("points", cls=None, **env)`;
    `nameko_config` adds to (or replaces) what the container is started with."""
    containers = []

    def start(name: str, cls=None, nameko_config=None, **overrides):
        settings = settings_for(name, **overrides)
        config = {**container_config(settings), **(nameko_config or {})}
        container = ServiceContainer(cls or registry.service_class(name), config)
        container.start()
        containers.append(container)
        return container

    yield start
    for container in reversed(containers):
        container.stop()


class Api:
    """A small HTTP client for the gateway, with a bearer token."""

    def __init__(self, base_url: str, token: str | None = None):
        self.base_url = base_url
        self.token = token

    def as_(self, token: str) -> "Api":
        return Api(self.base_url, token)

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        response = requests.request(method, self.base_url + path, headers=headers, timeout=30, **kwargs)
        check_answer(method, path, response)
        return response

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def ok(self, method: str, path: str, expected: int = 200, **kwargs):
        response = self.request(method, path, **kwargs)
        assert response.status_code == expected, f"{method} {path}: {response.status_code} {response.text}"
        return response.json()

    def new_tenant(self, code: str | None = None) -> "TenantSetup":
        platform = self.as_(PLATFORM_TOKEN)
        code = code or f"college-{uuid.uuid4().hex[:8]}"
        created = platform.ok("POST", "/v1/tenants", 201, json={"code": code, "name": f"学院 {code}"})
        admin = self.as_(created["admin_token"])
        branch = admin.ok("POST", "/v1/org-units", 201, json={"name": "教工党支部", "kind": "branch"})
        return TenantSetup(created["tenant"], admin, branch)


class TenantSetup:
    def __init__(self, tenant: dict, admin: Api, branch: dict):
        self.tenant, self.admin, self.branch = tenant, admin, branch

    def add_member(self, name: str = "李明", **fields) -> dict:
        body = {"name": name, "org_unit_id": self.branch["id"], "category": "staff", "political_status": "full"}
        body.update(fields)
        return self.admin.ok("POST", "/v1/members", 201, json=body)

    def member_api(self, member_id: str) -> Api:
        token = self.admin.ok("POST", f"/v1/members/{member_id}/tokens", 201, json={"roles": ["member"]})["token"]
        return self.admin.as_(token)


@pytest.fixture
def gateway(start_service):
    """Every service in this process with the gateway on a free port; returns its base URL."""
    port = free_port()
    for name in registry.WITH_DATABASE:  # every service behind the gateway
        start_service(name)
    start_service("gateway", HTTP_PORT=port)
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def api(gateway):
    return Api(gateway)


@pytest.fixture
def every_service_api(start_service):
    """The gateway with dues too, for the tests that walk every route; small pools, as the
    database is shared with other test sessions on this machine."""
    port = free_port()
    for name in ("members", "activities", "points", "notify", "dues"):
        start_service(name, DB_POOL_SIZE=3)
    start_service("gateway", HTTP_PORT=port)
    return Api(f"http://127.0.0.1:{port}")
