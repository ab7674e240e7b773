"""The need's closed loop as a table: raised -> assigned -> resolved -> confirmed, with reassign and reopen."""
import pytest

from services.common.errors import Conflict
from services.members.pairing.need_states import ACTIONS, CLOSED, RAISED, WAITING, next_status

STATES = ("open", "assigned", "resolved", "confirmed")


@pytest.mark.parametrize("current,action,target", [
    ("open", "assign", "assigned"), ("assigned", "assign", "assigned"), ("assigned", "resolve", "resolved"),
    ("resolved", "confirm", "confirmed"), ("resolved", "reopen", "assigned")])
def test_legal_moves(current, action, target):
    assert next_status(current, action) == target


def test_the_loop_closes_from_raised_to_confirmed():
    status = RAISED
    for action in ("assign", "resolve", "confirm"):
        status = next_status(status, action)
    assert status == CLOSED


@pytest.mark.parametrize("current,action", [
    (current, action) for action, (allowed, _) in ACTIONS.items() for current in STATES if current not in allowed])
def test_every_other_move_is_a_conflict_naming_the_status(current, action):
    with pytest.raises(Conflict) as err:
        next_status(current, action)
    assert err.value.details == [{"field": "status", "reason": f"need is {current}"}]


def test_the_message_names_the_states_the_action_needs():
    with pytest.raises(Conflict) as err:
        next_status("confirmed", "assign")
    assert str(err.value) == "status: cannot assign a need that is confirmed (only when open or assigned)"


def test_a_confirmed_need_is_final_and_only_waiting_needs_escalate():
    assert all(CLOSED not in allowed for allowed, _ in ACTIONS.values())
    assert WAITING == ("open", "assigned")
