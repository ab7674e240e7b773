from pathlib import Path

import pytest

from services.common.errors import Conflict
from services.members import statuses
from services.members.importing import files, parsing

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "roster" / "branch_sample.csv"


@pytest.mark.parametrize("current,target", [
    ("non_party", "applicant"), ("applicant", "activist"), ("activist", "candidate"),
    ("candidate", "probationary"), ("probationary", "full"), ("probationary", "non_party")])
def test_legal_steps(current, target):
    statuses.check_transition(current, target)


@pytest.mark.parametrize("current,target", [
    ("non_party", "full"), ("applicant", "candidate"), ("full", "non_party"), ("activist", "applicant"),
    ("full", "full")])
def test_illegal_jumps_name_the_field(current, target):
    with pytest.raises(Conflict) as err:
        statuses.check_transition(current, target)
    assert err.value.details[0]["field"] == "to_status"


def test_sample_roster_rows_are_checked_one_by_one():
    headers, body = files.read_rows(SAMPLE.read_bytes(), "csv")
    good, errors = parsing.validate_rows(headers, body)
    assert len(good) == 13
    assert {(e["row"], e["column"]) for e in errors} >= {(14, "姓名"), (15, "性别"), (16, "出生日期"),
                                                        (17, "工号/学号"), (19, "手机")}
