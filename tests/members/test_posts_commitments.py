"""Pioneer posts (党员先锋岗) and yearly commitments (承诺) with their year-end review."""
import uuid


def test_pioneer_posts_held_for_a_period(api, tap):
    college = api.new_tenant()
    group = college.admin.ok("POST", "/v1/org-units", 201, json={
        "name": "第一党小组", "kind": "group", "parent_id": college.branch["id"]})
    holder = college.add_member("张建国", org_unit_id=group["id"])
    post = college.admin.ok("POST", f"/v1/members/{holder['id']}/pioneer-posts", 201, json={
        "title": "教学示范岗", "started_on": "2025-03-01"})
    assert (post["org_unit_id"], post["ended_on"]) == (group["id"], None)
    lab = college.admin.ok("POST", f"/v1/members/{holder['id']}/pioneer-posts", 201, json={
        "title": "实验室安全岗", "org_unit_id": college.branch["id"], "started_on": "2024-01-01",
        "ended_on": "2024-12-31"})

    wall = college.admin.ok("GET", f"/v1/org-units/{college.branch['id']}/pioneer-posts")
    assert [(p["title"], p["name"]) for p in wall] == [("教学示范岗", "张建国")]
    ended = college.admin.ok("POST", f"/v1/pioneer-posts/{post['id']}/end", json={"ended_on": "2025-12-31"})
    assert ended["ended_on"] == "2025-12-31"
    again = college.admin.post(f"/v1/pioneer-posts/{post['id']}/end", json={"ended_on": "2026-01-31"})
    assert again.status_code == 409
    assert college.admin.ok("GET", f"/v1/org-units/{college.branch['id']}/pioneer-posts") == []
    mine = college.member_api(holder["id"])
    assert [p["id"] for p in mine.ok("GET", f"/v1/members/{holder['id']}/pioneer-posts")] == [lab["id"], post["id"]]
    events = [e for e in tap.wait_for(college.tenant["id"], 2) if e["event_type"] == "pioneer_post_assigned"]
    assert events or [e for e in tap.wait_for(college.tenant["id"], 6) if e["event_type"] == "pioneer_post_assigned"]

    peer = college.member_api(college.add_member("王芳")["id"])
    assert peer.get(f"/v1/members/{holder['id']}/pioneer-posts").status_code == 403
    assert peer.post(f"/v1/members/{holder['id']}/pioneer-posts", json={
        "title": "x", "started_on": "2025-01-01"}).status_code == 403
    outsider = college.add_member("赵磊", political_status="non_party")
    refused = college.admin.post(f"/v1/members/{outsider['id']}/pioneer-posts", json={
        "title": "x", "started_on": "2025-01-01"})
    assert refused.status_code == 400 and refused.json()["details"][0]["field"] == "member_id"


def test_one_commitment_a_year_made_by_the_member_and_reviewed_by_the_branch(api, tap):
    college = api.new_tenant()
    member = college.add_member("李明")
    secretary = college.add_member("张建国")
    college.admin.ok("POST", f"/v1/members/{secretary['id']}/roles", 201, json={
        "role": "secretary", "org_unit_id": college.branch["id"], "started_on": "2024-01-01"})
    officer = college.admin.as_(college.admin.ok("POST", f"/v1/members/{secretary['id']}/tokens", 201,
                                                 json={"roles": ["secretary"]})["token"])
    me = college.member_api(member["id"])

    made = me.ok("POST", f"/v1/members/{member['id']}/commitments", 201, json={
        "year": 2025, "items": ["每月读一本理论书籍", "  帮扶一名学生  "]})
    assert made["items"] == ["每月读一本理论书籍", "帮扶一名学生"] and made["review"] is None
    second = me.post(f"/v1/members/{member['id']}/commitments", json={"year": 2025, "items": ["x"]})
    assert second.status_code == 409 and second.json()["details"][0]["field"] == "year"
    for_secretary = officer.ok("POST", f"/v1/members/{secretary['id']}/commitments", 201,
                               json={"year": 2025, "items": ["带好支部"]})

    early = officer.post(f"/v1/commitments/{made['id']}/review", json={"result": "fulfilled",
                                                                       "reviewed_on": "2025-06-30"})
    assert early.status_code == 400 and early.json()["details"][0]["field"] == "reviewed_on"
    assert me.post(f"/v1/commitments/{made['id']}/review", json={
        "result": "fulfilled", "reviewed_on": "2025-12-20"}).status_code == 403
    assert officer.post(f"/v1/commitments/{for_secretary['id']}/review", json={
        "result": "fulfilled", "reviewed_on": "2025-12-20"}).status_code == 403
    reviewed = officer.ok("POST", f"/v1/commitments/{made['id']}/review", json={
        "result": "partly", "reviewed_on": "2025-12-20", "comment": "理论学习坚持较好，帮扶需加强"})
    assert reviewed["review"] == {"result": "partly", "reviewed_on": "2025-12-20",
                                  "comment": "理论学习坚持较好，帮扶需加强", "reviewer_id": secretary["id"]}
    twice = officer.post(f"/v1/commitments/{made['id']}/review", json={"result": "fulfilled",
                                                                       "reviewed_on": "2025-12-21"})
    assert twice.status_code == 409
    listed = me.ok("GET", f"/v1/members/{member['id']}/commitments")
    assert [(c["year"], c["review"]["result"]) for c in listed] == [(2025, "partly")]
    assert me.get(f"/v1/members/{secretary['id']}/commitments").status_code == 403

    event = [e for e in tap.wait_for(college.tenant["id"], 3) if e["event_type"] == "commitment_reviewed"]
    event = event or [e for e in tap.wait_for(college.tenant["id"], 6) if e["event_type"] == "commitment_reviewed"]
    assert (event[0]["member_id"], event[0]["result"], event[0]["year"]) == (member["id"], "partly", 2025)
    assert event[0]["org_unit_id"] == college.branch["id"]


