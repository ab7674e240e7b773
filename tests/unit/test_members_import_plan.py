"""plan_import: valid rows and the stored roster in, the import's decisions and row errors out."""
import uuid
from datetime import date
from types import SimpleNamespace

from services.members.importing.parsing import ImportRow
from services.members.importing.plan import COMPARED, Change, Join, Roster, plan_import

BRANCH, GROUP, OTHER_BRANCH = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
COLUMNS = {"external_no": "工号/学号", "political_status": "政治面貌", "follower_no": "培养联系人"}


def row(no: str, status: str = "full", **fields) -> ImportRow:
    return ImportRow.model_validate({"external_no": no, "name": f"教师{no}", "category": "staff",
                                     "political_status": status, **fields})


def stored(import_row: ImportRow, unit=BRANCH, **overrides) -> SimpleNamespace:
    """A person as the roster holds them, equal to `import_row` unless overridden."""
    values = {f: getattr(import_row, f) for f in COMPARED} | {
        "id": uuid.uuid4(), "external_no": import_row.external_no, "org_unit_id": unit, "left_at": None,
        "status_since": None}
    return SimpleNamespace(**(values | overrides))


def roster(*people: SimpleNamespace, groups=None, follow_ups=()) -> Roster:
    return Roster(branch_id=BRANCH, people={p.external_no: p for p in people}, groups=groups or {"第一党小组": GROUP},
                  branch_units=frozenset({BRANCH, GROUP}), follow_ups=frozenset(follow_ups))


def numbered(*rows: ImportRow) -> list[tuple[int, ImportRow]]:
    return [(i + 2, r) for i, r in enumerate(rows)]


def test_new_numbers_join_and_an_identical_person_is_unchanged():
    same = row("T1")
    plan = plan_import(numbered(same, row("T2")), roster(stored(same)), COLUMNS)
    assert plan.errors == []
    assert [type(s) for s in plan.steps] == [Join]
    assert plan.steps[0].row.external_no == "T2"
    assert plan.unchanged == 1
    assert len(plan.accepted) == 2


def test_a_changed_person_lists_the_fields_that_differ():
    new = row("T1", phone="13800000000", status="full")
    old = stored(new, phone=None, political_status="probationary")
    plan = plan_import(numbered(new), roster(old), COLUMNS)
    assert plan.steps == [Change(old, new, ("phone", "political_status"), False)]


def test_a_stored_empty_introducer_list_equals_none_in_the_file():
    new = row("T1")
    plan = plan_import(numbered(new), roster(stored(new, introducers=None)), COLUMNS)
    assert plan.steps == [] and plan.unchanged == 1


def test_putting_a_person_in_a_group_is_a_move_and_an_unknown_group_is_created():
    in_known = row("T1", group="第一党小组")
    in_new = row("T2", group="第二党小组")
    people = (stored(in_known), stored(in_new, unit=GROUP))
    plan = plan_import(numbered(in_known, in_new), roster(*people), COLUMNS)
    assert [(s.row.external_no, s.moved, s.fields) for s in plan.steps] == [("T1", True, ()), ("T2", True, ())]
    assert plan.new_groups == ["第二党小组"]


def test_the_roster_refuses_rows_naming_the_column_of_the_file():
    gone = row("T1")
    elsewhere = row("T2")
    jumped = row("T3", status="full")
    people = (stored(gone, left_at=date(2025, 1, 1)),
              stored(elsewhere, unit=OTHER_BRANCH),
              stored(jumped, political_status="applicant"))
    plan = plan_import(numbered(gone, elsewhere, jumped), roster(*people), COLUMNS)
    assert plan.errors == [
        {"row": 2, "column": "工号/学号", "reason": "this person has left the roster; re-add them by hand"},
        {"row": 3, "column": "工号/学号",
         "reason": "this number belongs to a person of another branch; transfer them first"},
        {"row": 4, "column": "政治面貌", "reason": "illegal change applicant -> full"},
    ]
    assert plan.accepted == [] and plan.steps == []


def test_followers_must_be_party_members_known_to_the_file_or_the_roster():
    rows = numbered(row("F1", status="non_party"), row("A1", status="activist", follower_no="F1"),
                    row("A2", status="activist", follower_no="NOBODY"), row("P1", status="full", follower_no="F2"),
                    row("F2", status="probationary"))
    plan = plan_import(rows, roster(), COLUMNS)
    assert [(e["row"], e["column"], e["reason"]) for e in plan.errors] == [
        (3, "培养联系人", "the follower must be a Party member (probationary or full)"),
        (4, "培养联系人", "no person with this number in the file or the roster"),
        (5, "培养联系人", "only activists and candidates have a follow-up member"),
    ]


def test_a_follower_counts_with_the_status_the_same_file_gives_them():
    follower = row("F1", status="full")
    old = stored(follower, political_status="probationary")
    plan = plan_import(numbered(row("A1", status="activist", follower_no="F1"), follower), roster(old), COLUMNS)
    assert plan.errors == []
    assert plan.follow_ups == [("A1", "F1")] and plan.follow_ups_named


def test_an_existing_follow_up_link_is_not_added_again():
    activist, follower = row("A1", status="activist", follower_no="F1"), row("F1")
    a, f = stored(activist), stored(follower)
    plan = plan_import(numbered(activist, follower), roster(a, f, follow_ups={(a.id, f.id)}), COLUMNS)
    assert plan.follow_ups == [] and plan.follow_ups_named
    assert plan.unchanged == 2


def test_without_columns_errors_name_the_field():
    gone = row("T1")
    plan = plan_import(numbered(gone), roster(stored(gone, left_at=date(2025, 1, 1))))
    assert plan.errors[0]["column"] == "external_no"
