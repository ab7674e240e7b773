"""A real Prometheus on loopback scrapes the running services; the golden path moves its counters.

Asserted through Prometheus's HTTP API, as a dashboard or an alert would see them, not by reading
/metrics directly: this proves the scrape configuration, the label sets and the business metrics
together. Every process starts with this test, so each counter equals exactly what it did.
"""
import shutil
import subprocess
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests
import yaml

from tests.support.infra import Api, free_port, wait_until
from tests.support.processes import ROOT, SERVICES

RULES = ROOT / "deploy" / "prometheus" / "rules" / "alerts.yml"


class Prometheus:
    def __init__(self, url: str):
        self.url = url

    def value(self, query: str) -> float | None:
        body = requests.get(f"{self.url}/api/v1/query", params={"query": query}, timeout=5).json()
        assert body["status"] == "success", body
        result = body["data"]["result"]
        return float(result[0]["value"][1]) if result else None

    def wait_for(self, query: str, expected: float) -> None:
        seen = []

        def reached():
            seen.append(self.value(query))
            return seen[-1] == expected

        wait_until(reached, timeout=30, interval=0.5, message=f"{query} == {expected} (last seen {seen[-1:]})")


@pytest.fixture
def prometheus(system, tmp_path):
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.fail("prometheus is not installed; bin/ensure-tools installs it", pytrace=False)
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(RULES)],
        "scrape_configs": [{
            "job_name": name,
            "static_configs": [{"targets": [f"127.0.0.1:{system.metrics_ports[name]}"], "labels": {"service": name}}],
        } for name in SERVICES],
    }
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    log = open(tmp_path / "prometheus.log", "wb")
    proc = subprocess.Popen([
        binary, f"--config.file={tmp_path / 'prometheus.yml'}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{port}",
    ], stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: _ready(url), timeout=30, message=f"Prometheus ready (see {tmp_path / 'prometheus.log'})")
        yield Prometheus(url)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _ready(url: str) -> bool:
    try:
        return requests.get(f"{url}/-/ready", timeout=1).status_code == 200
    except requests.RequestException:
        return False


def test_golden_path_moves_the_counters_prometheus_scrapes(system, prometheus):
    for name in SERVICES:
        prometheus.wait_for(f'up{{job="{name}"}}', 1)
    college = Api(system.gateway_url).new_tenant()
    member = college.add_member("赵磊")
    # Today in the tenant's zone, so the activities fall in the month the gauge looks at.
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    for title in ("党章", "习近平新时代中国特色社会主义思想学习纲要"):
        college.admin.ok("POST", "/v1/activities", 201, json={
            "member_id": member["id"], "kind": "theory_reading", "occurred_on": today,
            "details": {"title": title}})
    college.admin.ok("POST", "/v1/activities", 201, json={
        "member_id": member["id"], "kind": "volunteer_service", "occurred_on": today,
        "quantity": 2, "details": {"partner": "社区服务中心"}})
    wait_until(lambda: len(college.admin.ok("GET", f"/v1/members/{member['id']}/inbox")["items"]) >= 3,
               message="three points notices in the inbox")
    points = college.admin.ok("GET", f"/v1/members/{member['id']}/points")["total"]

    prometheus.wait_for('sum(activities_logged_total{kind="theory_reading"})', 2)
    prometheus.wait_for('sum(activities_logged_total{kind="volunteer_service"})', 1)
    prometheus.wait_for("sum(points_awarded_total)", points)
    prometheus.wait_for('sum(events_published_total{job="activities", event_type="activity_logged"})', 3)
    prometheus.wait_for('sum(events_consumed_total{job="points", event_type="activity_logged", outcome="processed"})', 3)
    prometheus.wait_for('sum(notifications_total{channel="inbox", outcome="sent"})', 3)
    prometheus.wait_for('sum(outbox_backlog)', 0)
    # Two of the four duties done by the branch's only member: half complete.
    prometheus.wait_for(f'four_duties_completion_ratio{{tenant="{college.tenant["id"]}", '
                        f'branch="{college.branch["id"]}"}}', 0.5)

    # The alert rules evaluate against the live series without errors, and none fires.
    groups = requests.get(f"{prometheus.url}/api/v1/rules", timeout=5).json()["data"]["groups"]
    rules = [rule for group in groups for rule in group["rules"]]
    assert rules and all(rule["health"] == "ok" for rule in rules), [
        (r["name"], r.get("lastError")) for r in rules if r["health"] != "ok"]
    firing = requests.get(f"{prometheus.url}/api/v1/alerts", timeout=5).json()["data"]["alerts"]
    assert [a for a in firing if a["state"] == "firing"] == []
