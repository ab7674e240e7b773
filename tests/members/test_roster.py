"""The roster through the gateway: status machine, transfers, roles, activists, org tree, import."""
import base64
import io
import uuid
from pathlib import Path

from openpyxl import load_workbook

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "roster" / "branch_sample.csv"


def test_status_machine_dates_history_and_refuses_jumps(api, tap):
    college = api.new_tenant()
    person = college.add_member("陈静", political_status="applicant")
    path = f"/v1/members/{person['id']}/status"

    jump = college.admin.post(path, json={"to_status": "full", "effective_on": "2025-01-01"})
    assert jump.status_code == 409 and jump.json()["details"][0]["field"] == "to_status"
    assert "applicant to full" in jump.json()["message"]

    for status, day in (("activist", "2025-03-01"), ("candidate", "2025-09-01"), ("probationary", "2025-10-01")):
        body = college.admin.ok("POST", path, json={"to_status": status, "effective_on": day})
    assert body["political_status"] == "probationary" and body["joined_party_on"] == "2025-10-01"
    earlier = college.admin.post(path, json={"to_status": "full", "effective_on": "2025-09-30"})
    assert earlier.status_code == 400 and earlier.json()["details"][0]["field"] == "effective_on"

    history = college.admin.ok("GET", f"/v1/members/{person['id']}/status-history")
    assert [(h["from_status"], h["to_status"]) for h in history][1:] == [
        ("applicant", "activist"), ("activist", "candidate"), ("candidate", "probationary")]
    changes = [e for e in tap.wait_for(college.tenant["id"], 4) if e["event_type"] == "member_status_changed"]
    assert sorted(e["to_status"] for e in changes) == ["activist", "candidate", "probationary"]


def test_transfer_keeps_history_and_ends_roles(api, tap):
    college = api.new_tenant()
    other = college.admin.ok("POST", "/v1/org-units", 201, json={"name": "学生党支部", "kind": "branch"})
    person = college.add_member("孙丽")
    college.admin.ok("POST", f"/v1/members/{person['id']}/roles", 201, json={
        "role": "secretary", "org_unit_id": college.branch["id"], "started_on": "2024-01-01"})
    assert [r["role"] for r in college.admin.ok("GET", f"/v1/org-units/{college.branch['id']}/roles")] == ["secretary"]

    moved = college.admin.ok("POST", f"/v1/members/{person['id']}/transfer", json={
        "to_org_unit_id": other["id"], "effective_on": "2025-02-01", "note": "工作调动"})
    assert moved["org_unit_id"] == other["id"]
    again = college.admin.post(f"/v1/members/{person['id']}/transfer", json={
        "to_org_unit_id": college.branch["id"], "effective_on": "2025-01-01"})
    assert again.status_code == 400 and again.json()["details"][0]["field"] == "effective_on"
    college.admin.ok("POST", f"/v1/members/{person['id']}/transfer", json={
        "to_org_unit_id": college.branch["id"], "effective_on": "2025-06-01"})
    assert [t["effective_on"] for t in college.admin.ok("GET", f"/v1/members/{person['id']}/transfers")] == [
        "2025-02-01", "2025-06-01"]
    assert college.admin.ok("GET", f"/v1/org-units/{college.branch['id']}/roles") == []
    types = [e["event_type"] for e in tap.wait_for(college.tenant["id"], 4)]
    assert types.count("member_transferred") == 2 and "role_assigned" in types


