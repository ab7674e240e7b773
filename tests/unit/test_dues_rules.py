"""Dues decisions, without servers: the national rates of 2008 to the fen at every band edge,
money parsing, reliefs, arrears levels, and the checks of payroll and statement rows."""
import io
from collections import namedtuple
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pydantic import ValidationError

from services.dues import arrears, files, payments, rates
from services.dues.bases import check_payroll_row
from services.dues.payments import check_statement_row, match_payer

T = rates.NATIONAL_2008


@pytest.mark.parametrize("income_fen, expected_fen, rate_bp", [
    (0, 0, 50),
    (100, 1, 50),                  # 1.00 yuan x 0.5 % = 0.005 -> 0.01 (halves up)
    (99, 0, 50),                   # 0.99 x 0.5 % = 0.00495 -> 0.00
    (300_000, 1_500, 50),          # 3,000.00: the band's upper bound is in the band
    (300_001, 3_000, 100),         # 3,000.01 x 1 % = 30.0001 -> 30.00: the whole amount at 1 %
    (500_000, 5_000, 100),         # 5,000.00
    (500_001, 7_500, 150),         # 5,000.01 x 1.5 % = 75.00015 -> 75.00
    (1_000_000, 15_000, 150),      # 10,000.00
    (1_000_001, 20_000, 200),      # 10,000.01 x 2 % = 200.0002 -> 200.00
    (456_789, 4_568, 100),         # 4,567.89 x 1 % = 45.6789 -> 45.68
    (333_350, 3_334, 100),         # 3,333.50 x 1 % = 33.335 -> 33.34 (a half rounds up)
])
def test_employed_members_pay_their_band_on_the_whole_income_to_the_fen(income_fen, expected_fen, rate_bp):
    price = rates.monthly_dues(T, "employed", income_fen)
    assert (price.amount_fen, price.rate_bp) == (expected_fen, rate_bp)


@pytest.mark.parametrize("income_fen, expected_fen", [
    (300_000, 1_500), (500_000, 2_500), (500_001, 5_000), (800_000, 8_000),
])
def test_retired_members_pay_half_a_percent_up_to_5000_and_one_percent_above(income_fen, expected_fen):
    assert rates.monthly_dues(T, "retired", income_fen).amount_fen == expected_fen


@pytest.mark.parametrize("category", ["student", "unemployed", "subsistence"])
def test_students_the_unemployed_and_those_on_subsistence_pay_20_fen(category):
    price = rates.monthly_dues(T, category, None)
    assert (price.amount_fen, price.rate_bp) == (20, None)


def test_an_income_category_without_an_income_or_with_a_negative_one_is_refused():
    with pytest.raises(ValueError):
        rates.monthly_dues(T, "employed", None)
    with pytest.raises(ValueError):
        rates.monthly_dues(T, "retired", -1)


def test_reliefs_exempt_reduce_never_above_the_standard_and_deferral_still_owes():
    standard = rates.monthly_dues(T, "employed", 600_000)  # 90.00
    assert rates.apply_relief(standard, "exempt").amount_fen == 0
    assert rates.apply_relief(standard, "reduced", 2_000).amount_fen == 2_000
    assert rates.apply_relief(standard, "reduced", 50_000).amount_fen == 9_000
    assert rates.apply_relief(standard, "deferred").amount_fen == 9_000


def test_a_rate_table_must_rise_and_end_with_an_open_band():
    body = T.model_dump()
    assert rates.RateTable.model_validate(body) == T
    closed = {**body, "retired": [{"up_to_fen": 500_000, "rate_bp": 50}]}
    with pytest.raises(ValidationError, match="last band"):
        rates.RateTable.model_validate(closed)
    falling = {**body, "employed": [{"up_to_fen": 500_000, "rate_bp": 50}, {"up_to_fen": 300_000, "rate_bp": 100},
                                    {"rate_bp": 200}]}
    with pytest.raises(ValidationError, match="rise"):
        rates.RateTable.model_validate(falling)
    with pytest.raises(ValidationError):
        rates.RateTable.model_validate({**body, "flat_fen": 0.2})  # money is never a float