def test_posts_and_commitments_of_another_branch_are_refused(api):
    college = api.new_tenant()
    other_branch = college.admin.ok("POST", "/v1/org-units", 201, json={"name": "学生党支部", "kind": "branch"})
    secretary = college.add_member("张建国")
    college.admin.ok("POST", f"/v1/members/{secretary['id']}/roles", 201, json={
        "role": "secretary", "org_unit_id": college.branch["id"], "started_on": "2024-01-01"})
    officer = college.admin.as_(college.admin.ok("POST", f"/v1/members/{secretary['id']}/tokens", 201,
                                                 json={"roles": ["secretary"]})["token"])
    elsewhere = college.add_member("赵磊", org_unit_id=other_branch["id"])
    commitment = college.admin.ok("POST", f"/v1/members/{elsewhere['id']}/commitments", 201,
                                  json={"year": 2025, "items": ["按时交纳党费"]})
    post = college.admin.ok("POST", f"/v1/members/{elsewhere['id']}/pioneer-posts", 201,
                            json={"title": "志愿服务岗", "started_on": "2025-01-01"})
    for path, body in ((f"/v1/members/{elsewhere['id']}/pioneer-posts", {"title": "x", "started_on": "2025-01-01"}),
                       (f"/v1/members/{elsewhere['id']}/commitments", {"year": 2026, "items": ["x"]}),
                       (f"/v1/commitments/{commitment['id']}/review", {"result": "fulfilled",
                                                                       "reviewed_on": "2025-12-20"}),
                       (f"/v1/pioneer-posts/{post['id']}/end", {"ended_on": "2025-12-31"})):
        response = officer.post(path, json=body)
        assert response.status_code == 403, f"{path}: {response.status_code} {response.text}"
    own = college.add_member("李明")
    assert officer.post(f"/v1/members/{own['id']}/pioneer-posts", json={
        "title": "x", "org_unit_id": other_branch["id"], "started_on": "2025-01-01"}).status_code == 403


def test_posts_and_commitments_across_tenants_are_not_found(api):
    a, b = api.new_tenant(), api.new_tenant()
    person = b.add_member("王芳")
    commitment = b.admin.ok("POST", f"/v1/members/{person['id']}/commitments", 201,
                            json={"year": 2025, "items": ["按时交纳党费"]})
    post = b.admin.ok("POST", f"/v1/members/{person['id']}/pioneer-posts", 201,
                      json={"title": "志愿服务岗", "started_on": "2025-01-01"})
    pid, unit = person["id"], b.branch["id"]
    calls = [
        ("POST", f"/v1/members/{pid}/pioneer-posts", {"title": "x", "started_on": "2025-01-01"}),
        ("GET", f"/v1/members/{pid}/pioneer-posts", None),
        ("POST", f"/v1/pioneer-posts/{post['id']}/end", {"ended_on": "2025-12-31"}),
        ("GET", f"/v1/org-units/{unit}/pioneer-posts", None),
        ("POST", f"/v1/members/{pid}/commitments", {"year": 2026, "items": ["x"]}),
        ("GET", f"/v1/members/{pid}/commitments", None),
        ("POST", f"/v1/commitments/{commitment['id']}/review", {"result": "fulfilled", "reviewed_on": "2025-12-20"}),
    ]
    for method, path, body in calls:
        response = a.admin.request(method, path, json=body)
        assert response.status_code == 404, f"{method} {path}: {response.status_code} {response.text}"
    assert b.admin.ok("GET", f"/v1/members/{pid}/commitments")[0]["review"] is None
    assert b.admin.ok("GET", f"/v1/members/{pid}/pioneer-posts")[0]["ended_on"] is None
    # A unit of another tenant named in the body answers as if it did not exist, naming the field.
    own = a.add_member("李明")
    wrong_unit = a.admin.post(f"/v1/members/{own['id']}/pioneer-posts", json={
        "title": "x", "org_unit_id": unit, "started_on": "2025-01-01"})
    assert wrong_unit.status_code == 404 and wrong_unit.json()["details"][0]["field"] == "org_unit_id"


