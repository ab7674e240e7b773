"""The route table and the OpenAPI document: every route has an entry, and what it declares is
what the document says. (That real answers match the document is checked on every answer the
route tests receive: tests/support/contract.py.)"""
from __future__ import annotations

import inspect
import re

from jsonschema import Draft202012Validator
from nameko.web.handlers import HttpRequestHandler

from services.common.contracts.api.answers import OpenObject
from services.common.validation import PAGE_LIMIT_MAX, PAGE_OFFSET_MAX
from services.gateway.openapi import document
from services.gateway.routes import table
from services.gateway.service import GatewayService
from services.gateway.spec import SPREADSHEET
from tests.support.contract import disagreement

# HTTP entrypoints that are not operations of the API: the load balancer's probe and the page
# that reads the document.
NOT_OPERATIONS = {("GET", "/health"), ("GET", "/docs"), ("GET", "/docs/assets/<name>")}

# Answers documented as an open object, not modelled field by field: the document itself, whose
# schema is OpenAPI's; and the answers not modelled yet (each is a JSON object or a list of them).
OPEN_BY_NATURE = {"openapi_document"}
NOT_MODELLED_YET = {
    "import_roster",
    "activity_kinds", "add_activity_kind", "member_four_duties", "branch_four_duties", "schedule_activity_days",
    "list_activity_days", "move_activity_day", "record_attendance",
    "send_notice",
    "rule_set", "save_rule_set", "close_month", "leaderboard",
    "unit_leaderboard", "assessment", "monthly_report",
    "dues_rate_table", "save_dues_rate_table", "import_dues_bases",
    "record_dues_relief", "assess_dues", "record_dues_payment", "correct_dues_payment", "import_dues_statement",
    "member_dues", "dues_arrears", "check_dues_arrears", "dues_report", "tenant_dues_report",
    "activity_days_missing", "audit_log",
    "development_steps", "development_record", "followed_development", "record_development_step",
    "backfill_development", "branch_development", "run_development_scan",
    "plan_meeting", "get_meeting", "list_meetings", "check_in", "record_meeting_attendance", "ask_leave",
    "decide_leave", "write_minutes", "close_meeting", "meeting_norms", "save_meeting_norms", "org_life_compliance",
    "publish_notice", "notice_receipts", "acknowledge_notice", "remind_notice", "member_notices",
    "start_provider_sign_in", "accept_invitation", "invite", "reset_password", "revoke_sign_ins",
    "me", "my_sessions", "configure_sign_in_provider",
    "issue_inter_tenant_transfer", "outgoing_transfers", "incoming_transfers", "accept_inter_tenant_transfer",
    "refuse_inter_tenant_transfer", "run_transfer_scan",
}


def _http_entrypoints() -> set[tuple[str, str]]:
    found = set()
    for _, function in inspect.getmembers(GatewayService, inspect.isfunction):
        for entrypoint in getattr(function, "nameko_entrypoints", ()):
            if isinstance(entrypoint, HttpRequestHandler):
                found.add((entrypoint.method, entrypoint.url))
    return found


def test_every_http_entrypoint_is_in_the_route_table():
    routes = {(spec.method, spec.url) for spec in table()}
    assert _http_entrypoints() - NOT_OPERATIONS == routes
    assert len(routes) == len(table()), "two routes with one method and path"


def test_every_route_has_its_operation_in_the_document():
    paths = document()["paths"]
    for spec in table():
        operation = paths.get(spec.path, {}).get(spec.method.lower())
        assert operation is not None, f"{spec.method} {spec.path} has no entry"
        assert operation["operationId"] == spec.name
        assert str(spec.status) in operation["responses"]
        documented = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
        assert documented == set(spec.path_params) == set(re.findall(r"\{([a-z_]+)\}", spec.path))
        assert ("requestBody" in operation) == (spec.body is not None), spec.name
        assert operation["security"] == ([{"bearer": []}, {"session": []}] if spec.authenticated else [])
    assert sum(len(operations) for operations in paths.values()) == len(table())


