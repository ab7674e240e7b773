"""docker-compose.yml, the Dockerfile and .env.example agree with the code."""
from __future__ import annotations

import re

from services import registry
from services.common.settings import load
from tests.deploy.conftest import DEPLOY, ROOT, compose_config, load_yaml, prometheus_ports, run, settings_variables

INFRA = {"rabbitmq", "postgres", "prometheus", "grafana", "mailpit"}


def app_services(compose: dict) -> dict:
    return {name: svc for name, svc in compose["services"].items() if name not in INFRA}


def test_settings_parser_finds_the_variables_settings_reads():
    # Guards the AST walk the other checks rely on: if it found nothing, they would prove nothing.
    names = settings_variables()
    assert {"AMQP_URI", "DATABASE_URL", "METRICS_PORT", "PLATFORM_ADMIN_TOKEN", "RETRY_DELAYS_MS"} <= names


def test_every_registered_service_runs_in_compose_with_its_own_entry_point(compose):
    services = app_services(compose)
    assert set(services) == set(registry.SERVICES), "compose services and services/registry.py differ"
    for name, svc in services.items():
        assert svc["command"] == ["python", "-m", f"services.{name}"], name


def test_the_whole_stack_is_there(compose):
    assert INFRA <= set(compose["services"])
    assert {"rabbitmq-data", "postgres-data", "prometheus-data", "grafana-data"} <= set(compose["volumes"])


def test_services_run_one_image_built_from_the_dockerfile(compose):
    images = {svc["image"] for svc in app_services(compose).values()}
    assert len(images) == 1, images
    for name, svc in app_services(compose).items():
        assert svc["build"]["context"] == str(ROOT), name
        assert svc["build"].get("dockerfile", "Dockerfile") == "Dockerfile"


def test_every_variable_set_in_compose_is_one_the_settings_read(compose):
    known = settings_variables()
    for name, svc in app_services(compose).items():
        unknown = set(svc["environment"]) - known
        assert not unknown, f"{name} sets variables no code reads: {sorted(unknown)}"


def test_every_service_loads_its_settings_from_the_compose_environment(compose):
    for name, svc in app_services(compose).items():
        settings = load(name, {k: str(v) for k, v in svc["environment"].items()})
        assert settings.service == name
        assert settings.amqp_uri.startswith("amqp://") and "@rabbitmq:5672" in settings.amqp_uri
        assert "@postgres:5432/" in settings.database_url
        assert settings.db_schema == name  # each service owns the schema named after it
        assert settings.log_format == "json"


def test_metrics_ports_agree_with_prometheus_scrape_targets(compose):
    scraped = prometheus_ports(load_yaml(DEPLOY / "prometheus" / "prometheus.yml"))
    for name, svc in app_services(compose).items():
        settings = load(name, {k: str(v) for k, v in svc["environment"].items()})
        assert scraped.get(name) == settings.metrics_port, f"{name}: metrics on {settings.metrics_port}, scraped on {scraped.get(name)}"
    assert scraped["rabbitmq"] == 15692  # rabbitmq_prometheus
    plugins = (DEPLOY / "rabbitmq" / "enabled_plugins").read_text()
    assert "rabbitmq_prometheus" in plugins and "rabbitmq_management" in plugins


def test_services_wait_for_healthy_dependencies_restart_and_report_health(compose):
    for name, svc in app_services(compose).items():
        assert svc["restart"] in ("unless-stopped", "always", "on-failure"), name
        assert svc["depends_on"]["rabbitmq"]["condition"] == "service_healthy", name
        if name in registry.WITH_DATABASE:
            assert svc["depends_on"]["postgres"]["condition"] == "service_healthy", name
        test = " ".join(svc["healthcheck"]["test"])
        assert "METRICS_PORT" in test and "/health/ready" in test, f"{name}'s health check is not its own readiness: {test}"
    for name in ("rabbitmq", "postgres", "prometheus", "grafana", "mailpit"):
        svc = compose["services"][name]
        assert svc.get("healthcheck", {}).get("test"), f"{name} has no health check"
        assert svc.get("restart") == "unless-stopped", name


def test_only_the_gateway_and_admin_uis_are_published_and_only_on_loopback(compose):
    for name, svc in compose["services"].items():
        for port in svc.get("ports", []):
            host_ip = port.get("host_ip") if isinstance(port, dict) else str(port).split(":")[0]
            assert host_ip == "127.0.0.1", f"{name} publishes {port} beyond loopback"
    for name in registry.WITH_DATABASE:
        assert not compose["services"][name].get("ports"), f"{name} publishes a port, so it cannot be scaled"