def test_activist_followers_roles_and_leaving(api, tap):
    college = api.new_tenant()
    group = college.admin.ok("POST", "/v1/org-units", 201, json={
        "name": "第一党小组", "kind": "group", "parent_id": college.branch["id"]})
    mentor = college.add_member("张建国", org_unit_id=group["id"])
    activist = college.add_member("何子轩", political_status="activist", category="student")
    colleague = college.add_member("赵磊", political_status="non_party")

    link = college.admin.ok("POST", f"/v1/members/{activist['id']}/followers", 201, json={
        "follower_id": mentor["id"], "assigned_on": "2025-03-01"})
    assert link["follower_id"] == mentor["id"]
    dup = college.admin.post(f"/v1/members/{activist['id']}/followers", json={
        "follower_id": mentor["id"], "assigned_on": "2025-03-01"})
    assert dup.status_code == 409
    not_party = college.admin.post(f"/v1/members/{activist['id']}/followers", json={
        "follower_id": colleague["id"], "assigned_on": "2025-03-01"})
    assert not_party.status_code == 400 and not_party.json()["details"][0]["field"] == "follower_id"

    leader_in_branch = college.admin.post(f"/v1/members/{mentor['id']}/roles", json={
        "role": "group_leader", "org_unit_id": college.branch["id"], "started_on": "2025-01-01"})
    assert leader_in_branch.status_code == 400
    college.admin.ok("POST", f"/v1/members/{mentor['id']}/roles", 201, json={
        "role": "group_leader", "org_unit_id": group["id"], "started_on": "2025-01-01"})

    left = college.admin.ok("POST", f"/v1/members/{activist['id']}/leave", json={
        "left_on": "2025-07-01", "reason": "毕业离校"})
    assert left["left_at"].startswith("2025-07-01")
    assert college.admin.ok("GET", f"/v1/members/{activist['id']}/followers") == []
    assert college.admin.post(f"/v1/members/{activist['id']}/leave", json={
        "left_on": "2025-07-02", "reason": "x"}).status_code == 409
    listed = college.admin.ok("GET", "/v1/members")
    assert activist["id"] not in [m["id"] for m in listed["items"]]
    types = tap.types(college.tenant["id"])
    for expected in ("activist_assigned", "role_assigned", "member_left", "member_joined"):
        assert expected in (types or tap.wait_for(college.tenant["id"], 6) and tap.types(college.tenant["id"]))


def test_org_tree_rename_move_close(api):
    college = api.new_tenant()
    general = college.admin.ok("POST", "/v1/org-units", 201, json={"name": "党总支", "kind": "general_branch"})
    group = college.admin.ok("POST", "/v1/org-units", 201, json={
        "name": "一组", "kind": "group", "parent_id": college.branch["id"]})
    renamed = college.admin.ok("PATCH", f"/v1/org-units/{group['id']}", json={"name": "第一党小组"})
    assert renamed["name"] == "第一党小组"
    moved = college.admin.ok("POST", f"/v1/org-units/{college.branch['id']}/move", json={"parent_id": general["id"]})
    assert moved["parent_id"] == general["id"]
    cycle = college.admin.post(f"/v1/org-units/{general['id']}/move", json={"parent_id": college.branch["id"]})
    assert cycle.status_code == 400 and cycle.json()["details"][0]["field"] == "parent_id"
    under_group = college.admin.post(f"/v1/org-units/{group['id']}/move", json={"parent_id": general["id"]})
    assert under_group.status_code == 400
    college.add_member(org_unit_id=group["id"])
    assert college.admin.post(f"/v1/org-units/{group['id']}/close").status_code == 409
    empty = college.admin.ok("POST", "/v1/org-units", 201, json={
        "name": "二组", "kind": "group", "parent_id": college.branch["id"]})
    closed = college.admin.ok("POST", f"/v1/org-units/{empty['id']}/close")
    assert closed["closed_at"]
    refused = college.admin.post("/v1/members", json={
        "name": "x", "org_unit_id": empty["id"], "category": "staff", "political_status": "full"})
    assert refused.status_code == 400


