"""Who may change what: another college's things answer 404, an officer acts only on the
branches they manage, members only read their own; bad input answers 400 naming the field and
writes nothing."""
import pytest
from sqlalchemy import text

from tests.dues.conftest import encoded, known_to_dues

PAYMENT = {"period": "2026-10", "amount_fen": 3_000, "paid_on": "2026-10-10"}
BASE = {"year": 2026, "category": "employed", "monthly_income_fen": 450_000}


@pytest.fixture
def college(api):
    college = api.new_tenant()
    admin, ours = college.admin, college.branch["id"]
    theirs = admin.ok("POST", "/v1/org-units", 201, json={"name": "学生党支部", "kind": "branch"})["id"]
    group = admin.ok("POST", "/v1/org-units", 201, json={"name": "第一党小组", "kind": "group", "parent_id": ours})["id"]
    secretary = college.add_member("孙丽")
    admin.ok("POST", f"/v1/members/{secretary['id']}/roles", 201, json={
        "role": "secretary", "org_unit_id": ours, "started_on": "2024-01-01"})
    token = admin.ok("POST", f"/v1/members/{secretary['id']}/tokens", 201, json={"roles": ["secretary"]})["token"]
    people = {"ours": college.add_member("周敏"), "in_group": college.add_member("王强", org_unit_id=group),
              "theirs": college.add_member("李华", org_unit_id=theirs),
              "masses": college.add_member("赵群", political_status="non_party")}
    known_to_dues(admin, secretary["id"], *(p["id"] for p in people.values()))
    return dict(admin=admin, officer=admin.as_(token), units={"ours": ours, "theirs": theirs, "group": group},
                people={k: v["id"] for k, v in people.items()}, setup=college)


def _rows(db_engine, tenant_id) -> dict:
    with db_engine.connect() as conn:
        return {table: conn.execute(text(f"SELECT count(*) FROM dues.{table} WHERE tenant_id = :t"),
                                    {"t": tenant_id}).scalar()
                for table in ("dues_bases", "reliefs", "assessments", "payments")}


def test_an_officer_acts_only_on_their_own_branch_and_its_groups(college, db_engine):
    officer, people, units = college["officer"], college["people"], college["units"]
    tenant_id = college["setup"].tenant["id"]
    for whom in ("theirs",):
        assert officer.post(f"/v1/members/{people[whom]}/dues-bases", json=BASE).status_code == 403
        assert officer.post("/v1/dues/payments", json={"member_id": people[whom], **PAYMENT}).status_code == 403
        assert officer.post(f"/v1/members/{people[whom]}/dues-reliefs", json={
            "kind": "exempt", "from_period": "2026-01", "to_period": "2026-12", "reason": "x",
            "approved_on": "2026-01-05"}).status_code == 403
    assert officer.post("/v1/dues/assessments", json={"org_unit_id": units["theirs"], "period": "2026-10"}).status_code == 403
    assert officer.post("/v1/dues/payments/import", json={
        "org_unit_id": units["theirs"], "source": "bank", "content_base64": encoded(b"x")}).status_code == 403
    assert officer.post("/v1/dues/rate-tables", json={"effective_from": "2027-01-01", "table": {}}).status_code == 403
    assert _rows(db_engine, tenant_id) == {"dues_bases": 0, "reliefs": 0, "assessments": 0, "payments": 0}

    for whom in ("ours", "in_group"):
        officer.ok("POST", f"/v1/members/{people[whom]}/dues-bases", 201, json=BASE)
        officer.ok("POST", "/v1/dues/payments", 201, json={"member_id": people[whom], **PAYMENT})
    assessed = officer.ok("POST", "/v1/dues/assessments", json={"org_unit_id": units["ours"], "period": "2026-10"})
    assert assessed["assessed"] == 2 and [m["name"] for m in assessed["missing_base"]] == ["孙丽"]
    group = officer.post("/v1/dues/assessments", json={"org_unit_id": units["group"], "period": "2026-10"})
    assert group.status_code == 400 and group.json()["details"][0]["field"] == "org_unit_id"

    theirs = college["admin"].ok("POST", "/v1/dues/payments", 201, json={"member_id": people["theirs"], **PAYMENT})
    assert officer.post(f"/v1/dues/payments/{theirs['id']}/correct", json={
        "amount_fen": 0, "reason": "x"}).status_code == 403

    # A member reads their own dues, and nobody else's; they record nothing.
    member = college["setup"].member_api(people["ours"])
    assert member.ok("GET", f"/v1/members/{people['ours']}/dues?year=2026")["totals"]["paid_fen"] == 3_000
    assert member.get(f"/v1/members/{people['in_group']}/dues?year=2026").status_code == 403
    assert member.post("/v1/dues/payments", json={"member_id": people["ours"], **PAYMENT}).status_code == 403
    assert member.get(f"/v1/org-units/{units['ours']}/dues-report?period=2026-10").status_code == 403