def test_a_missing_secret_stops_compose_with_the_variables_name(tmp_path):
    example = (ROOT / ".env.example").read_text()
    env_file = tmp_path / "env"
    env_file.write_text(re.sub(r"(?m)^PLATFORM_ADMIN_TOKEN=.*$", "", example))
    result = compose_config(env_file)
    assert result.returncode != 0
    assert "PLATFORM_ADMIN_TOKEN" in result.stderr


def test_env_example_is_the_only_env_file_and_carries_no_real_secret():
    example = (ROOT / ".env.example").read_text()
    values = dict(line.split("=", 1) for line in example.splitlines() if line and not line.startswith("#"))
    for key in ("RABBITMQ_PASSWORD", "POSTGRES_PASSWORD", "PLATFORM_ADMIN_TOKEN", "GRAFANA_ADMIN_PASSWORD"):
        assert "change" in values[key].lower(), f"{key} in .env.example must be an obvious placeholder"
    assert len(values["PLATFORM_ADMIN_TOKEN"]) >= 16
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".env" in ignored and ".venv" in ignored and "tests" in ignored


def _dockerfile_instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [tuple(line.split(None, 1)) for line in lines]


def test_dockerfile_runs_as_a_non_root_user_on_python_311_slim_with_a_health_check():
    instructions = _dockerfile_instructions()
    # Every base is a build argument (a local base where no registry is reachable); the
    # Python stage's default is the public python:3.11-slim.
    assert instructions[0] == ("ARG", "PYTHON_BASE=python:3.11-slim")
    declared = {arg.split("=", 1)[0] for op, arg in instructions if op == "ARG"}
    stages = [arg.split()[0] for op, arg in instructions if op == "FROM"]
    assert stages and all(re.fullmatch(r"\$\{(\w+)\}", base) for base in stages), stages
    assert {base[2:-1] for base in stages} <= declared
    users = [arg for op, arg in instructions if op == "USER"]
    assert users and users[-1] not in ("root", "0"), "the image must not run as root"
    healthchecks = [arg for op, arg in instructions if op == "HEALTHCHECK"]
    assert len(healthchecks) == 1 and "METRICS_PORT" in healthchecks[0]
    text = (ROOT / "Dockerfile").read_text()
    assert "-c requirements.lock" in text
    for backdoor in ("debugpy", "ptvsd", "openssh", "sshd", "remote_pdb", "--reload"):
        assert backdoor not in text, backdoor


def test_the_lock_pins_every_runtime_dependency_the_image_installs():
    import tomllib

    def norm(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pinned = {norm(line.split("==")[0]) for line in (ROOT / "requirements.lock").read_text().splitlines() if "==" in line}
    for requirement in project["dependencies"]:
        name = norm(re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0])
        assert name in pinned, f"{name} is not pinned in requirements.lock"


def test_the_images_dependency_step_installs_the_locked_runtime_dependencies(tmp_path):
    # Runs the Dockerfile's own command (shell quoting included) and asks pip whether the
    # locked versions satisfy what it lists, offline, against this project's environment.
    import shlex
    import sys

    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    step = next(line for line in text.splitlines() if line.startswith("RUN") and "tomllib" in line)
    listing = step[len("RUN"):].split(">", 1)[0].strip()
    assert listing.startswith("python ")
    command = shlex.quote(sys.executable) + listing[len("python"):]
    requirements = run(["sh", "-c", command]).stdout.split()
    assert "nameko==2.14.1" in requirements and not any(r.startswith("pytest") for r in requirements)
    listed = tmp_path / "requirements.txt"
    listed.write_text("\n".join(requirements))
    run([sys.executable, "-m", "pip", "install", "--dry-run", "--no-index", "-q",
         "-c", str(ROOT / "requirements.lock"), "-r", str(listed)])


def test_containers_listen_on_all_interfaces_but_publish_only_the_gateway_on_loopback(compose):
    # Processes default to 127.0.0.1; a container must say 0.0.0.0 or Prometheus and the
    # published port could not reach it. Its metrics port stays unpublished: off the edge.
    for name, svc in app_services(compose).items():
        settings = load(name, {k: str(v) for k, v in svc["environment"].items()})
        assert settings.metrics_bind_address == "0.0.0.0", name
        published = [str(port).removesuffix("/tcp") for port in svc.get("ports", [])]
        if name == "gateway":
            assert settings.http_bind_address == "0.0.0.0"
            assert published == [f"127.0.0.1:{settings.http_port}:{settings.http_port}"]
        else:
            assert published == [], name
        assert not any(str(settings.metrics_port) in port for port in published), name