def test_people_fields_validated_updated_and_listed(api, tap):
    college = api.new_tenant()
    person = college.add_member("李晓燕", gender="female", ethnicity="汉族", birth_date="1982-11-02",
                                department="机电工程系", job_title="教研室主任", wecom_user_id="lixy",
                                joined_work_on="2006-08-15", joined_party_on="2004-05-10",
                                full_member_on="2005-05-10", introducers=["王立新", "刘红"], external_no="T1002")
    assert person["introducers"] == ["王立新", "刘红"] and person["gender"] == "female"
    bad = college.admin.post("/v1/members", json={
        "name": "x", "org_unit_id": college.branch["id"], "category": "staff", "political_status": "full",
        "joined_party_on": "2010-01-01", "full_member_on": "2009-01-01"})
    assert bad.status_code == 400 and "full_member_on" in bad.json()["message"]
    updated = college.admin.ok("PATCH", f"/v1/members/{person['id']}", json={"job_title": "系副主任"})
    assert updated["job_title"] == "系副主任"
    college.add_member("何子轩", category="student", political_status="activist")
    page = college.admin.ok("GET", "/v1/members?category=student&limit=1")
    assert page["total"] == 1 and page["items"][0]["name"] == "何子轩"
    by_unit = college.admin.ok("GET", f"/v1/members?org_unit_id={college.branch['id']}&political_status=full")
    assert [m["name"] for m in by_unit["items"]] == ["李晓燕"]
    event = [e for e in tap.wait_for(college.tenant["id"], 3) if e["event_type"] == "member_updated"]
    assert event and event[0]["fields"] == ["job_title"]


def test_members_read_only_their_own_record(api):
    college = api.new_tenant()
    me, peer = college.add_member("王芳"), college.add_member("李明")
    mine = college.member_api(me["id"])
    assert mine.ok("GET", f"/v1/members/{me['id']}")["name"] == "王芳"
    assert mine.get(f"/v1/members/{peer['id']}").status_code == 403
    assert mine.get("/v1/members").status_code == 403
    assert mine.request("PATCH", f"/v1/members/{me['id']}", json={"name": "x"}).status_code == 403
    assert mine.post(f"/v1/members/{me['id']}/status", json={
        "to_status": "non_party", "effective_on": "2025-01-01"}).status_code == 403


def _import(college, content: bytes, fmt="csv", **extra):
    body = {"branch_id": college.branch["id"], "format": fmt,
            "content_base64": base64.b64encode(content).decode(), **extra}
    return college.admin.ok("POST", "/v1/roster/import", json=body)


def test_import_never_moves_a_person_out_of_another_branch(api):
    college = api.new_tenant()
    other = college.admin.ok("POST", "/v1/org-units", 201, json={"name": "学生党支部", "kind": "branch"})
    elsewhere = college.add_member("周婷", org_unit_id=other["id"], external_no="S2001")
    content = ("工号/学号,姓名,类别,政治面貌\n"
               "S2001,周婷婷,学生,正式党员\n"
               "T3001,吴刚,教工,群众\n").encode()
    report = _import(college, content, mode="valid_rows")
    assert report["created"] == 1 and report["updated"] == 0
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(2, "工号/学号")]
    assert "another branch" in report["errors"][0]["reason"]
    unchanged = college.admin.ok("GET", f"/v1/members/{elsewhere['id']}")
    assert (unchanged["name"], unchanged["org_unit_id"]) == ("周婷", other["id"])


