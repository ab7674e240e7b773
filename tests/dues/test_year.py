"""A year of dues for one branch, through the gateway: bases from the payroll file, twelve
months assessed, payments entered by hand and imported from a WeChat Pay statement (partial,
advance, beyond what is due, corrected), arrears, and reports that reconcile to the fen with
the payment record."""
import io

from openpyxl import load_workbook
from sqlalchemy import text

from tests.dues.conftest import encoded, known_to_dues, sample

PEOPLE = {  # key: (name, staff number, person category)
    "li": ("李明", "T001", "staff"), "wang": ("王芳", "T002", "staff"), "zhang": ("张伟", "T003", "staff"),
    "zhao": ("赵敏", "T004", "staff"), "chen": ("陈静", "T005", "student"), "liu": ("刘洋", "T006", "staff"),
    "zhou": ("周强", "T007", "staff"),
}
MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]
# Worked out by hand from tests/data/dues/payroll-2026.xlsx and the national rates of 2008.
MONTHLY_DUE = {
    "li": [1_500] * 12,                      # 3,000.00 x 0.5 %
    "wang": [3_000] * 12,                    # 3,000.01 x 1 % = 30.0001
    "zhang": [20_000] * 12,                  # 10,000.01 x 2 % = 200.0002
    "zhao": [1_000] * 12,                    # pension 5,000 x 0.5 % = 25.00, reduced by the branch to 10.00
    "chen": [20] * 12,                       # a student: 0.20 (deferred from July, still owed)
    "liu": [7_500] * 6 + [24_000] * 6,       # 5,000.01 x 1.5 %; from July 12,000 x 2 %
    "zhou": [4_568] * 12,                    # 4,567.89 x 1 % = 45.6789
}
PAID = {
    "li": [1_500] * 12,
    "wang": [3_000] * 10 + [5_000, 0],       # the statement: November 50.00, 20.00 of it voluntary extra
    "zhang": [20_000] * 12,                  # March first entered as 2,000.00, then corrected
    "zhao": [1_000] * 12,
    "chen": [20] * 6 + [0] * 6,
    "liu": [7_500] * 6 + [24_000] * 4 + [10_000, 0],
    "zhou": [0] * 12,
}


def _setup(api):
    college = api.new_tenant()
    admin, branch = college.admin, college.branch["id"]
    ids = {key: college.add_member(name, external_no=number, category=category)["id"]
           for key, (name, number, category) in PEOPLE.items()}
    known_to_dues(admin, *ids.values())
    return college, admin, branch, ids


