"""deploy/grafana: provisioned dashboards that parse, query valid PromQL and only known metrics."""
from __future__ import annotations

import json

from tests.deploy.conftest import (
    ASSUMED_BUSINESS_METRICS, DEPLOY, load_yaml, metric_names, metrics_defined_in_code, require_tool, run,
)

GRAFANA = DEPLOY / "grafana"


def dashboards() -> dict[str, dict]:
    return {path.name: json.loads(path.read_text()) for path in sorted((GRAFANA / "dashboards").glob("*.json"))}


def exprs(dashboard: dict) -> list[str]:
    return [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]


def test_the_metric_name_extraction_sees_through_functions_and_matchers():
    assert metric_names('histogram_quantile(0.99, sum by (service, le) (rate(x_bucket{a="b"}[5m])))') == {"x_bucket"}


def test_dashboards_parse_and_have_unique_uids_and_the_provisioned_datasource():
    boards = dashboards()
    assert {"operators.json", "branch-leaders.json"} <= set(boards)
    assert len({board["uid"] for board in boards.values()}) == len(boards)
    datasource = load_yaml(GRAFANA / "provisioning" / "datasources" / "prometheus.yml")["datasources"][0]
    for name, board in boards.items():
        assert board["panels"], name
        for panel in board["panels"]:
            assert panel["datasource"]["uid"] == datasource["uid"], f"{name}: {panel['title']}"
            assert panel["targets"], f"{name}: {panel['title']} queries nothing"


def test_dashboard_provider_reads_the_directory_compose_mounts(compose):
    provider = load_yaml(GRAFANA / "provisioning" / "dashboards" / "branch-rhythm.yml")["providers"][0]
    mounts = compose["services"]["grafana"]["volumes"]
    targets = {m["target"] if isinstance(m, dict) else m.split(":")[1] for m in mounts}
    assert provider["options"]["path"] in targets
    assert "/etc/grafana/provisioning" in targets


def test_every_query_is_valid_promql(tmp_path):
    # promtool has no expression checker; a recording rule per query gets it parsed.
    rules = []
    for name, board in dashboards().items():
        for i, expr in enumerate(exprs(board)):
            concrete = expr.replace("$__rate_interval", "5m").replace("$__range", "1d")
            rules.append({"record": f"dashboard:{name.split('.')[0].replace('-', '_')}:{i}", "expr": concrete})
    path = tmp_path / "dashboard_queries.yml"
    path.write_text(json.dumps({"groups": [{"name": "dashboards", "rules": rules}]}))
    run([require_tool("promtool"), "check", "rules", str(path)])


def test_operators_dashboard_queries_only_metrics_the_services_and_rabbitmq_export():
    known = metrics_defined_in_code() | {"up"}
    for expr in exprs(dashboards()["operators.json"]):
        for metric in metric_names(expr):
            assert metric in known or metric.startswith("rabbitmq_"), f"unknown metric {metric} in {expr}"


def test_branch_leaders_dashboard_queries_only_business_metrics_without_member_labels():
    known = metrics_defined_in_code() | ASSUMED_BUSINESS_METRICS
    for expr in exprs(dashboards()["branch-leaders.json"]):
        assert "member" not in expr, f"per-member series in {expr}"
        for metric in metric_names(expr):
            assert metric in known, f"unknown metric {metric} in {expr}"
