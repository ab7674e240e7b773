"""The caller's scope outside members: admins change anything of their tenant, officers only the
units the gateway bound for them, members only their own records."""
import uuid

import pytest

from services.common.errors import Forbidden
from services.common.tenancy import CALLER_KEY, MANAGED_UNITS_KEY, ROLES_KEY, Caller

BRANCH, GROUP, OTHER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
ME = uuid.uuid4()


def caller(*roles, units=None) -> Caller:
    c = Caller({})
    c.bind(tenant_id=uuid.uuid4(), caller_id=ME, roles=roles, managed_units=units or ())
    return c


def test_an_officer_manages_the_units_bound_for_them_and_no_other():
    secretary = caller("secretary", units=[BRANCH, GROUP])
    assert secretary.data[MANAGED_UNITS_KEY] == sorted([str(BRANCH), str(GROUP)])
    secretary.require_manages(GROUP)
    secretary.require_manages(str(BRANCH))
    with pytest.raises(Forbidden, match="own branch"):
        secretary.require_manages(OTHER)


def test_an_admin_is_bound_to_no_branch():
    admin = caller("tenant_admin")
    assert admin.managed_units is None
    admin.require_manages(OTHER)


def test_an_officer_without_appointments_and_a_member_manage_nothing_but_themselves():
    with pytest.raises(Forbidden, match="own branch"):
        caller("secretary").require_manages(BRANCH)
    member = caller("member", units=[BRANCH])  # a member's bound units give no officer powers
    with pytest.raises(Forbidden, match="officer"):
        member.require_manages(BRANCH)
    member.require_self_or_manages(ME, OTHER)
    with pytest.raises(Forbidden):
        member.require_self_or_manages(uuid.uuid4(), BRANCH)


def test_rebinding_for_another_caller_drops_the_previous_units():
    c = Caller({CALLER_KEY: str(ME), ROLES_KEY: ["secretary"], MANAGED_UNITS_KEY: [str(BRANCH)]})
    c.bind(tenant_id=uuid.uuid4(), caller_id=uuid.uuid4(), roles=["secretary"])
    with pytest.raises(Forbidden):
        c.require_manages(BRANCH)


def test_only_officers_and_admins_pass_the_officer_check():
    for roles in (("secretary",), ("group_leader",), ("tenant_admin",), ("platform_admin",)):
        caller(*roles).require_officer()
    for roles in (("member",), ()):
        with pytest.raises(Forbidden, match="branch officer or tenant_admin"):
            caller(*roles).require_officer()
