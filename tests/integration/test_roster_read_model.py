"""A service's roster read model applies the members events to its own three tables."""
import uuid
from datetime import date

import pytest
from sqlalchemy import MetaData, create_engine, select, text
from sqlalchemy.orm import Session

from services.common import roster
from services.common.contracts.members import MemberJoined, MemberTransferred, OrgUnitChanged, TenantConfigured
from services.common.db import UnitOfWork


@pytest.fixture
def read_model(database_url):
    schema = f"roster_{uuid.uuid4().hex[:8]}"
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    metadata = MetaData(schema=schema)
    model = roster.RosterReadModel(roster.roster_table(metadata, "roster", f"ix_{schema}_unit"),
                                   roster.org_units_table(metadata), roster.tenants_table(metadata))
    metadata.create_all(engine)
    yield engine, model
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def test_each_members_event_reaches_the_table_it_changes(read_model):
    engine, model = read_model
    tenant, branch, group, member = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with Session(engine) as session, session.begin():
        uow = UnitOfWork(session, None, {})
        model.remember_tenant(uow, TenantConfigured(tenant_id=tenant, name="学院", timezone="Asia/Shanghai"))
        model.remember_org_unit(uow, OrgUnitChanged(tenant_id=tenant, org_unit_id=group, parent_id=branch,
                                                    kind="group", name="第一党小组", change="created"))
        model.remember_member(uow, MemberJoined(tenant_id=tenant, member_id=member, org_unit_id=branch,
                                                name="李明", category="staff", political_status="full"))
        model.follow_transfer(uow, MemberTransferred(tenant_id=tenant, member_id=member, from_org_unit_id=branch,
                                                     to_org_unit_id=group, effective_on=date(2026, 11, 2)))
    with engine.connect() as conn:
        assert conn.execute(select(model.members.c.org_unit_id, model.members.c.unit_since)).one() == (
            group, date(2026, 11, 2))
        assert conn.execute(select(model.org_units.c.parent_id)).scalar_one() == branch
        assert conn.execute(select(model.tenants.c.timezone)).scalar_one() == "Asia/Shanghai"