@pytest.mark.parametrize("text, fen", [
    ("3000.01", 300_001), ("3,000.00", 300_000), ("3000", 300_000), ("¥45.6", 4_560), (3000.01, 300_001),
    (10000.01, 1_000_001), (0.1 + 0.2, None), ("30.001", None), ("abc", None), ("", None), ("NaN", None),
])
def test_yuan_amounts_become_exact_fen_or_are_refused(text, fen):
    if fen is None:
        with pytest.raises(ValueError):
            rates.parse_yuan(text)
    else:
        assert rates.parse_yuan(text) == fen


def test_fen_print_as_yuan():
    assert [rates.yuan(f) for f in (0, 5, 300_001, -150)] == ["0.00", "0.05", "3000.01", "-1.50"]


def test_a_months_standing_splits_what_is_beyond_the_due_as_voluntary_extra():
    assert payments.standing(3_000, 1_000) == {"due_fen": 3_000, "paid_fen": 1_000, "outstanding_fen": 2_000,
                                               "extra_fen": 0, "advance_fen": 0}
    assert payments.standing(3_000, 5_000)["extra_fen"] == 2_000
    assert payments.standing(None, 5_000) == {"due_fen": None, "paid_fen": 5_000, "outstanding_fen": 0,
                                              "extra_fen": 0, "advance_fen": 5_000}


def _months(spec: str, start=(2026, 1)):
    """One letter a month from `start`: p paid, u unpaid, h half paid, d deferred, x not assessed."""
    found, (year, month) = [], start
    for letter in spec:
        period = f"{year:04d}-{month:02d}"
        if letter != "x":
            paid = {"p": 1000, "u": 0, "h": 500, "d": 0}[letter]
            found.append(arrears.Month(period, 1000, paid, deferred=letter == "d"))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


@pytest.mark.parametrize("spec, upto, months, level", [
    ("pppp", "2026-04", 0, None),
    ("pppu", "2026-04", 1, "member"),
    ("puuh", "2026-04", 3, "secretary"),          # a partial month still owes
    ("uuuuuu", "2026-06", 6, "branch_review"),
    ("uuudu", "2026-05", 1, "member"),            # a deferral is an approved reason: the run stops there
    ("uuuxu", "2026-05", 1, "member"),            # a month not assessed owes nothing
    ("uuuuuuu", "2026-05", 5, "secretary"),       # counted back from the month checked
])
def test_consecutive_months_in_arrears_decide_who_is_told(spec, upto, months, level):
    found = arrears.consecutive_arrears(_months(spec), upto)
    assert (found.months, found.level) == (months, level)
    assert found.outstanding_fen == sum(1000 - m.paid_fen for m in _months(spec) if m.period in found.periods)


def test_arrears_run_across_the_year_end():
    found = arrears.consecutive_arrears(_months("uuuuuu", start=(2025, 10)), "2026-03")
    assert found.periods == ("2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03")


@pytest.mark.parametrize("raw, problems", [
    ({"external_no": "T1", "name": "李明", "year": 2026, "category": "在职", "income": 6123.45}, []),
    ({"external_no": "T1", "name": "李明", "year": "2026", "category": "学生", "income": None}, []),
    ({"external_no": "T1", "name": "李明", "year": 2026, "category": "在职", "income": -1}, ["income"]),
    ({"external_no": "T1", "name": "李明", "year": 2026, "category": "在职", "income": 12_000_000}, ["income"]),
    ({"external_no": "T1", "name": "李明", "year": 2026, "category": "在职", "income": "3千"}, ["income"]),
    ({"external_no": "T1", "name": "李明", "year": 2026, "category": "在职", "income": None}, ["income"]),
    ({"external_no": "T1", "name": "李明", "year": 2026, "category": "学生", "income": 100}, ["income"]),
    ({"external_no": None, "name": "李明", "year": 1999, "category": "军人", "income": 1}, ["external_no", "category",
                                                                                         "year"]),
    ({"external_no": "T1", "name": "李明", "year": 2026, "category": "在职", "income": 1, "effective_from": "2025-07"},
     ["effective_from"]),
])
def test_payroll_rows_are_checked_field_by_field(raw, problems):
    values, found = check_payroll_row(raw)
    assert sorted(f for f, _ in found) == sorted(problems)
    assert (values is None) == bool(problems)


