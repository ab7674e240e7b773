"""deploy/k8s: every service deployed with probes, limits, secrets and replicas, agreeing with the code."""
from __future__ import annotations

import yaml

from services import registry
from services.common.settings import load
from tests.deploy.conftest import DEPLOY, load_yaml, settings_variables

K8S = DEPLOY / "k8s"
CONSUMERS = ("points", "notify")  # the services whose work arrives as events


def documents() -> list[dict]:
    docs = []
    for name in load_yaml(K8S / "kustomization.yaml")["resources"]:
        docs += [doc for doc in yaml.safe_load_all((K8S / name).read_text()) if doc]
    return docs


def of_kind(kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in documents() if doc["kind"] == kind}


def test_kustomization_lists_every_manifest_but_not_the_secret_template():
    listed = set(load_yaml(K8S / "kustomization.yaml")["resources"])
    on_disk = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml", "secret.example.yaml"}
    assert listed == on_disk


def container_env(deployment: dict) -> dict[str, str]:
    """What the container sees: ConfigMap and Secret (the committed template) via envFrom, then env."""
    config = of_kind("ConfigMap")
    secrets = {doc["metadata"]["name"]: doc for doc in yaml.safe_load_all((K8S / "secret.example.yaml").read_text())}
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    env: dict[str, str] = {}
    for source in container["envFrom"]:
        if "configMapRef" in source:
            env.update(config[source["configMapRef"]["name"]]["data"])
        else:
            env.update(secrets[source["secretRef"]["name"]]["stringData"])
    env.update({item["name"]: item["value"] for item in container.get("env", [])})
    return env


def test_every_service_has_a_deployment_running_its_entry_point():
    deployments = of_kind("Deployment")
    assert set(deployments) == set(registry.SERVICES)
    for name, deployment in deployments.items():
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert container["command"] == ["python", "-m", f"services.{name}"]


def test_environment_is_what_the_settings_read_and_loads():
    known = settings_variables()
    for name, deployment in of_kind("Deployment").items():
        env = container_env(deployment)
        assert set(env) <= known, f"{name}: {sorted(set(env) - known)}"
        settings = load(name, env)
        ports = {p["name"]: p["containerPort"] for p in deployment["spec"]["template"]["spec"]["containers"][0]["ports"]}
        assert ports["metrics"] == settings.metrics_port, name
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/port"] == str(settings.metrics_port)
        if name == "gateway":
            assert ports["http"] == settings.http_port
        # Pods must listen on their own address (processes default to loopback).
        assert settings.metrics_bind_address == "0.0.0.0", name
        assert name != "gateway" or settings.http_bind_address == "0.0.0.0"


def test_secrets_come_from_a_secret_not_the_config_map():
    config_keys = set(of_kind("ConfigMap")["branch-rhythm-config"]["data"])
    assert not config_keys & {"AMQP_URI", "DATABASE_URL", "PLATFORM_ADMIN_TOKEN"}
    for deployment in of_kind("Deployment").values():
        refs = deployment["spec"]["template"]["spec"]["containers"][0]["envFrom"]
        assert {"secretRef": {"name": "branch-rhythm-secrets"}} in refs


def test_probes_limits_non_root_and_replicas():
    for name, deployment in of_kind("Deployment").items():
        spec = deployment["spec"]
        pod = spec["template"]["spec"]
        container = pod["containers"][0]
        port_names = {p["name"] for p in container["ports"]}
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert container[probe]["httpGet"]["port"] in port_names, f"{name} {probe}"
        assert {"cpu", "memory"} <= set(container["resources"]["limits"]), name
        assert {"cpu", "memory"} <= set(container["resources"]["requests"]), name
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert spec["replicas"] >= (3 if name in CONSUMERS else 2), name
        assert spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items()


def test_every_deployment_has_a_service_and_a_disruption_budget():
    services, budgets = of_kind("Service"), of_kind("PodDisruptionBudget")
    for name, deployment in of_kind("Deployment").items():
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert services[name]["spec"]["selector"] == selector
        assert budgets[name]["spec"]["selector"]["matchLabels"] == selector
        container_ports = {p["name"] for p in deployment["spec"]["template"]["spec"]["containers"][0]["ports"]}
        assert {p["targetPort"] for p in services[name]["spec"]["ports"]} <= container_ports