def test_a_year_of_dues_reconciles_with_the_payment_record_to_the_fen(api, db_engine, dues_events):
    college, admin, branch, ids = _setup(api)
    tenant_id = college.tenant["id"]

    imported = admin.ok("POST", "/v1/dues/bases/import", json={
        "org_unit_id": branch, "content_base64": encoded(sample("payroll-2026.xlsx"))})
    assert (imported["status"], imported["written"], imported["errors"]) == ("imported", 8, [])
    liu_bases = admin.ok("GET", f"/v1/members/{ids['liu']}/dues-bases")
    assert [(b["effective_from"], b["monthly_income_fen"]) for b in liu_bases] == [("2026-01", 500_001),
                                                                                  ("2026-07", 1_200_000)]
    admin.ok("POST", f"/v1/members/{ids['zhao']}/dues-reliefs", 201, json={
        "kind": "reduced", "from_period": "2026-01", "to_period": "2026-12", "reduced_to_fen": 1_000,
        "reason": "支委会同意：大病医疗支出", "approved_on": "2025-12-20"})
    admin.ok("POST", f"/v1/members/{ids['chen']}/dues-reliefs", 201, json={
        "kind": "deferred", "from_period": "2026-07", "to_period": "2026-12", "reason": "出国交流，支委会同意缓交",
        "approved_on": "2026-06-25"})

    for period in MONTHS:
        run = admin.ok("POST", "/v1/dues/assessments", json={"org_unit_id": branch, "period": period})
        assert (run["assessed"], run["missing_base"]) == (7, []), run
    again = admin.ok("POST", "/v1/dues/assessments", json={"org_unit_id": branch, "period": "2026-03"})
    assert (again["assessed"], again["already_assessed"]) == (0, 7)
    assessed = dues_events.wait_for(tenant_id, "dues_assessed", 84)
    assert len(assessed) == 84
    by_member = {}
    for event in assessed:
        by_member.setdefault(event["member_id"], {})[event["period"]] = event["amount_fen"]
    assert {k: [by_member[ids[k]][p] for p in MONTHS] for k in ids} == MONTHLY_DUE

    # The WeChat Pay statement carries 王芳's payments, matched by staff number or by name.
    statement = admin.ok("POST", "/v1/dues/payments/import", json={
        "org_unit_id": branch, "source": "wechat", "content_base64": encoded(sample("statement-wechat-2026.csv"))})
    assert (statement["status"], statement["written"], statement["unmatched"], statement["errors"]) == \
        ("imported", 11, [], [])
    repeated = admin.ok("POST", "/v1/dues/payments/import", json={
        "org_unit_id": branch, "source": "wechat", "content_base64": encoded(sample("statement-wechat-2026.csv"))})
    assert (repeated["written"], repeated["already_recorded"]) == (0, 11)

    for key in ("li", "zhang", "zhao", "chen", "liu"):
        for period, amount in zip(MONTHS, PAID[key]):
            if amount and not (key == "zhang" and period == "2026-03"):
                # December is paid ahead, in November (a payment is never dated in the future).
                paid_on = f"{period}-10" if period < "2026-12" else "2026-11-25"
                admin.ok("POST", "/v1/dues/payments", 201, json={
                    "member_id": ids[key], "period": period, "amount_fen": amount, "paid_on": paid_on})
    typo = admin.ok("POST", "/v1/dues/payments", 201, json={
        "member_id": ids["zhang"], "period": "2026-03", "amount_fen": 200_000, "paid_on": "2026-03-10",
        "method": "bank"})
    assert typo["month"] == {"due_fen": 20_000, "paid_fen": 200_000, "outstanding_fen": 0, "extra_fen": 180_000,
                             "advance_fen": 0}
    fixed = admin.ok("POST", f"/v1/dues/payments/{typo['id']}/correct", 201,
                     json={"amount_fen": 20_000, "reason": "录入时多打一个零"})
    assert (fixed["kind"], fixed["amount_fen"], fixed["corrects"], fixed["month"]["paid_fen"]) == \
        ("correction", -180_000, typo["id"], 20_000)
    again = api.as_(admin.token).post(f"/v1/dues/payments/{typo['id']}/correct",
                                      json={"amount_fen": 20_000, "reason": "again"})
    assert again.status_code == 409, again.text
    advance = admin.ok("POST", "/v1/dues/payments", 201, json={
        "member_id": ids["li"], "period": "2027-01", "amount_fen": 1_500, "paid_on": "2026-11-20"})
    assert advance["month"]["advance_fen"] == 1_500

    # The member's own view of the year.
    wang = college.member_api(ids["wang"]).ok("GET", f"/v1/members/{ids['wang']}/dues?year=2026")
    assert wang["months"]["2026-11"] == {"due_fen": 3_000, "paid_fen": 5_000, "outstanding_fen": 0,
                                         "extra_fen": 2_000, "advance_fen": 0}
    assert wang["totals"]["paid_fen"] == 35_000 and len(wang["payments"]) == 11

    report = admin.ok("GET", f"/v1/org-units/{branch}/dues-report?period=2026")
    rows = {m["member_id"]: m for m in report["members"]}
    for key in ids:
        due, paid = sum(MONTHLY_DUE[key]), sum(PAID[key])
        row = rows[ids[key]]
        assert (row["due_fen"], row["paid_fen"]) == (due, paid), key
        assert row["outstanding_fen"] == sum(max(d - p, 0) for d, p in zip(MONTHLY_DUE[key], PAID[key])), key
    assert report["totals"] == {"due_fen": 550_056, "paid_fen": 456_120, "outstanding_fen": 95_936,
                                "extra_fen": 2_000, "advance_fen": 0}
    with db_engine.connect() as conn:
        recorded = conn.execute(text(
            "SELECT coalesce(sum(amount_fen), 0), count(*) FROM dues.payments "
            "WHERE tenant_id = :t AND period LIKE '2026-%'"), {"t": tenant_id}).one()
    assert (report["payments_total_fen"], report["reconciled"]) == (recorded[0], True)
    # wang 11 from the statement, li 12, zhang 11 + the typo + its correction, zhao 12, chen 6, liu 11
    assert recorded == (456_120, 11 + 12 + 13 + 12 + 6 + 11)
    paid_events = dues_events.wait_for(tenant_id, "dues_paid", recorded[1] + 1)
    assert sum(e["amount_fen"] for e in paid_events) == 456_120 + 1_500

    month = admin.ok("GET", f"/v1/org-units/{branch}/dues-report?period=2026-11")
    assert month["totals"] == {"due_fen": 1_500 + 3_000 + 20_000 + 1_000 + 20 + 24_000 + 4_568,
                               "paid_fen": 1_500 + 5_000 + 20_000 + 1_000 + 10_000, "outstanding_fen": 20 + 14_000 + 4_568,
                               "extra_fen": 2_000, "advance_fen": 0}
    tenant = admin.ok("GET", "/v1/dues/report?period=2026")
    assert [(b["org_unit_id"], b["members"], b["paid_fen"]) for b in tenant["branches"]] == [(branch, 7, 456_120)]
    assert tenant["reconciled"] and tenant["totals"] == report["totals"]

    sheet = api.as_(admin.token).get(f"/v1/org-units/{branch}/dues-report.xlsx?period=2026")
    assert sheet.status_code == 200, sheet.text
    book = load_workbook(io.BytesIO(sheet.content))
    summary = list(book.worksheets[0].iter_rows(values_only=True))
    assert summary[0][:2] == ("姓名", "人员类别") and summary[-1][0] == "合计"
    assert [round(v * 100) for v in summary[-1][4:9]] == [550_056, 456_120, 95_936, 2_000, 0]
    assert round(sum(r[5] for r in summary[1:-1]) * 100) == 456_120

    # Arrears at the end of October: only 周强 (ten months, nothing paid) reaches the branch;
    # 陈静's months from July are deferred with an approved reason.
    checked = admin.ok("POST", "/v1/dues/arrears-checks", json={"org_unit_id": branch, "period": "2026-10"})
    assert [(m["name"], m["months_unpaid"], m["outstanding_fen"], m["level"]) for m in checked["members"]] == \
        [("周强", 10, 45_680, "branch_review")]
    rerun = admin.ok("POST", "/v1/dues/arrears-checks", json={"org_unit_id": branch, "period": "2026-10"})
    assert rerun["already_checked"] is True
    overdue = dues_events.wait_for(tenant_id, "dues_overdue", 1)
    assert [(e["member_id"], e["level"], e["unpaid_periods"][0]) for e in overdue] == \
        [(ids["zhou"], "branch_review", "2026-01")]
    november = admin.ok("GET", f"/v1/org-units/{branch}/dues-arrears?period=2026-11")
    assert sorted((m["name"], m["months_unpaid"], m["level"]) for m in november["members"]) == \
        [("刘洋", 1, "member"), ("周强", 11, "branch_review")]
    assert [f["name"] for f in november["branch_review_flags"]] == ["周强"]
