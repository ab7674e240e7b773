"""A branch with a group, its secretary, members with their own tokens, and another college."""
from dataclasses import dataclass, field

import pytest
from sqlalchemy import text

from tests.support.infra import Api, TenantSetup, wait_until


@dataclass
class Branch:
    college: TenantSetup
    admin: Api
    secretary: Api
    secretary_id: str
    branch: str
    group: str
    people: dict = field(default_factory=dict)   # name -> member id
    tokens: dict = field(default_factory=dict)   # name -> Api as that member

    def member(self, name: str) -> Api:
        if name not in self.tokens:
            self.tokens[name] = self.college.member_api(self.people[name])
        return self.tokens[name]


def known_to_activities(db_engine, tenant_id: str, count: int) -> None:
    """Meetings invite from activities' roster read model: wait until it has learnt everybody."""
    def learnt():
        with db_engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM activities.roster WHERE tenant_id = :t"),
                                {"t": tenant_id}).scalar_one() >= count
    wait_until(learnt, timeout=30, message=f"activities to learn {count} members")


def make_branch(api, db_engine, members_in_branch: list[str], members_in_group: list[str]) -> Branch:
    college = api.new_tenant()
    admin, branch = college.admin, college.branch["id"]
    group = admin.ok("POST", "/v1/org-units", 201, json={"name": "第一党小组", "kind": "group", "parent_id": branch})["id"]
    secretary = college.add_member("孙书记")
    admin.ok("POST", f"/v1/members/{secretary['id']}/roles", 201, json={
        "role": "secretary", "org_unit_id": branch, "started_on": "2024-01-01"})
    token = admin.ok("POST", f"/v1/members/{secretary['id']}/tokens", 201, json={"roles": ["secretary"]})["token"]
    people = {name: college.add_member(name)["id"] for name in members_in_branch}
    people.update({name: college.add_member(name, org_unit_id=group)["id"] for name in members_in_group})
    people["孙书记"] = secretary["id"]
    known_to_activities(db_engine, college.tenant["id"], len(people))
    return Branch(college, admin, admin.as_(token), secretary["id"], branch, group, people)


@pytest.fixture
def branch(api, db_engine) -> Branch:
    return make_branch(api, db_engine, ["周敏", "王强"], ["李华"])
