"""bin/ensure-infra's decisions, from a fresh machine to one where everything answers.

Nothing may be uninstalled or stopped on a machine the suite itself uses, so the script runs as
written with its three ports moved to free ones and PostgreSQL's install directory moved into a
scratch directory; every command it runs (the package installer, pg_*, rabbitmq-*, psql) is a
stub that records its call and, where the real one would start a server, listens on the port.
What this cannot show is Debian's packages installing and starting for real.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.conftest import ROOT
from tests.support.infra import free_port

LISTENER = """
import socket, sys
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", int(sys.argv[1])))
server.listen(50)
while True:
    server.accept()[0].close()
"""


class Machine:
    """A scratch directory standing for the machine ensure-infra looks at."""

    def __init__(self, root: Path):
        self.root = root
        self.ports = {"5432": free_port(), "5672": free_port(), "15672": free_port()}
        self.bin, self.stubs, self.packages = root / "bin", root / "stubs", root / "lib" / "postgresql"
        for directory in (self.bin, self.stubs, self.packages):
            directory.mkdir(parents=True)
        (root / "listen.py").write_text(LISTENER)
        self._copy_script()
        listen = f"{sys.executable} {root / 'listen.py'}"
        # Detached from the script's output, which the test reads to its end.
        started = f">/dev/null 2>&1 & echo $! >> {root / 'pids'}"
        self.stub("install-debian-packages", f"""
for package in "$@"; do case $package in
  postgresql) mkdir -p {self.packages}/15/bin && touch {self.packages}/15/bin/postgres
              echo "15 main {self.ports['5432']} down postgres /data /log" > {root / 'clusters'};;
  rabbitmq-server) cp {root / 'rabbitmq-server'} {self.stubs}/
                   if [ -e {root / 'systemd'} ]; then {listen} {self.ports['5672']} {started}; fi;;
esac; done""", where=self.bin)
        self.stub("pg_lsclusters", f"cat {root / 'clusters'} 2>/dev/null || true")
        self.stub("pg_dropcluster", f": > {root / 'clusters'}")
        self.stub("pg_createcluster", f"echo \"$1 $2 {self.ports['5432']} down postgres /data /log\" > {root / 'clusters'}")
        self.stub("pg_ctlcluster", f"{listen} {self.ports['5432']} {started}")
        self.stub("psql", f"[ ! -e {root / 'password_required'} ]")
        self.stub("rabbitmq-server", f"{listen} {self.ports['5672']} {started}", where=root)  # installed on demand
        self.stub("rabbitmq-plugins", f"{listen} {self.ports['15672']} {started}")

    def _copy_script(self) -> None:
        script = (ROOT / "bin" / "ensure-infra").read_text()
        for port, moved in self.ports.items():
            script, count = re.subn(rf"\b{port}\b", str(moved), script)
            assert count, f"bin/ensure-infra no longer mentions port {port}: update this test"
        assert "/usr/lib/postgresql" in script
        script = script.replace("/usr/lib/postgresql", str(self.packages))
        target = self.bin / "ensure-infra"
        target.write_text(script)
        target.chmod(0o755)

    def stub(self, name: str, body: str, where: Path | None = None) -> None:
        path = (where or self.stubs) / name
        path.write_text(f"#!/usr/bin/env bash\necho \"{name} $*\" >> {self.root / 'calls'}\n{body}\n")
        path.chmod(0o755)

    def has(self, *flags: str) -> None:
        for flag in flags:
            (self.root / flag).touch()

    def installed(self, cluster: bool) -> None:
        """PostgreSQL and RabbitMQ installed (not running), with or without a cluster."""
        (self.packages / "15" / "bin").mkdir(parents=True)
        (self.packages / "15" / "bin" / "postgres").touch()
        (self.stubs / "rabbitmq-server").write_text((self.root / "rabbitmq-server").read_text())
        (self.stubs / "rabbitmq-server").chmod(0o755)
        if cluster:
            (self.root / "clusters").write_text(f"15 main {self.ports['5432']} down postgres /data /log\n")

    def run(self) -> tuple[subprocess.CompletedProcess, list[str]]:
        (self.root / "calls").write_text("")
        env = dict(os.environ, PATH=f"{self.stubs}:/usr/bin:/bin")
        result = subprocess.run([str(self.bin / "ensure-infra")], env=env, capture_output=True, text=True, timeout=90)
        calls = [line for line in (self.root / "calls").read_text().splitlines() if not line.startswith("pg_lsclusters")]
        return result, calls

    def stop(self) -> None:
        pids = self.root / "pids"
        for pid in (pids.read_text().split() if pids.exists() else ()):
            try:
                os.kill(int(pid), signal.SIGTERM)
            except ProcessLookupError:
                pass
        pids.unlink(missing_ok=True)


@pytest.fixture
def machine(tmp_path):
    found = Machine(tmp_path)
    yield found
    found.stop()


PSQL_CHECK = "psql -h 127.0.0.1 -U postgres -d postgres -w -tAc SELECT 1"


def test_a_fresh_machine_gets_both_servers_installed_a_trusting_cluster_and_the_plugin(machine):
    machine.has("systemd")  # the RabbitMQ package starts its server, as under systemd

    result, calls = machine.run()

    assert result.returncode == 0, result.stderr
    assert calls == [
        "install-debian-packages postgresql",
        "pg_dropcluster --stop 15 main",  # the package's own cluster wants passwords over TCP
        "pg_createcluster 15 main -- --auth=trust",
        "pg_ctlcluster --skip-systemctl-redirect 15 main start",
        PSQL_CHECK,
        "install-debian-packages rabbitmq-server",
        "rabbitmq-plugins enable rabbitmq_management",
    ]


def test_installed_without_a_cluster_and_stopped_creates_one_and_starts_both(machine):
    machine.installed(cluster=False)

    result, calls = machine.run()

    assert result.returncode == 0, result.stderr
    assert calls == [
        "pg_createcluster 15 main -- --auth=trust",
        "pg_ctlcluster --skip-systemctl-redirect 15 main start",
        PSQL_CHECK,
        "rabbitmq-server -detached",
        "rabbitmq-plugins enable rabbitmq_management",
    ]


def test_an_existing_cluster_is_started_as_it_is(machine):
    machine.installed(cluster=True)

    result, calls = machine.run()

    assert result.returncode == 0, result.stderr
    assert calls[:2] == ["pg_ctlcluster --skip-systemctl-redirect 15 main start", PSQL_CHECK]


def test_when_everything_answers_it_changes_nothing(machine):
    machine.installed(cluster=True)
    machine.run()

    result, calls = machine.run()

    assert (result.returncode, result.stdout, calls) == (0, "", [PSQL_CHECK])


def test_a_postgresql_that_wants_a_password_is_refused_with_what_to_change(machine):
    machine.installed(cluster=True)
    machine.has("password_required")

    result, _ = machine.run()

    assert result.returncode == 1
    assert "pg_hba.conf" in result.stderr and "127.0.0.1/32 trust" in result.stderr