def test_the_table_says_what_each_route_is():
    by_name = {spec.name: spec for spec in table()}
    log = by_name["log_activity"]
    assert (log.method, log.path, log.auth, log.is_write) == ("POST", "/v1/activities", "bearer", True)
    assert log.body.__name__ == "ActivityCreate" and log.answers.__name__ == "Activity"
    document_route = by_name["openapi_document"]
    assert (document_route.auth, document_route.is_write) == (None, False)
    assert by_name["assessment_xlsx"].answers is SPREADSHEET
    assert {spec.area for spec in table()} == {"members", "activities", "points", "notify", "pairing", "dues", "docs",
                                               "meetings", "development", "transfers", "audit", "sign_in"}
    sign_in = by_name["sign_in"]
    assert (sign_in.auth, sign_in.body.__name__, sign_in.answers.__name__) == (None, "SignIn", "SignedIn")


def test_open_answers_are_only_the_listed_ones():
    open_answers = {spec.name for spec in table()
                    if spec.answers is OpenObject or getattr(spec.answers, "__args__", ()) == (OpenObject,)}
    assert open_answers == OPEN_BY_NATURE | NOT_MODELLED_YET


def test_every_schema_in_the_document_is_valid_json_schema():
    doc = document()
    assert doc["openapi"].startswith("3.1")
    for name, schema in doc["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)
    assert doc["components"]["securitySchemes"]["bearer"] == {**doc["components"]["securitySchemes"]["bearer"],
                                                             "type": "http", "scheme": "bearer"}
    assert doc["components"]["securitySchemes"]["session"] == {**doc["components"]["securitySchemes"]["session"],
                                                              "type": "apiKey", "in": "cookie", "name": "__Host-session"}


def test_writes_take_an_idempotency_key_and_every_route_documents_its_errors():
    for spec in table():
        operation = document()["paths"][spec.path][spec.method.lower()]
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert ("Idempotency-Key" in headers) == spec.is_write, spec.name
        errors = set(operation["responses"]) - {str(spec.status)}
        assert {"400", "503"} <= errors
        if spec.authenticated:
            assert {"401", "403", "404"} <= errors
        if spec.is_write:
            assert "409" in errors


def test_pages_are_documented_with_the_bounds_check_page_keeps():
    paged = [spec for spec in table() if {q.name for q in spec.query} >= {"limit", "offset"}]
    assert {spec.name for spec in paged} == {"list_members", "member_inbox", "notification_deliveries", "audit_log"}
    for spec in paged:
        query = {q.name: q.schema for q in spec.query}
        assert (query["limit"]["minimum"], query["limit"]["maximum"]) == (1, PAGE_LIMIT_MAX)
        assert (query["offset"]["minimum"], query["offset"]["maximum"]) == (0, PAGE_OFFSET_MAX)


def test_an_invalid_input_answer_names_the_field_as_documented():
    answer = {"error": "invalid_input", "message": "name: Field required",
              "details": [{"field": "name", "reason": "Field required"}]}
    assert disagreement("POST", "/v1/members", 400, "application/json", answer) is None
    assert "at details" in disagreement(
        "POST", "/v1/members", 400, "application/json", {**answer, "details": [{"reason": "Field required"}]})


def test_an_answer_with_a_field_nobody_documented_disagrees():
    org_unit = {"id": "8acf5d38-8c3f-4191-abc3-1601ed42b3f9", "kind": "branch", "name": "教工党支部",
                "parent_id": None, "closed_at": None}
    assert disagreement("POST", "/v1/org-units", 201, "application/json", org_unit) is None
    assert "secret" in disagreement("POST", "/v1/org-units", 201, "application/json", {**org_unit, "secret": 1})
    assert "500" in disagreement("POST", "/v1/org-units", 500, "application/json", {"error": "internal"})
    assert "no operation" in disagreement("GET", "/v1/nowhere", 200, "application/json", {})
