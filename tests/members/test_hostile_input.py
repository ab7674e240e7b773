"""Input a hostile client sends answers 4xx naming the field, never 500; errors and logs echo only
a short prefix of it, escaped; the roster export keeps formula-like names as text; dates are
strict YYYY-MM-DD."""
import base64
import io
import json
import logging
from urllib.parse import quote

import pytest
from nameko.web.handlers import HttpRequestHandler
from openpyxl import load_workbook

from services.common import logs
from tests.support.infra import Api, free_port
from tests.support.spreadsheets import FORMULA_NAMES, assert_formula_names_are_text

MAX_REQUEST_BYTES = 1 << 20


@pytest.fixture
def gateway(start_service):
    """Every service, the gateway reading at most MAX_REQUEST_BYTES of a body."""
    for name in ("members", "activities", "points", "notify", "dues"):
        start_service(name)
    port = free_port()
    start_service("gateway", HTTP_PORT=port, MAX_REQUEST_BYTES=MAX_REQUEST_BYTES)
    return f"http://127.0.0.1:{port}"


def _refused(response, field: str, status: int = 400) -> None:
    assert response.status_code == status, response.text[:500]
    assert field in [d["field"] for d in response.json()["details"]], response.text[:500]


def _raw(api: Api, method: str, path: str, raw: str | bytes):
    return api.request(method, path, data=raw if isinstance(raw, bytes) else raw.encode(),
                       headers={"Content-Type": "application/json"})


def _member_json(college, name_json: str) -> str:
    return ('{"name": %s, "org_unit_id": "%s", "category": "staff", "political_status": "full"}'
            % (name_json, college.branch["id"]))


def test_hostile_bodies_arguments_and_files_answer_4xx_naming_the_field(api):
    college = api.new_tenant()
    admin = college.admin
    person = college.add_member("王芳")

    _refused(_raw(admin, "POST", "/v1/members", _member_json(college, "[" * 5000 + "]" * 5000)), "body")
    _refused(_raw(admin, "POST", "/v1/members", _member_json(college, "1" + "0" * 5000)), "name")
    _refused(_raw(admin, "POST", "/v1/activity-kinds", '{"key": "talks", "title_zh": "x", "dimension": "ability",'
                                                        ' "points_per_unit": 1' + "0" * 30 + "}"), "points_per_unit")
    _refused(_raw(admin, "POST", "/v1/members", _member_json(college, '"王\\u0000芳"')), "name")
    _refused(admin.request("PATCH", f"/v1/members/{person['id']}", json={"job_title": "x\x00"}), "job_title")
    _refused(admin.post(f"/v1/members/{person['id']}/status",
                        json={"to_status": "non_party", "effective_on": "2025-01-01", "note\x00": "x"}), "body")

    assert admin.get("/metrics").status_code == 404  # metrics are on the metrics port, off the edge
    for request_id in ("x" * 1000, "abc\x1b[2J"):  # repeated in every log line and answer
        echoed = admin.get("/v1/tenant", headers={"X-Request-ID": request_id}).headers["X-Request-ID"]
        assert echoed != request_id and len(echoed) == 32
    assert admin.get("/v1/tenant", headers={"X-Request-ID": "req-1.a"}).headers["X-Request-ID"] == "req-1.a"
    _refused(admin.get("/v1/members/%00"), "member_id")
    _refused(admin.get("/v1/members", params={"political_status": "full\x00"}), "political_status")
    _refused(admin.get("/v1/points/rule-set", params={"on": "\x00"}), "on")
    for offset in ("99999999999999999999", "9223372036854775808", str(10 ** 7)):
        _refused(admin.get("/v1/members", params={"offset": offset}), "offset")
    _refused(admin.get("/v1/members", params={"limit": "100000"}), "limit")
    _refused(admin.get(f"/v1/members/{person['id']}/inbox", params={"offset": "9" * 25}), "offset")
    _refused(admin.get("/v1/notification-deliveries", params={"offset": "-1"}), "offset")

    def import_csv(text: str):
        return admin.post("/v1/roster/import", json={"branch_id": college.branch["id"], "format": "csv",
                                                     "content_base64": base64.b64encode(text.encode()).decode()})

    header = "工号/学号,姓名,类别,政治面貌\n"
    _refused(import_csv(header + f"T1,\"{'长' * 200_000}\",教工,群众\n"), "content")
    report = import_csv(header + "T1,王\x00芳,教工,群众\n")
    assert report.status_code == 200, report.text
    assert [(e["row"], e["column"]) for e in report.json()["errors"]] == [(2, "姓名")]
    assert admin.ok("GET", "/v1/members")["total"] == 1  # nothing half-written

    too_big = json.dumps({"name": "x" * MAX_REQUEST_BYTES})
    _refused(_raw(admin, "POST", "/v1/members", too_big), "body", 413)
    streamed = admin.request("POST", "/v1/members", data=iter([too_big.encode()]),
                             headers={"Content-Type": "application/json"})  # chunked: no Content-Length
    assert 400 <= streamed.status_code < 500, streamed.text[:300]
    assert admin.ok("GET", "/v1/members")["total"] == 1