def test_import_sample_roster_report_modes_idempotence_and_export(api, tap):
    college = api.new_tenant()
    content = SAMPLE.read_bytes()
    rejected = _import(college, content)
    assert rejected["status"] == "rejected" and rejected["created"] == 0
    bad = {(e["row"], e["column"]) for e in rejected["errors"]}
    assert {(14, "姓名"), (15, "性别"), (16, "出生日期"), (17, "工号/学号"), (18, "培养联系人")} <= bad
    assert {row for row, _ in bad} == {14, 15, 16, 17, 18, 19}
    assert college.admin.ok("GET", "/v1/members")["total"] == 0

    report = _import(college, content, mode="valid_rows")
    assert (report["status"], report["created"], report["groups_created"]) == ("partially_imported", 12, 2)
    assert report["followers_assigned"] == 3
    tap.wait_for(college.tenant["id"], 15)
    again = _import(college, content, mode="valid_rows")
    assert (again["created"], again["updated"], again["unchanged"], again["events"]) == (0, 0, 12, 0)

    listed = college.admin.ok("GET", "/v1/members?limit=500")["items"]
    assert len(listed) == 12
    activist = next(m for m in listed if m["external_no"] == "T1004")
    assert [f["name"] for f in college.admin.ok("GET", f"/v1/members/{activist['id']}/followers")] == ["张建国"]

    exported = college.admin.ok("GET", f"/v1/org-units/{college.branch['id']}/roster.xlsx")
    xlsx = base64.b64decode(exported["content_base64"])
    sheet = load_workbook(io.BytesIO(xlsx)).worksheets[0]
    assert sheet.max_row == 13 and sheet.cell(1, 1).value == "工号/学号"
    # The exported workbook is a valid import: nothing changes.
    round_trip = _import(college, xlsx, fmt="xlsx")
    assert (round_trip["status"], round_trip["unchanged"], round_trip["events"]) == ("imported", 12, 0)

    changed = content.replace(b"T1009,\xe9\x83\x91\xe4\xbc\x9f", b"T1009,\xe9\x83\x91\xe4\xbc\x9f")
    changed = changed.decode().replace("入党申请人,2024-10-01", "入党积极分子,2024-10-01").encode()
    update = _import(college, changed, mode="valid_rows")
    assert (update["updated"], update["events"]) == (1, 1)
    assert len(tap.events(college.tenant["id"])) >= 15


def test_every_route_answers_not_found_across_tenants(api):
    a, b = api.new_tenant(), api.new_tenant()
    person = b.add_member("王芳", political_status="activist")
    mentor = b.add_member("张建国")
    unit = b.branch["id"]
    pid = person["id"]
    calls = [
        ("GET", f"/v1/members/{pid}", None), ("PATCH", f"/v1/members/{pid}", {"name": "x"}),
        ("POST", f"/v1/members/{pid}/status", {"to_status": "candidate", "effective_on": "2025-01-01"}),
        ("GET", f"/v1/members/{pid}/status-history", None),
        ("POST", f"/v1/members/{pid}/transfer", {"to_org_unit_id": a.branch["id"], "effective_on": "2025-01-01"}),
        ("GET", f"/v1/members/{pid}/transfers", None),
        ("POST", f"/v1/members/{pid}/leave", {"left_on": "2025-01-01", "reason": "x"}),
        ("POST", f"/v1/members/{mentor['id']}/roles", {"role": "secretary", "org_unit_id": a.branch["id"],
                                                       "started_on": "2025-01-01"}),
        ("POST", f"/v1/members/{pid}/followers", {"follower_id": mentor["id"], "assigned_on": "2025-01-01"}),
        ("GET", f"/v1/members/{pid}/followers", None),
        ("POST", f"/v1/members/{pid}/tokens", {"roles": ["member"]}),
        ("GET", f"/v1/members?org_unit_id={unit}", None),
        ("PATCH", f"/v1/org-units/{unit}", {"name": "x"}),
        ("POST", f"/v1/org-units/{unit}/move", {"parent_id": None}),
        ("POST", f"/v1/org-units/{unit}/close", None),
        ("GET", f"/v1/org-units/{unit}/roles", None),
        ("GET", f"/v1/org-units/{unit}/roster.xlsx", None),
        ("POST", "/v1/roster/import", {"branch_id": unit, "format": "csv",
                                       "content_base64": base64.b64encode(SAMPLE.read_bytes()).decode()}),
    ]
    for method, path, body in calls:
        response = a.admin.request(method, path, json=body)
        assert response.status_code == 404, f"{method} {path}: {response.status_code} {response.text}"
    assert b.admin.ok("GET", f"/v1/members/{pid}")["political_status"] == "activist"
    assert a.admin.ok("GET", "/v1/members")["total"] == 0
    assert unit not in [u["id"] for u in a.admin.ok("GET", "/v1/org-units")]
    # Creating in tenant A with tenant B's unit is refused the same way as an unknown unit.
    assert a.admin.post("/v1/members", json={"name": "x", "org_unit_id": unit, "category": "staff",
                                             "political_status": "full"}).status_code == 404


