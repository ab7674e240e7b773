"""A branch's pending-approval list includes what its groups' members submitted."""


def test_the_branch_pending_list_includes_its_groups(branch):
    submitted = branch.member("李华").ok("POST", "/v1/activities", 201, json={
        "member_id": branch.people["李华"], "kind": "achievement", "occurred_on": "2026-10-04",
        "details": {"title": "优秀教师", "level": "school", "awarded_by": "学校"}})
    assert submitted["status"] == "submitted" and submitted["org_unit_id"] == branch.group
    on_branch = branch.secretary.ok("GET", f"/v1/activities/pending?org_unit_id={branch.branch}")
    on_group = branch.secretary.ok("GET", f"/v1/activities/pending?org_unit_id={branch.group}")
    assert [a["id"] for a in on_branch] == [a["id"] for a in on_group] == [submitted["id"]]
