"""Events other services build on: a tenant's settings, the org tree's state, a joiner's email."""
import base64

from tests.members.test_roster import SAMPLE
from tests.support.infra import wait_until


def _of_type(tap, tenant_id, event_type, count):
    def found():
        return [e for e in tap.events(tenant_id) if e["event_type"] == event_type]
    return wait_until(lambda: len(found()) >= count and found(), message=f"{count} {event_type}")


def test_tenant_configured_on_creation_and_settings_change(api, tap):
    college = api.new_tenant()
    tenant_id = college.tenant["id"]
    created = _of_type(tap, tenant_id, "tenant_configured", 1)
    assert (created[0]["name"], created[0]["timezone"]) == (college.tenant["name"], "Asia/Shanghai")

    updated = college.admin.ok("PATCH", "/v1/tenant", json={"timezone": "Asia/Urumqi", "name": "新能源学院"})
    assert (updated["timezone"], updated["name"]) == ("Asia/Urumqi", "新能源学院")
    assert college.admin.ok("GET", "/v1/tenant")["timezone"] == "Asia/Urumqi"
    changed = _of_type(tap, tenant_id, "tenant_configured", 2)
    assert {(e["name"], e["timezone"]) for e in changed} == {
        (college.tenant["name"], "Asia/Shanghai"), ("新能源学院", "Asia/Urumqi")}
    # The time zone reaches readers of a member's record too.
    person = college.add_member("李明")
    assert college.admin.ok("GET", f"/v1/members/{person['id']}")["timezone"] == "Asia/Urumqi"


def test_tenant_settings_refuse_bad_input_non_admins_and_other_tenants(api, tap):
    college, other = api.new_tenant(), api.new_tenant()
    for body, field in (({"timezone": "Mars/Olympus"}, "timezone"), ({"timezone": ""}, "timezone"),
                        ({"name": ""}, "name"), ({}, "body"), ({"code": "x"}, "code")):
        response = college.admin.request("PATCH", "/v1/tenant", json=body)
        assert response.status_code == 400, response.text
        assert any(d["field"].startswith(field) for d in response.json()["details"]), response.text
    member = college.member_api(college.add_member("王芳")["id"])
    assert member.request("PATCH", "/v1/tenant", json={"name": "x"}).status_code == 403
    # A token only ever reaches its own tenant: the other college is untouched.
    college.admin.ok("PATCH", "/v1/tenant", json={"name": "改名学院"})
    assert other.admin.ok("GET", "/v1/tenant")["name"] == other.tenant["name"]
    assert college.admin.ok("GET", "/v1/tenant")["name"] == "改名学院"
    assert [e["name"] for e in tap.events(other.tenant["id"]) if e["event_type"] == "tenant_configured"] == [
        other.tenant["name"]]


def test_org_unit_changed_carries_the_whole_state(api, tap):
    college = api.new_tenant()
    tenant_id = college.tenant["id"]
    general = college.admin.ok("POST", "/v1/org-units", 201, json={"name": "党总支", "kind": "general_branch"})
    group = college.admin.ok("POST", "/v1/org-units", 201, json={
        "name": "一组", "kind": "group", "parent_id": college.branch["id"]})
    college.admin.ok("PATCH", f"/v1/org-units/{group['id']}", json={"name": "第一党小组"})
    college.admin.ok("POST", f"/v1/org-units/{college.branch['id']}/move", json={"parent_id": general["id"]})
    college.admin.ok("POST", f"/v1/org-units/{group['id']}/close")
    events = _of_type(tap, tenant_id, "org_unit_changed", 6)
    by_change = sorted((e["change"], e["org_unit_id"]) for e in events)
    assert by_change == sorted([("created", college.branch["id"]), ("created", general["id"]),
                                ("created", group["id"]), ("renamed", group["id"]),
                                ("moved", college.branch["id"]), ("closed", group["id"])])
    closed = next(e for e in events if e["change"] == "closed")
    assert (closed["name"], closed["kind"], closed["parent_id"], closed["closed"]) == (
        "第一党小组", "group", college.branch["id"], True)
    moved = next(e for e in events if e["change"] == "moved")
    assert (moved["parent_id"], moved["closed"], moved["kind"]) == (general["id"], False, "branch")
    # Renaming to the same name changes nothing and publishes nothing.
    college.admin.ok("PATCH", f"/v1/org-units/{general['id']}", json={"name": "党总支"})
    assert len([e for e in tap.events(tenant_id) if e["event_type"] == "org_unit_changed"]) == 6


def test_member_joined_carries_the_email_on_create_and_import(api, tap):
    college = api.new_tenant()
    tenant_id = college.tenant["id"]
    with_mail = college.add_member("李明", email="liming@example.edu.cn")
    without = college.add_member("王芳")
    body = {"branch_id": college.branch["id"], "format": "csv", "mode": "valid_rows",
            "content_base64": base64.b64encode(SAMPLE.read_bytes()).decode()}
    report = college.admin.ok("POST", "/v1/roster/import", json=body)
    joined = {e["member_id"]: e for e in _of_type(tap, tenant_id, "member_joined", 2 + report["created"])}
    assert joined[with_mail["id"]]["email"] == "liming@example.edu.cn"
    assert joined[without["id"]]["email"] is None
    imported = college.admin.ok("GET", "/v1/members?limit=500")["items"]
    emails = {m["id"]: m["email"] for m in imported if m["external_no"]}
    assert any(emails.values()), "the sample roster should carry some emails"
    for member_id, email in emails.items():
        assert joined[member_id]["email"] == email
    # Groups the import creates are announced like any other new org unit.
    groups = [e for e in _of_type(tap, tenant_id, "org_unit_changed", 1 + report["groups_created"])
              if e["kind"] == "group"]
    assert len(groups) == report["groups_created"] and all(g["change"] == "created" for g in groups)