@pytest.fixture
def log_lines():
    """Every log record of the services in this process, formatted as a service writes it."""
    stream = io.StringIO()
    handler = logs.handler("test", "text", stream)
    records: list[logging.LogRecord] = []
    recorder = logging.Handler()
    recorder.emit = records.append
    root = logging.getLogger()
    previous = root.level
    root.setLevel(logging.INFO)
    root.addHandler(handler)
    root.addHandler(recorder)
    yield stream, records
    root.removeHandler(handler)
    root.removeHandler(recorder)
    root.setLevel(previous)


def test_errors_echo_a_short_prefix_escaped_and_domain_errors_log_one_info_line(api, log_lines):
    stream, records = log_lines
    college = api.new_tenant()
    forged = '\n2026-11-30 ERROR notify: forged line\x1b[2J'
    huge = forged + "x" * (MAX_REQUEST_BYTES // 2)
    response = college.admin.post("/v1/notices", json={"notice": huge, "cause": "c1", "org_unit_id": college.branch["id"]})
    _refused(response, "notice")
    assert len(response.content) < 2_000 and "more characters" in response.json()["message"]
    missing = college.admin.get("/v1/members/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404

    written = stream.getvalue()
    assert len(written) < 50_000, len(written)
    assert "\x1b" not in written and "\nforged" not in written and "forged line" in written
    worker_records = [r for r in records if r.name == "nameko.containers"]
    assert worker_records, "the services logged the refused calls"
    assert not [r for r in worker_records if r.levelno >= logging.ERROR], \
        [r.getMessage()[:200] for r in worker_records if r.levelno >= logging.ERROR]
    expected = [line for line in written.splitlines() if "(expected)" in line]
    assert expected and all(" INFO " in line for line in expected), expected[:3]
    assert "Traceback" not in written


def _cells(exported: dict) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(base64.b64decode(exported["content_base64"]))).worksheets[0]
    return [tuple(row) for row in sheet.iter_rows()]


def test_roster_export_writes_formula_like_names_as_text(api):
    college = api.new_tenant()
    for index, name in enumerate(FORMULA_NAMES):
        college.add_member(name, external_no=f"T{index}", job_title="=1+1")
    assert_formula_names_are_text(_cells(college.admin.ok("GET", f"/v1/org-units/{college.branch['id']}/roster.xlsx")))


def test_dates_are_strict_iso_days(api):
    college = api.new_tenant()
    person = college.add_member("陈静", political_status="applicant")
    path = f"/v1/members/{person['id']}/status"
    for day in (0, 20250301, "20250301", "2025-03-01T23:30:00-05:00", "2025-3-1"):
        _refused(college.admin.post(path, json={"to_status": "activist", "effective_on": day}), "effective_on")
    _refused(college.admin.post("/v1/members", json={
        "name": "x", "org_unit_id": college.branch["id"], "category": "staff", "political_status": "full",
        "birth_date": 0}), "birth_date")
    _refused(college.admin.get("/v1/points/rule-set", params={"on": "20261031"}), "on")
    assert college.admin.ok("POST", path, json={"to_status": "activist", "effective_on": "2025-03-01"})[
        "political_status"] == "activist"


HOSTILE_VALUES = [10 ** 30, 2 ** 63, -(10 ** 30), 1e308, "x" * 100_000, "a\x00b", "2026-10-31T20:00:00-05:00",
                  20261031, 0, [[[[[]]]]], {"a": {"b": "\x00"}}, "=1+1", "\u202e\n\x1b[2J"]
HOSTILE_QUERY = [("limit", "9" * 20), ("offset", "99999999999999999999"), ("offset", "-1"), ("period", "\x00"),
                 ("year", "1" * 19), ("on", "20261031"), ("dimension", "\x00"), ("status", "\x00")]


def _valid_writes(college, person_id: str, branch: str) -> list[tuple[str, str, dict]]:
    """One valid body for each kind of write, to set one field at a time to a hostile value."""
    return [
        ("POST", "/v1/members", {"name": "赵敏", "org_unit_id": branch, "category": "staff",
                                 "political_status": "full", "birth_date": "1980-01-01", "phone": "13800000000"}),
        ("PATCH", f"/v1/members/{person_id}", {"job_title": "讲师", "department": "系"}),
        ("POST", f"/v1/members/{person_id}/status", {"to_status": "full", "effective_on": "2025-01-01", "note": "x"}),
        ("POST", "/v1/org-units", {"name": "第二党小组", "kind": "group", "parent_id": branch}),
        ("POST", "/v1/activities", {"member_id": person_id, "kind": "volunteer_service", "occurred_on": "2026-10-03",
                                    "quantity": "2", "details": {"partner": "社区"}, "note": "n"}),
        ("POST", f"/v1/members/{person_id}/commitments", {"year": 2026, "content": "承诺"}),
        ("POST", "/v1/notices", {"notice": "activity_day_tomorrow", "cause": "c", "org_unit_id": branch,
                                 "fields": {"date": "2026-11-26"}}),
        ("PUT", f"/v1/org-units/{branch}/robots/wecom", {"webhook_url": "https://qyapi.weixin.qq.com/x?key=1"}),
        ("POST", "/v1/points/rule-sets", {"org_unit_id": branch, "effective_from": "2026-12-01",
                                          "layer": {"rules": {"theory_reading": {"points_per_unit": 3}}}}),
    ]


def test_no_route_answers_500_to_hostile_input(every_service_api):
    """Every field of a valid write set to each hostile value in turn, every route's path and
    query arguments made hostile: a 4xx or a success, never a 500 (the probe's classes, and
    ones it did not try)."""
    from services.gateway.service import GatewayService

    api = every_service_api  # every route is swept, dues's too
    college = api.new_tenant()
    person = college.add_member("王芳", political_status="probationary")
    branch = college.branch["id"]
    faults = []

    def probe(method: str, path: str, body=None, params=None) -> None:
        response = college.admin.request(method, path, json=body, params=params)
        if response.status_code >= 500:
            faults.append((method, path[:80], str(body or params)[:100], response.status_code))

    for method, path, valid in _valid_writes(college, person["id"], branch):
        for field in valid:
            for value in HOSTILE_VALUES:
                probe(method, path, {**valid, field: value})
    routes = sorted({(e.method, e.url) for cls in GatewayService.__mro__ for fn in vars(cls).values()
                     for e in getattr(fn, "nameko_entrypoints", ()) if isinstance(e, HttpRequestHandler)})
    assert len(routes) > 50
    for method, url in routes:
        params = [p.split(">")[0] for p in url.split("<")[1:]]
        for hostile_id in ("a\x00", "9" * 40):
            fake = url
            for param in params:
                fake = fake.replace(f"<{param}>", quote(hostile_id, safe=""))
            probe(method, fake, None if method == "GET" else {})
        if method == "GET":
            real = url
            for param in params:
                real = real.replace(f"<{param}>", branch if "unit" in param else person["id"])
            for name, value in HOSTILE_QUERY:
                probe(method, real, params={name: value})
    assert faults == [], faults[:10]
