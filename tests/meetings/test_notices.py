"""Notices with receipts: bad input names the field and writes nothing; members neither send nor
remind; a unit of another college answers 404; acknowledging twice keeps the first time."""
from tests.support.infra import wait_until


def test_notices_refuse_bad_input_and_other_colleges(branch, api):
    other = api.new_tenant()
    path = f"/v1/org-units/{branch.branch}/notices"
    for body, field in (({"title": "", "body": "x"}, "title"), ({"title": "t"}, "body"),
                        ({"title": "t", "body": "x", "to": "all"}, "to")):
        response = branch.secretary.post(path, json=body)
        assert response.status_code == 400 and field in [d["field"] for d in response.json()["details"]], body
    assert branch.member("周敏").post(path, json={"title": "t", "body": "x"}).status_code == 403
    assert other.admin.post(path, json={"title": "t", "body": "x"}).status_code == 404
    assert branch.secretary.post(f"/v1/org-units/{other.branch['id']}/notices",
                                 json={"title": "t", "body": "x"}).status_code == 404
    assert branch.admin.ok("GET", f"/v1/members/{branch.people['周敏']}/notices") == []

    # To the group: only its member, who acknowledges once; the others are not recipients.
    notice = wait_until(lambda: (r := branch.secretary.post(f"/v1/org-units/{branch.group}/notices", json={
        "title": "小组通知", "body": "周三学习"})).status_code == 201 and r.json(), message="notify knows the group")
    assert [p["person_id"] for p in notice["not_acknowledged"]] == [branch.people["李华"]]
    first = branch.member("李华").ok("POST", f"/v1/notices/{notice['id']}/acknowledge")
    assert branch.member("李华").ok("POST", f"/v1/notices/{notice['id']}/acknowledge") == first
    refused = branch.member("周敏").post(f"/v1/notices/{notice['id']}/acknowledge")
    assert refused.status_code == 400 and refused.json()["details"][0]["field"] == "notice_id"
    assert branch.member("周敏").get(f"/v1/notices/{notice['id']}").status_code == 404
    assert branch.member("周敏").post(f"/v1/notices/{notice['id']}/remind").status_code == 403
    assert other.admin.get(f"/v1/notices/{notice['id']}").status_code == 404
    assert branch.secretary.ok("POST", f"/v1/notices/{notice['id']}/remind")["reminded"] == []