def test_every_route_refuses_bad_input_naming_the_field(api):
    college = api.new_tenant()
    pid = college.add_member("王芳")["id"]
    unit = college.branch["id"]
    calls = [
        ("GET", "/v1/members/not-a-uuid", None, "member_id"),
        ("GET", "/v1/members?limit=0", None, "limit"),
        ("GET", "/v1/members?limit=x", None, "limit"),
        ("GET", "/v1/members?political_status=boss", None, "political_status"),
        ("GET", "/v1/members?include_left=maybe", None, "include_left"),
        ("POST", "/v1/members", {"name": "x", "org_unit_id": unit, "category": "staff",
                                 "political_status": "full", "gender": "x"}, "gender"),
        ("PATCH", f"/v1/members/{pid}", {}, "body"),
        ("PATCH", f"/v1/members/{pid}", {"wecom_user_id": "has space"}, "wecom_user_id"),
        ("PATCH", f"/v1/members/{pid}", {"birth_date": "2999-01-01"}, "birth_date"),
        ("POST", f"/v1/members/{pid}/status", {"to_status": "king", "effective_on": "2025-01-01"}, "to_status"),
        ("POST", f"/v1/members/{pid}/status", {"to_status": "full"}, "effective_on"),
        ("POST", f"/v1/members/{pid}/transfer", {"to_org_unit_id": "nope", "effective_on": "2025-01-01"},
         "to_org_unit_id"),
        ("POST", f"/v1/members/{pid}/transfer", {"to_org_unit_id": str(uuid.uuid4()), "effective_on": "2025-01-01"},
         "to_org_unit_id"),
        ("POST", f"/v1/members/{pid}/leave", {"left_on": "2025-01-01"}, "reason"),
        ("POST", f"/v1/members/{pid}/roles", {"role": "king", "org_unit_id": unit, "started_on": "2025-01-01"},
         "role"),
        ("POST", f"/v1/members/{pid}/followers", {"follower_id": pid, "assigned_on": "2025-01-01", "x": 1}, "x"),
        ("GET", "/v1/members/bad/status-history", None, "member_id"),
        ("GET", "/v1/members/bad/transfers", None, "member_id"),
        ("GET", "/v1/members/bad/followers", None, "member_id"),
        ("POST", "/v1/org-units", {"name": "", "kind": "branch"}, "name"),
        ("PATCH", f"/v1/org-units/{unit}", {"name": ""}, "name"),
        ("POST", f"/v1/org-units/{unit}/move", {}, "parent_id"),
        ("POST", "/v1/org-units/bad/close", None, "org_unit_id"),
        ("GET", "/v1/org-units/bad/roles", None, "org_unit_id"),
        ("GET", "/v1/org-units/bad/roster.xlsx", None, "org_unit_id"),
        ("POST", "/v1/roster/import", {"branch_id": unit, "format": "pdf", "content_base64": "eA=="}, "format"),
        ("POST", "/v1/roster/import", {"branch_id": unit, "format": "csv", "content_base64": "!!"}, "content_base64"),
        ("POST", "/v1/roster/import", {"branch_id": unit, "format": "xlsx", "content_base64": "eA=="}, "content"),
        ("POST", "/v1/roster/import", {"branch_id": unit, "format": "csv",
                                       "content_base64": base64.b64encode("姓名\n张三\n".encode()).decode()},
         "content"),
    ]
    for method, path, body, field in calls:
        response = college.admin.request(method, path, json=body)
        # A malformed value is a 400; a well-formed id of nothing in the college a 404; both name it.
        assert response.status_code in (400, 404), f"{method} {path}: {response.status_code} {response.text}"
        fields = [d["field"] for d in response.json().get("details", [])]
        assert any(f.startswith(field) for f in fields), f"{method} {path}: {fields} lacks {field}"
    not_json = college.admin.request("POST", f"/v1/members/{pid}/status", data="{")
    assert not_json.status_code == 400
