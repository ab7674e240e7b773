"""Payroll and statement imports with bad rows: a per-row report naming the column as headed in
the file; all_or_nothing writes nothing, valid_rows writes the good rows only."""
import io

from openpyxl import Workbook
from sqlalchemy import text

from tests.dues.conftest import encoded, known_to_dues

HEADER = ["姓名", "工号", "年度", "人员类别", "月收入（元）"]


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in [HEADER, *rows]:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _count(db_engine, table: str, tenant_id: str) -> int:
    with db_engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM dues.{table} WHERE tenant_id = :t"), {"t": tenant_id}).scalar()


def test_a_payroll_file_with_bad_rows_is_reported_row_by_row(api, db_engine):
    college = api.new_tenant()
    admin, branch, tenant_id = college.admin, college.branch["id"], college.tenant["id"]
    good = college.add_member("李明", external_no="T001")
    masses = college.add_member("孙丽", external_no="T008", political_status="non_party")
    known_to_dues(admin, good["id"], masses["id"])
    rows = [
        ["李明", "T001", 2026, "在职", 3000.01],       # 2: good
        ["李明", "T001", 2026, "在职", -100],          # 3: negative
        ["李明", "T001", 2026, "在职", 30_000_000],    # 4: absurd (a yearly figure?)
        ["孙丽", "T008", 2026, "在职", 4000],          # 5: not a Party member
        ["王五", "T404", 2026, "在职", 4000],          # 6: nobody of the branch has this number
        ["李四", "T001", 2026, "在职", 4000],          # 7: the name does not match the number
        ["李明", "T001", 2026, "学生", 4000],          # 8: a student pays a flat amount
        ["李明", "T001", 2026, "在职", "3000.005"],    # 9: a fraction of a fen
    ]
    body = {"org_unit_id": branch, "content_base64": encoded(_xlsx(rows))}
    report = admin.ok("POST", "/v1/dues/bases/import", json=body)
    assert (report["status"], report["written"], report["valid"]) == ("rejected", 0, 1)
    assert [(e["row"], e["column"]) for e in report["errors"]] == [
        (3, "月收入（元）"), (4, "月收入（元）"), (5, "工号"), (6, "工号"), (7, "姓名"), (8, "月收入（元）"), (9, "月收入（元）")]
    assert "negative" in report["errors"][0]["reason"] and "Party member" in report["errors"][2]["reason"]
    assert _count(db_engine, "dues_bases", tenant_id) == 0

    partial = admin.ok("POST", "/v1/dues/bases/import", json={**body, "mode": "valid_rows"})
    assert (partial["status"], partial["written"], len(partial["errors"])) == ("imported", 1, 7)
    assert [b["monthly_income_fen"] for b in admin.ok("GET", f"/v1/members/{good['id']}/dues-bases")] == [300_001]

    missing = admin.post("/v1/dues/bases/import", json={**body, "content_base64": encoded(
        b"\xe5\xa7\x93\xe5\x90\x8d,\xe5\xb9\xb4\xe5\xba\xa6\n"), "format": "csv"})
    assert missing.status_code == 400 and "missing required columns" in missing.json()["message"]
    assert admin.post("/v1/dues/bases/import", json={**body, "content_base64": "not base64!"}).json()["details"] == [
        {"field": "content_base64", "reason": "not valid base64"}]


STATEMENT = "交易时间,交易单号,付款人,工号,金额（元）,备注\n"


def test_statement_rows_that_match_no_one_or_two_people_are_reported_and_not_written(api, db_engine):
    college = api.new_tenant()
    admin, branch, tenant_id = college.admin, college.branch["id"], college.tenant["id"]
    people = [college.add_member(name, external_no=no) for name, no in (("王芳", "T1"), ("王芳", "T2"), ("李明", "T3"))]
    known_to_dues(admin, *(p["id"] for p in people))
    rows = ("2026-10-05 09:00:00,B1,李明,,15.00,2026年10月党费\n"      # 2: good, by name
            "2026-10-05 09:01:00,B2,王芳,,30.00,\n"                    # 3: two members are called 王芳
            "2026-10-05 09:02:00,B3,王芳,T2,30.00,\n"                  # 4: good, by number
            "2026-10-05 09:03:00,B4,路人甲,,30.00,\n"                  # 5: no such member
            "2026-10-05,B5,李明,,-3.00,\n"                             # 6: a negative amount
            "2026-10-05,B5,李明,,3.00,\n")                             # 7: good (its number is free again)
    body = {"org_unit_id": branch, "source": "bank", "content_base64": encoded((STATEMENT + rows).encode())}
    report = admin.ok("POST", "/v1/dues/payments/import", json=body)
    assert (report["status"], report["written"], report["valid"]) == ("rejected", 0, 3)
    assert [(u["row"], u["payer"]) for u in report["unmatched"]] == [(3, "王芳"), (5, "路人甲")]
    assert "matches 2 members" in report["unmatched"][0]["reason"]
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(6, "金额（元）")]
    assert _count(db_engine, "payments", tenant_id) == 0

    partial = admin.ok("POST", "/v1/dues/payments/import", json={**body, "mode": "valid_rows"})
    assert (partial["written"], partial["total_fen"]) == (3, 1_500 + 3_000 + 300)
    again = admin.ok("POST", "/v1/dues/payments/import", json={**body, "mode": "valid_rows"})
    assert (again["written"], again["already_recorded"]) == (0, 3)
    assert _count(db_engine, "payments", tenant_id) == 3
    wang = admin.ok("GET", f"/v1/members/{people[1]['id']}/dues?year=2026")
    assert wang["months"]["2026-10"]["advance_fen"] == 3_000   # paid before the month was assessed