def test_a_payroll_income_from_a_spreadsheet_number_is_exact():
    values, _ = check_payroll_row({"external_no": "T1", "name": "李明", "year": 2026, "category": "在职",
                                   "income": 3000.01, "effective_from": "2026年7月"})
    assert (values["monthly_income_fen"], values["effective_from"]) == (300_001, "2026-07")


def test_statement_rows_take_their_month_from_the_column_the_note_or_the_date():
    base = {"paid_at": "2026-10-08 09:31:00", "external_ref": "W1", "payer": "李明", "amount": "30.00"}
    assert check_statement_row(base)[0]["period"] == "2026-10"
    assert check_statement_row({**base, "note": "补交2026年7月党费"})[0]["period"] == "2026-07"
    assert check_statement_row({**base, "note": "2026-07", "period": "2026-08"})[0]["period"] == "2026-08"
    _, problems = check_statement_row({**base, "amount": "-5", "paid_at": "2026-13-01"})
    assert sorted(f for f, _ in problems) == ["amount", "paid_at"]


Member = namedtuple("Member", "member_id name")


def test_a_payer_is_matched_by_number_then_by_a_name_only_one_member_has():
    li, wang1, wang2 = Member(1, "李明"), Member(2, "王芳"), Member(3, "王芳")
    by_number, by_name = {"T1": li, "T2": wang1}, {"李明": [li], "王芳": [wang1, wang2]}
    row = {"external_no": None, "payer": "李明"}
    assert match_payer(row, by_number, by_name) == (li, None)
    member, why = match_payer({**row, "payer": "王芳"}, by_number, by_name)
    assert member is None and "matches 2 members" in why
    assert match_payer({"external_no": "T2", "payer": "王芳"}, by_number, by_name) == (wang1, None)
    assert match_payer({"external_no": "T2", "payer": "李明"}, by_number, by_name)[0] is None
    assert match_payer({**row, "payer": "赵六"}, by_number, by_name)[0] is None


def test_report_text_that_looks_like_a_formula_is_written_as_text_and_amounts_exactly():
    hostile = ["=HYPERLINK(\"http://x\")", "+1+1", "-2", "@SUM(A1)", "李明"]
    content = files.write_xlsx([("t", ["姓名", "金额"], [[name, Decimal("3000.01")] for name in hostile])])
    sheet = load_workbook(io.BytesIO(content)).active
    cells = [(row[0], row[1]) for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c, _ in cells] == hostile
    assert all(c.data_type == "s" for c, _ in cells)
    assert all(c.quotePrefix for c, _ in cells[:4]) and not cells[4][0].quotePrefix
    assert all(a.value == 3000.01 and a.number_format == "0.00" for _, a in cells)


def test_a_base_or_relief_that_contradicts_itself_names_the_field():
    from services.common.errors import InvalidInput
    from services.common.validation import validate
    from services.common.contracts.api.dues import BaseCreate, ReliefCreate

    cases = [
        (BaseCreate, {"year": 2026, "category": "employed"}, "monthly_income_fen"),
        (BaseCreate, {"year": 2026, "category": "retired", "monthly_income_fen": 1, "effective_from": "2027-01"},
         "effective_from"),
        (ReliefCreate, {"kind": "reduced", "from_period": "2026-01", "to_period": "2026-03", "reason": "r",
                        "approved_on": "2026-01-01"}, "reduced_to_fen"),
        (ReliefCreate, {"kind": "exempt", "from_period": "2026-05", "to_period": "2026-03", "reason": "r",
                        "approved_on": "2026-01-01"}, "to_period"),
    ]
    for model, payload, field in cases:
        with pytest.raises(InvalidInput) as raised:
            validate(model, payload)
        assert [d["field"] for d in raised.value.details] == [field], payload