def test_posts_and_commitments_refuse_bad_input_naming_the_field(api):
    college = api.new_tenant()
    pid = college.add_member("王芳")["id"]
    post = college.admin.ok("POST", f"/v1/members/{pid}/pioneer-posts", 201,
                            json={"title": "志愿服务岗", "started_on": "2025-03-01"})
    commitment = college.admin.ok("POST", f"/v1/members/{pid}/commitments", 201,
                                  json={"year": 2025, "items": ["按时交纳党费"]})
    calls = [
        ("POST", f"/v1/members/{pid}/pioneer-posts", {"started_on": "2025-01-01"}, "title"),
        ("POST", f"/v1/members/{pid}/pioneer-posts", {"title": "", "started_on": "2025-01-01"}, "title"),
        ("POST", f"/v1/members/{pid}/pioneer-posts", {"title": "x", "started_on": "someday"}, "started_on"),
        ("POST", f"/v1/members/{pid}/pioneer-posts", {"title": "x", "started_on": "2025-02-01",
                                                      "ended_on": "2025-01-01"}, "ended_on"),
        ("POST", f"/v1/members/{pid}/pioneer-posts", {"title": "x", "started_on": "2025-02-01",
                                                      "org_unit_id": str(uuid.uuid4())}, "org_unit_id"),
        ("POST", "/v1/members/bad/pioneer-posts", {"title": "x", "started_on": "2025-02-01"}, "member_id"),
        ("GET", "/v1/members/bad/pioneer-posts", None, "member_id"),
        ("POST", f"/v1/pioneer-posts/{post['id']}/end", {"ended_on": "2025-01-01"}, "ended_on"),
        ("POST", f"/v1/pioneer-posts/{post['id']}/end", {}, "ended_on"),
        ("POST", "/v1/pioneer-posts/bad/end", {"ended_on": "2025-12-31"}, "post_id"),
        ("GET", "/v1/org-units/bad/pioneer-posts", None, "org_unit_id"),
        ("POST", f"/v1/members/{pid}/commitments", {"year": 1999, "items": ["x"]}, "year"),
        ("POST", f"/v1/members/{pid}/commitments", {"year": 2999, "items": ["x"]}, "year"),
        ("POST", f"/v1/members/{pid}/commitments", {"year": 2026, "items": []}, "items"),
        ("POST", f"/v1/members/{pid}/commitments", {"year": 2026, "items": ["  "]}, "items"),
        ("GET", "/v1/members/bad/commitments", None, "member_id"),
        ("POST", f"/v1/commitments/{commitment['id']}/review", {"result": "great", "reviewed_on": "2025-12-20"},
         "result"),
        ("POST", f"/v1/commitments/{commitment['id']}/review", {"result": "fulfilled"}, "reviewed_on"),
        ("POST", f"/v1/commitments/{commitment['id']}/review", {"result": "fulfilled",
                                                                 "reviewed_on": "2999-12-20"}, "reviewed_on"),
        ("POST", "/v1/commitments/bad/review", {"result": "fulfilled", "reviewed_on": "2025-12-20"},
         "commitment_id"),
    ]
    for method, path, body, field in calls:
        response = college.admin.request(method, path, json=body)
        # A malformed value is a 400; a well-formed id of nothing in the college a 404; both name it.
        assert response.status_code in (400, 404), f"{method} {path}: {response.status_code} {response.text}"
        fields = [d["field"] for d in response.json().get("details", [])]
        assert any(f.startswith(field) for f in fields), f"{method} {path}: {fields} lacks {field}"
    # Nothing was written by the refused calls.
    assert len(college.admin.ok("GET", f"/v1/members/{pid}/pioneer-posts")) == 1
    assert college.admin.ok("GET", f"/v1/members/{pid}/commitments")[0]["review"] is None
