"""Helpers for checking deploy/ against the code: the tools, the resolved compose file, settings."""
from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
INSTALL_HINT = "Install it with bin/ensure-tools (Debian packages prometheus, docker-compose, podman, runc, debootstrap)."


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed. {INSTALL_HINT}", pytrace=False)
    return path


def run(args, cwd=ROOT, env=None, check=True) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, args))} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def clean_env(**extra) -> dict:
    """The process environment without anything compose would interpolate from it."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(extra)
    return env


def compose_config(env_file: Path) -> subprocess.CompletedProcess:
    docker_compose = require_tool("docker-compose")
    return run(
        [docker_compose, "--env-file", str(env_file), "-f", str(ROOT / "docker-compose.yml"), "config"],
        env=clean_env(), check=False,
    )


@pytest.fixture(scope="session")
def compose() -> dict:
    """docker-compose.yml as docker-compose itself resolves it with .env.example."""
    result = compose_config(ROOT / ".env.example")
    assert result.returncode == 0, f"docker-compose config failed:\n{result.stderr}"
    return yaml.safe_load(result.stdout)


def settings_variables() -> set[str]:
    """Every environment variable name services/common/settings.py reads: the string literal
    given as the variable name to env.get(...) or to one of its _int/_float/... helpers."""
    tree = ast.parse((ROOT / "services" / "common" / "settings.py").read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        is_env_get = isinstance(func, ast.Attribute) and func.attr == "get" and getattr(func.value, "id", "") == "env"
        is_helper = isinstance(func, ast.Name) and func.id.startswith("_") and node.args and getattr(node.args[0], "id", "") == "env"
        if is_env_get and node.args and isinstance(node.args[0], ast.Constant):
            names.add(node.args[0].value)
        elif is_helper and len(node.args) > 1 and isinstance(node.args[1], ast.Constant):
            names.add(node.args[1].value)
    return names


def prometheus_ports(config: dict) -> dict[str, int]:
    """job name -> the port its targets are scraped on."""
    ports = {}
    for job in config["scrape_configs"]:
        found = set()
        for sd in job.get("dns_sd_configs", []):
            found.add(int(sd["port"]))
        for static in job.get("static_configs", []):
            found |= {int(target.rsplit(":", 1)[1]) for target in static["targets"]}
        assert len(found) == 1, f"job {job['job_name']} scrapes several ports: {found}"
        ports[job["job_name"]] = found.pop()
    return ports


def load_yaml(path: Path):
    return yaml.safe_load(path.read_text())


# Business metrics of issue 6 the branch leaders' dashboard reads. Their exporters are written
# in the services by other work; these are the names agreed for them (docs/operations.md).
ASSUMED_BUSINESS_METRICS = {
    "activities_logged_total", "points_awarded_total", "four_duties_completion_ratio",
    "followups_overdue", "needs_open", "notifications_total",
}
PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "offset", "and", "or", "unless", "bool"}


def metrics_defined_in_code() -> set[str]:
    """Names of every prometheus_client metric created anywhere under services/, as exported."""
    names = set()
    for path in (ROOT / "services").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in ("Counter", "Gauge", "Histogram", "Summary"):
                if node.args and isinstance(node.args[0], ast.Constant):
                    name, kind = node.args[0].value, getattr(node.func, "id", getattr(node.func, "attr", ""))
                    if kind == "Counter":
                        names.add(name if name.endswith("_total") else name + "_total")
                    elif kind in ("Histogram", "Summary"):
                        names |= {name + "_count", name + "_sum", name + "_bucket"}
                    else:
                        names.add(name)
    return names


def metric_names(expr: str) -> set[str]:
    expr = re.sub(r'"(?:\\.|[^"\\])*"', '""', expr)           # string literals
    expr = re.sub(r"\{[^}]*\}", "", expr)                       # label matchers
    expr = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", expr)  # grouping labels
    expr = re.sub(r"\[[^\]]*\]", "", expr)                      # ranges
    found = set()
    for match in re.finditer(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(\s*\()?", expr):
        word, call = match.group(1), match.group(2)
        if call or word in PROMQL_WORDS:
            continue
        found.add(word)
    return found