def test_officers_change_only_their_own_branch(api):
    """403 (not 404) for a person of another branch: inside one's own tenant the roster is
    readable, so hiding the person would only mislead; another tenant stays 404."""
    college, other = api.new_tenant(), api.new_tenant()
    branch_a = college.branch
    branch_b = college.admin.ok("POST", "/v1/org-units", 201, json={"name": "学生党支部", "kind": "branch"})
    group_a = college.admin.ok("POST", "/v1/org-units", 201, json={
        "name": "第一党小组", "kind": "group", "parent_id": branch_a["id"]})
    secretary = college.add_member("张建国")
    college.admin.ok("POST", f"/v1/members/{secretary['id']}/roles", 201, json={
        "role": "secretary", "org_unit_id": branch_a["id"], "started_on": "2024-01-01"})
    token = college.admin.ok("POST", f"/v1/members/{secretary['id']}/tokens", 201,
                             json={"roles": ["secretary"], "label": "支书"})["token"]
    officer = college.admin.as_(token)
    in_a, in_group = college.add_member("李明"), college.add_member("王芳", org_unit_id=group_a["id"])
    in_b = college.add_member("赵磊", org_unit_id=branch_b["id"])

    assert officer.ok("PATCH", f"/v1/members/{in_a['id']}", json={"job_title": "讲师"})["job_title"] == "讲师"
    assert officer.ok("PATCH", f"/v1/members/{in_group['id']}", json={"job_title": "助教"})["job_title"] == "助教"
    refused = officer.request("PATCH", f"/v1/members/{in_b['id']}", json={"job_title": "x"})
    assert refused.status_code == 403, refused.text
    assert college.admin.ok("GET", f"/v1/members/{in_b['id']}")["job_title"] is None
    new_person = {"name": "周敏", "category": "staff", "political_status": "full"}
    assert officer.post("/v1/members", json={**new_person, "org_unit_id": branch_a["id"]}).status_code == 201
    assert officer.post("/v1/members", json={**new_person, "org_unit_id": branch_b["id"]}).status_code == 403
    for path, body in ((f"/v1/members/{in_b['id']}/status", {"to_status": "non_party", "effective_on": "2025-01-01"}),
                       (f"/v1/members/{in_b['id']}/leave", {"left_on": "2025-01-01", "reason": "x"}),
                       (f"/v1/members/{in_b['id']}/transfer", {"to_org_unit_id": branch_a["id"],
                                                               "effective_on": "2025-01-01"}),
                       (f"/v1/members/{in_a['id']}/roles", {"role": "secretary", "org_unit_id": branch_b["id"],
                                                            "started_on": "2025-01-01"})):
        assert officer.post(path, json=body).status_code == 403, path
    # Another tenant's person is not found, whatever the caller's role.
    stranger = other.add_member("钱伟")
    assert officer.request("PATCH", f"/v1/members/{stranger['id']}", json={"job_title": "x"}).status_code == 404

    # A transfer touches both branches: an officer of one sends nobody into the other, naming the
    # field; the admin does, and afterwards the person is out of the officer's reach.
    into_b = officer.post(f"/v1/members/{in_group['id']}/transfer", json={
        "to_org_unit_id": branch_b["id"], "effective_on": "2025-02-01"})
    assert into_b.status_code == 403 and into_b.json()["details"][0]["field"] == "to_org_unit_id", into_b.text
    moved = college.admin.ok("POST", f"/v1/members/{in_group['id']}/transfer", json={
        "to_org_unit_id": branch_b["id"], "effective_on": "2025-02-01"})
    assert moved["org_unit_id"] == branch_b["id"]
    assert officer.request("PATCH", f"/v1/members/{in_group['id']}", json={"job_title": "x"}).status_code == 403

    # A token naming the role is not enough without holding it, nor is holding it without the token saying so.
    unappointed = college.add_member("孙丽")
    claimed = college.admin.ok("POST", f"/v1/members/{unappointed['id']}/tokens", 201,
                               json={"roles": ["secretary"]})["token"]
    assert college.admin.as_(claimed).request("PATCH", f"/v1/members/{in_a['id']}",
                                              json={"job_title": "x"}).status_code == 403
    plain = college.member_api(secretary["id"])
    assert plain.request("PATCH", f"/v1/members/{in_a['id']}", json={"job_title": "x"}).status_code == 403
    # The tenant admin manages every branch.
    assert college.admin.ok("PATCH", f"/v1/members/{in_b['id']}", json={"job_title": "教授"})["job_title"] == "教授"
