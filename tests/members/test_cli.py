"""The admin command line, run as school IT would: a subprocess against the test database."""
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.infra import service_env

ROOT = Path(__file__).resolve().parents[2]


def run_cli(database_url, amqp_uri, *args) -> subprocess.CompletedProcess:
    env = {**os.environ, **service_env(database_url, amqp_uri)}
    return subprocess.run([sys.executable, "-m", "services.members.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_issue_token_for_an_existing_tenant(api, database_url, amqp_uri):
    college = api.new_tenant()
    code = college.tenant["code"]
    done = run_cli(database_url, amqp_uri, "issue-token", "--tenant", code, "--role", "tenant_admin",
                   "--label", "信息中心")
    assert done.returncode == 0, done.stderr
    issued = json.loads(done.stdout)
    assert (issued["roles"], issued["member_id"]) == (["tenant_admin"], None)
    admin = college.admin.as_(issued["token"])
    assert admin.ok("GET", "/v1/tenant")["id"] == college.tenant["id"]
    admin.ok("POST", "/v1/org-units", 201, json={"name": "学生党支部", "kind": "branch"})

    secretary = college.add_member("张建国")
    college.admin.ok("POST", f"/v1/members/{secretary['id']}/roles", 201, json={
        "role": "secretary", "org_unit_id": college.branch["id"], "started_on": "2024-01-01"})
    done = run_cli(database_url, amqp_uri, "issue-token", "--tenant", code, "--member", secretary["id"],
                   "--role", "secretary", "--role", "member")
    assert done.returncode == 0, done.stderr
    officer = college.admin.as_(json.loads(done.stdout)["token"])
    person = college.add_member("李明")
    assert officer.ok("PATCH", f"/v1/members/{person['id']}", json={"job_title": "讲师"})["job_title"] == "讲师"


def test_issue_token_refuses_bad_arguments_naming_them(api, database_url, amqp_uri):
    college = api.new_tenant()
    other = api.new_tenant()
    stranger = other.add_member("王芳")
    code = college.tenant["code"]
    cases = [
        (("--tenant", "no-such-college", "--role", "tenant_admin"), "tenant"),
        (("--tenant", code, "--role", "king"), "roles"),
        (("--tenant", code, "--role", "secretary"), "role"),
        (("--tenant", code, "--role", "member", "--member", "not-a-uuid"), "member"),
        (("--tenant", code, "--role", "member", "--member", stranger["id"]), "member"),
    ]
    for args, field in cases:
        done = run_cli(database_url, amqp_uri, "issue-token", *args)
        assert done.returncode == 1, f"{args}: {done.returncode} {done.stdout} {done.stderr}"
        assert f"\nerror: {field}" in "\n" + done.stderr, f"{args}: {done.stderr}"
        assert "token" not in done.stdout
    missing = run_cli(database_url, amqp_uri, "issue-token", "--tenant", code)
    assert missing.returncode == 2 and "--role" in missing.stderr
