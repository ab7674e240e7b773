"""A robot webhook reaches only the robot hosts: checked when configured and again when sending,
redirects never followed. The loopback stand-ins are reachable here only because conftest's
notify_env widens the setting, as a deployment with a private gateway would."""
import pytest
from sqlalchemy import text

from tests.notify.helpers import branch_notice, settled
from tests.notify.servers import Robot

WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=branch-1"


@pytest.fixture
def strict_robots(notify_env, monkeypatch):
    """Notify as deployed by default: no private networks. Request it before `api`, so the
    environment is set before the notify container starts."""
    monkeypatch.setenv("NOTIFY_ROBOT_HOSTS", "127.0.0.1,qyapi.weixin.qq.com")
    monkeypatch.setenv("NOTIFY_ROBOT_PRIVATE_NETWORKS", "false")


def test_robot_urls_are_checked_when_configured_and_again_when_sending(strict_robots, api, robot_server, db_engine):
    college = api.new_tenant()
    branch = college.branch["id"]
    path = f"/v1/org-units/{branch}/robots/wecom"
    stand_in = Robot("wecom")
    loopback_url = robot_server.add("wecom-inside", stand_in)
    for url, reason in ((loopback_url, "https"),
                        (f"https://127.0.0.1:{robot_server.port}/wecom-inside", "not a public address"),
                        ("https://evil.example/cgi-bin/webhook/send", "not a robot host"),
                        ("https://169.254.169.254/latest/meta-data/", "not a robot host"),
                        ("https://user:pw@qyapi.weixin.qq.com/x", "user name")):
        response = college.admin.request("PUT", path, json={"webhook_url": url})
        assert response.status_code == 400, (url, response.text)
        [problem] = response.json()["details"]
        assert problem["field"] == "webhook_url" and reason in problem["reason"], (url, problem)
    assert college.admin.ok("GET", f"/v1/org-units/{branch}/robots") == []

    # A robot host that passed when configured, resolving to loopback by the time of sending.
    college.admin.ok("PUT", path, json={"webhook_url": WECOM})
    with db_engine.begin() as conn:
        conn.execute(text("UPDATE notify.robots SET webhook_url = :url WHERE org_unit_id = :unit"),
                     {"url": f"http://127.0.0.1:{robot_server.port}/wecom-inside", "unit": branch})
    branch_notice(college.admin, branch, "rebound")
    [row] = settled(college.admin, "manual:activity_day_tomorrow:rebound", 1)
    assert (row["status"], row["attempts"]) == ("failed", 1)
    assert "address refused" in row["last_error"]
    assert stand_in.requests == []


def test_a_robot_answering_a_redirect_is_not_followed(api, robot_server):
    college = api.new_tenant()
    branch = college.branch["id"]
    inside = Robot("wecom")
    target = robot_server.add("wecom-target", inside)
    college.admin.ok("PUT", f"/v1/org-units/{branch}/robots/wecom",
                     json={"webhook_url": robot_server.add("wecom-redirect", Robot("wecom", redirect_to=target))})
    branch_notice(college.admin, branch, "redirected")
    [row] = settled(college.admin, "manual:activity_day_tomorrow:redirected", 1)
    assert (row["status"], row["attempts"]) == ("failed", 1)
    assert "redirect" in row["last_error"]
    assert inside.requests == []
