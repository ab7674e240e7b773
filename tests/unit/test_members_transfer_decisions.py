"""Transfers between colleges: where a letter may send a person, when it lapses, what is answered."""
from datetime import date

import pytest

from services.members.transfers import decisions
from services.members.transfers.decisions import TransferRefused

TODAY = date(2026, 11, 30)


def test_a_letter_goes_to_another_college_by_code_or_outside_by_name():
    assert decisions.check_issue("wind", "full", "solar", None, TODAY, TODAY) == "deployment"
    assert decisions.check_issue("wind", "probationary", None, "某大学党委", TODAY, TODAY) == "outside"


@pytest.mark.parametrize("status, code, name, issued, field", [
    ("full", "wind", None, TODAY, "destination_code"),          # the same college
    ("full", None, None, TODAY, "destination_code"),            # nowhere
    ("full", "solar", "某大学党委", TODAY, "destination_code"),  # both
    ("activist", "solar", None, TODAY, "member_id"),            # no Party membership yet
    ("full", "solar", None, date(2026, 12, 1), "issued_on"),
])
def test_bad_letters_are_refused_naming_the_field(status, code, name, issued, field):
    with pytest.raises(TransferRefused) as refused:
        decisions.check_issue("wind", status, code, name, issued, TODAY)
    assert refused.value.field == field and not refused.value.conflict


def test_only_a_pending_request_is_answered_and_only_once():
    decisions.check_answer("pending")
    with pytest.raises(TransferRefused) as twice:
        decisions.check_answer("accepted")
    assert twice.value.conflict and twice.value.field == "transfer_id"
    with pytest.raises(TransferRefused) as missing:
        decisions.check_answer(None)
    assert not missing.value.conflict


def test_a_letter_lapses_three_months_after_it_was_issued():
    assert decisions.expires_on(date(2026, 11, 30)) == date(2027, 2, 28)
    assert decisions.expires_on(date(2026, 1, 15)) == date(2026, 4, 15)
