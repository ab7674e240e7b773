"""A RabbitMQ node and a PostgreSQL cluster of the test session's own, for failure tests.

The machine's shared servers serve every other test session at the same time: stopping them
would break those. These are started from the installed binaries into a temporary folder, on
free ports, under their own node name and data directory, so a test can stop, kill and restart
them at will. One of each per session (`private_servers`), shared by every failure test.

RabbitMQ: `rabbitmq-server` with RABBITMQ_* variables (node name, AMQP, distribution and
management ports, data and log folders, its own Erlang cookie through HOME), controlled with
`rabbitmqctl -n <node>`. PostgreSQL: `initdb` into the folder and `pg_ctl`, both as the
`postgres` user because initdb refuses to run as root.
"""
from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

RABBITMQ_BIN = Path("/usr/lib/rabbitmq/bin")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answering(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def _wait(predicate, timeout: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            raise RuntimeError(f"{what} after {timeout:.0f}s\n{tail}")
        time.sleep(0.2)


def _require(path: Path | str | None, package: str) -> str:
    if not path or not Path(path).exists():
        pytest.fail(f"{path or 'the binary'} is missing: install the Debian package {package} "
                    f"(apt-get install {package})", pytrace=False)
    return str(path)


class PrivateRabbit:
    """One RabbitMQ node of this session: `stop_app`/`start_app`, `stop`/`start`, `kill`."""

    def __init__(self, base: Path):
        self.server = _require(RABBITMQ_BIN / "rabbitmq-server", "rabbitmq-server")
        self.ctl = _require(RABBITMQ_BIN / "rabbitmqctl", "rabbitmq-server")
        self.base = base
        self.node = f"br-test-{uuid.uuid4().hex[:8]}@localhost"
        self.amqp_port, self.dist_port, self.management_port = _free_port(), _free_port(), _free_port()
        self.log = base / "rabbit.out"
        home = base / "home"
        home.mkdir(parents=True)
        cookie = home / ".erlang.cookie"
        cookie.write_text(secrets.token_hex(16))
        cookie.chmod(0o400)
        (base / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{self.amqp_port}\n"
            f"management.tcp.port = {self.management_port}\n"
            "management.tcp.ip = 127.0.0.1\n"
            "loopback_users = none\n"
        )
        (base / "enabled_plugins").write_text("[rabbitmq_management].\n")
        self.env = {
            **os.environ,
            "HOME": str(home),  # its own Erlang cookie: no other node's can reach it
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.amqp_port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_CONFIG_FILE": str(base / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(base / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(base / "log"),
            "RABBITMQ_PID_FILE": str(base / "rabbit.pid"),
            "RABBITMQ_CONF_ENV_FILE": str(base / "rabbitmq-env.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(base / "advanced.config"),
        }
        self.proc: subprocess.Popen | None = None

    @property
    def amqp_uri(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.amqp_port}/"

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.management_port}/api"

    def start(self, timeout: float = 90) -> None:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen([self.server], env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        self._wait_running(timeout)

    def _wait_running(self, timeout: float) -> None:
        def up():
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"rabbitmq-server exited with {self.proc.returncode}\n"
                                   + self.log.read_text(errors="replace")[-3000:])
            return _answering(self.amqp_port) and self._api_answers()
        _wait(up, timeout, f"RabbitMQ node {self.node} not answering", self.log)

    def _api_answers(self) -> bool:
        try:
            return requests.get(f"{self.api}/overview", auth=("guest", "guest"), timeout=2).ok
        except requests.RequestException:
            return False

    def queues(self) -> list[dict]:
        """Every queue of the node's default vhost, from the management API."""
        response = requests.get(f"{self.api}/queues/%2F", auth=("guest", "guest"), timeout=10)
        response.raise_for_status()
        return response.json()

    def rabbitmqctl(self, *args: str, timeout: float = 60) -> str:
        done = subprocess.run([self.ctl, "-n", self.node, *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {done.stdout}{done.stderr}")
        return done.stdout

    def stop_app(self) -> None:
        self.rabbitmqctl("stop_app")

    def start_app(self, timeout: float = 60) -> None:
        self.rabbitmqctl("start_app")
        self._wait_running(timeout)

    def stop(self) -> None:
        """The whole node stops (the Erlang VM exits), as `systemctl stop rabbitmq-server` does."""
        self.rabbitmqctl("stop")
        if self.proc is not None:
            self.proc.wait(timeout=60)
        self.proc = None

    def kill(self) -> None:
        """SIGKILL to the node's process group: no chance to close anything."""
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
        self.proc = None
        _wait(lambda: not _answering(self.amqp_port), 10, "AMQP port still open after SIGKILL")

    def shutdown(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            self.stop()
        except Exception:
            self.kill()


class PrivatePostgres:
    """One PostgreSQL cluster of this session: `restart(mode)` with fast or immediate stops."""

    def __init__(self, base: Path):
        versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        bindir = Path(_require(versions[-1] if versions else None, "postgresql")).parent
        self.initdb = str(bindir / "initdb")
        self.pg_ctl = _require(bindir / "pg_ctl", "postgresql")
        try:
            self.user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail("no postgres user: install the Debian package postgresql", pytrace=False)
        self.base = base
        self.data = base / "data"
        self.log = base / "postgres.log"
        self.port = _free_port()
        os.chown(base, self.user.pw_uid, self.user.pw_gid)
        self._as_postgres([self.initdb, "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                           "--no-sync"])

    @property
    def url(self) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, argv: list[str], timeout: float = 120) -> str:
        as_root = os.geteuid() == 0
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=self.base,
                              user=self.user.pw_uid if as_root else None,
                              group=self.user.pw_gid if as_root else None, extra_groups=[] if as_root else None)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)}: {done.stdout}{done.stderr}")
        return done.stdout

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.base} "
                   "-c fsync=off -c max_connections=300")
        try:
            self._as_postgres([self.pg_ctl, "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start"])
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}\n{self.log.read_text(errors='replace')[-3000:]}") from None

    def stop(self, mode: str = "fast") -> None:
        """fast: disconnects clients, shuts down cleanly; immediate: like a crash, recovery at start."""
        self._as_postgres([self.pg_ctl, "-D", str(self.data), "-m", mode, "-w", "stop"])

    def shutdown(self) -> None:
        try:
            self.stop("immediate")
        except Exception:
            pass


class PrivateServers:
    def __init__(self, rabbit: PrivateRabbit, postgres: PrivatePostgres):
        self.rabbit, self.postgres = rabbit, postgres

    def database_url(self, name: str) -> str:
        """A new database of this name in the private cluster."""
        admin = create_engine(self.postgres.url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            admin.dispose()
        return self.postgres.url.rsplit("/", 1)[0] + f"/{name}"


@contextmanager
def started_private_servers():
    """A private RabbitMQ node and PostgreSQL cluster, started, and removed on the way out."""
    base = Path(tempfile.mkdtemp(prefix="br-private-"))
    os.chmod(base, 0o755)
    rabbit_dir, postgres_dir = base / "rabbitmq", base / "postgres"
    rabbit_dir.mkdir()
    postgres_dir.mkdir()
    rabbit = PrivateRabbit(rabbit_dir)
    postgres = PrivatePostgres(postgres_dir)
    try:
        postgres.start()
        rabbit.start()
        yield PrivateServers(rabbit, postgres)
    finally:
        rabbit.shutdown()
        postgres.shutdown()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def private_servers():
    with started_private_servers() as servers:
        yield servers