def test_another_colleges_dues_answer_as_if_they_did_not_exist(college, api):
    admin, people, units = college["admin"], college["people"], college["units"]
    payment = admin.ok("POST", "/v1/dues/payments", 201, json={"member_id": people["ours"], **PAYMENT})
    other = api.new_tenant().admin
    for method, path, body in (
            ("GET", f"/v1/members/{people['ours']}/dues-bases", None),
            ("GET", f"/v1/members/{people['ours']}/dues?year=2026", None),
            ("POST", f"/v1/members/{people['ours']}/dues-bases", BASE),
            ("POST", "/v1/dues/payments", {"member_id": people["ours"], **PAYMENT}),
            ("POST", f"/v1/dues/payments/{payment['id']}/correct", {"amount_fen": 0, "reason": "x"}),
            ("POST", "/v1/dues/assessments", {"org_unit_id": units["ours"], "period": "2026-10"}),
            ("GET", f"/v1/org-units/{units['ours']}/dues-report?period=2026", None),
            ("GET", f"/v1/org-units/{units['ours']}/dues-arrears?period=2026-10", None)):
        response = other.request(method, path, json=body)
        assert response.status_code == 404, f"{method} {path}: {response.status_code} {response.text}"
    assert other.ok("GET", "/v1/dues/report?period=2026")["totals"]["paid_fen"] == 0
    assert admin.ok("GET", f"/v1/members/{people['ours']}/dues?year=2026")["totals"]["paid_fen"] == 3_000


@pytest.mark.parametrize("path, body, field", [
    ("/v1/dues/payments", {"amount_fen": 30.5}, "amount_fen"),             # money is integer fen
    ("/v1/dues/payments", {"amount_fen": -100}, "amount_fen"),
    ("/v1/dues/payments", {"amount_fen": 0}, "amount_fen"),
    ("/v1/dues/payments", {"period": "2026-13"}, "period"),
    ("/v1/dues/payments", {"tip": 1}, "tip"),
    ("/v1/dues/payments", {"member": "masses"}, "member_id"),             # not a Party member
    ("bases", {"monthly_income_fen": -1}, "monthly_income_fen"),
    ("bases", {"monthly_income_fen": 10 ** 12}, "monthly_income_fen"),
    ("bases", {"monthly_income_fen": "4500"}, "monthly_income_fen"),
    ("/v1/dues/payments", {"paid_on": "2099-01-01"}, "paid_on"),
    ("bases", {"category": "student"}, "monthly_income_fen"),            # a flat category takes no income
    ("bases", {"effective_from": "2025-07"}, "effective_from"),
    ("bases", {"member": "masses"}, "member_id"),
])
def test_bad_input_answers_400_naming_the_field_and_writes_nothing(college, db_engine, path, body, field):
    admin, people = college["admin"], college["people"]
    body = dict(body)
    member = people[body.pop("member", "ours")]
    if path == "bases":
        response = admin.post(f"/v1/members/{member}/dues-bases", json={**BASE, **body})
    else:
        response = admin.post(path, json={"member_id": member, **PAYMENT, **body})
    assert response.status_code == 400, response.text
    assert field in [d["field"] for d in response.json()["details"]], response.text
    assert _rows(db_engine, college["setup"].tenant["id"]) == {"dues_bases": 0, "reliefs": 0, "assessments": 0,
                                                              "payments": 0}


def test_rates_are_data_with_effective_dates(college):
    admin = college["admin"]
    built_in = admin.ok("GET", "/v1/dues/rate-table?on=2026-10-01")
    assert (built_in["version"], built_in["effective_from"]) == (1, "2008-04-01")
    table = built_in["table"]
    raised = {**table, "flat_fen": 50}
    saved = admin.ok("POST", "/v1/dues/rate-tables", 201, json={"effective_from": "2027-01-01", "table": raised})
    assert saved["version"] == 2
    assert admin.ok("GET", "/v1/dues/rate-table?on=2026-12-31")["table"]["flat_fen"] == 20
    assert admin.ok("GET", "/v1/dues/rate-table?on=2027-01-01")["table"]["flat_fen"] == 50
    earlier = admin.post("/v1/dues/rate-tables", json={"effective_from": "2026-06-01", "table": raised})
    assert earlier.status_code == 409, earlier.text
    falling = {**table, "employed": [{"up_to_fen": 500_000, "rate_bp": 50}, {"up_to_fen": 300_000, "rate_bp": 100},
                                     {"up_to_fen": None, "rate_bp": 200}]}
    refused = admin.post("/v1/dues/rate-tables", json={"effective_from": "2028-01-01", "table": falling})
    assert refused.status_code == 400 and refused.json()["details"][0]["field"] == "table.employed", refused.text
