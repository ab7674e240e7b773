"""What the gateway checks of the ids a request names, decided by field name: people and units are
resolved in the caller's college and, on a write, must be the caller or of a unit they manage."""
import uuid

import pytest

from services.common.errors import Forbidden, InvalidInput
from services.common.tenancy import Caller
from services.gateway.references import PERSON, UNIT, check_write_scope, named_references

BRANCH, OTHER_BRANCH = str(uuid.uuid4()), str(uuid.uuid4())
ME, COLLEAGUE, STRANGER = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
UNITS_OF = {BRANCH: BRANCH, OTHER_BRANCH: OTHER_BRANCH, ME: BRANCH, COLLEAGUE: BRANCH, STRANGER: OTHER_BRANCH}


def caller(*roles, units=()) -> Caller:
    c = Caller({})
    c.bind(tenant_id=uuid.uuid4(), caller_id=ME, roles=roles, managed_units=units)
    return c


def test_path_query_and_body_fields_are_named_in_order_with_list_items_indexed():
    need, activity = str(uuid.uuid4()), str(uuid.uuid4())
    found = named_references({"need_id": need}, {"org_unit_id": BRANCH},
                             {"member_ids": [ME, COLLEAGUE], "to_org_unit_id": OTHER_BRANCH,
                              "activity_id": activity, "title": "x", "assignee_id": None})
    assert found == [("need_id", "need_id", need), (UNIT, "org_unit_id", BRANCH),
                     (PERSON, "member_ids.0", ME), (PERSON, "member_ids.1", COLLEAGUE),
                     (UNIT, "to_org_unit_id", OTHER_BRANCH), ("activity_id", "activity_id", activity)]


def test_a_malformed_id_answers_400_naming_the_field_and_a_non_text_value_is_left_to_the_service():
    with pytest.raises(InvalidInput) as refused:
        named_references({}, {}, {"follower_id": "not-a-uuid"})
    assert refused.value.details == [{"field": "follower_id", "reason": "must be a UUID"}]
    assert named_references({}, {}, {"member_id": 7}) == []


def test_an_officer_writes_only_about_their_own_units_and_people_but_always_about_themself():
    secretary = caller("secretary", units=[BRANCH])
    check_write_scope(secretary, [(PERSON, "member_id", COLLEAGUE), (UNIT, "org_unit_id", BRANCH)], UNITS_OF)
    # A transfer out of their branch into another: the destination is refused, naming its field.
    with pytest.raises(Forbidden) as refused:
        check_write_scope(secretary, [(PERSON, "member_id", COLLEAGUE), (UNIT, "to_org_unit_id", OTHER_BRANCH)],
                          UNITS_OF)
    assert refused.value.details[0]["field"] == "to_org_unit_id"
    with pytest.raises(Forbidden):
        check_write_scope(secretary, [(PERSON, "follower_id", STRANGER)], UNITS_OF)
    officer_elsewhere = caller("secretary", units=[OTHER_BRANCH])
    check_write_scope(officer_elsewhere, [(PERSON, "member_id", ME)], UNITS_OF)


def test_a_member_names_only_themself_and_an_admin_anyone_of_the_college():
    member = caller("member")
    check_write_scope(member, [(PERSON, "member_id", ME)], UNITS_OF)
    with pytest.raises(Forbidden, match="own records"):
        check_write_scope(member, [(PERSON, "member_id", COLLEAGUE)], UNITS_OF)
    with pytest.raises(Forbidden):
        check_write_scope(member, [(UNIT, "org_unit_id", BRANCH)], UNITS_OF)
    check_write_scope(caller("tenant_admin"), [(PERSON, "member_id", STRANGER), (UNIT, "org_unit_id", OTHER_BRANCH)],
                      UNITS_OF)


def test_things_are_left_to_their_owner_to_decide():
    # A member confirms a need they raised in another branch's pairing: the need is not scoped here.
    check_write_scope(caller("member"), [("need_id", "need_id", str(uuid.uuid4()))], UNITS_OF)
