"""The golden path across separate service processes, driven only through the gateway's HTTP API."""
import signal

from tests.support.infra import PLATFORM_TOKEN, Api, wait_until


def test_golden_path_across_processes(system):
    api = Api(system.gateway_url)
    college = api.new_tenant()
    member = college.add_member("赵磊", external_no="T2026001")
    me = college.member_api(member["id"])
    me.ok("POST", "/v1/activities", 201, json={
        "member_id": member["id"], "kind": "volunteer_service", "occurred_on": "2026-11-14", "quantity": 3,
        "details": {"partner": "湘潭市社会福利院"},
    })
    inbox = wait_until(lambda: me.ok("GET", f"/v1/members/{member['id']}/inbox")["items"], message="the notice")
    assert inbox[0]["title"] == "积分变动：+3 分"
    assert me.ok("GET", f"/v1/members/{member['id']}/points")["total"] == 3

    # A member's token reaches only that member; another college's admin does not see them at all.
    other = college.add_member("钱静")
    assert me.get(f"/v1/members/{other['id']}/points").status_code == 403
    stranger = api.new_tenant()
    response = stranger.admin.get(f"/v1/members/{member['id']}/points")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_points_down_then_back_processes_what_was_logged_meanwhile(system):
    api = Api(system.gateway_url)
    college = api.new_tenant()
    member = college.add_member()
    system.stop("points", sig=signal.SIGKILL)  # no graceful shutdown: as if the process died
    college.admin.ok("POST", "/v1/activities", 201, json={
        "member_id": member["id"], "kind": "theory_reading", "occurred_on": "2026-11-03", "details": {"title": "党章"}})
    # The log is accepted and visible while points is down.
    assert [a["kind"] for a in college.admin.ok("GET", f"/v1/members/{member['id']}/activities")] == [
        "theory_reading"]
    # Asking points itself answers 503 after the RPC deadline instead of hanging.
    down = college.admin.get(f"/v1/members/{member['id']}/points")
    assert down.status_code == 503, down.text
    assert down.json()["error"] == "service_unavailable" and "points" in down.json()["message"]
    assert down.headers["Retry-After"] == "5"
    system.start("points")
    system.wait_ready(["points"])
    wait_until(lambda: college.admin.ok("GET", f"/v1/members/{member['id']}/points")["total"] == 2,
               message="points accrued after the restart")


def test_bad_input_is_refused_with_the_field_and_nothing_is_written(system):
    api = Api(system.gateway_url)
    college = api.new_tenant()
    member = college.add_member()
    cases = [
        ({"member_id": member["id"], "kind": "no_such_kind", "occurred_on": "2026-11-03"}, "kind"),
        ({"member_id": member["id"], "kind": "theory_reading", "occurred_on": "2026-11-03", "details": {}},
         "details.title"),
        ({"member_id": member["id"], "kind": "theory_reading", "occurred_on": "2099-01-01",
          "details": {"title": "x"}}, "occurred_on"),
        ({"member_id": "nope", "kind": "theory_reading", "occurred_on": "2026-11-03"}, "member_id"),
        ({"member_id": member["id"], "kind": "volunteer_service", "occurred_on": "2026-11-03", "quantity": 99,
          "details": {"partner": "x"}}, "quantity"),
    ]
    for body, field in cases:
        response = college.admin.post("/v1/activities", json=body)
        assert response.status_code == 400, (field, response.text)
        assert field in [d["field"] for d in response.json()["details"]], response.json()
    response = college.admin.post("/v1/activities", data="{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["details"][0]["field"] == "body"
    assert api.post("/v1/activities", json={}).status_code == 401
    assert college.admin.ok("GET", f"/v1/members/{member['id']}/activities") == []
