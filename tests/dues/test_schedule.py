"""The scheduled work (assessing the current month, checking the month just ended) run by two
replicas at once: each (tenant, branch, month) is done once, and running it again does nothing."""
import eventlet
from nameko.testing.services import entrypoint_hook
from sqlalchemy import text

from services.common import roster
from services.common.contracts import Period
from tests.dues.conftest import known_to_dues
from tests.support.infra import Api, free_port


def test_two_replicas_assess_each_branch_month_once(start_service, db_engine, dues_events):
    port = free_port()
    start_service("members", DB_POOL_SIZE=3)
    replicas = [start_service("dues", DB_POOL_SIZE=3) for _ in range(2)]
    start_service("gateway", HTTP_PORT=port)
    college = Api(f"http://127.0.0.1:{port}").new_tenant()
    admin, branch, tenant_id = college.admin, college.branch["id"], college.tenant["id"]
    people = [college.add_member(name) for name in ("李明", "王芳", "张伟")]
    known_to_dues(admin, *(p["id"] for p in people))
    # The month the schedule assesses is the tenant's current one (Asia/Shanghai by default).
    period = Period.of(roster.today_in(roster.DEFAULT_TIMEZONE))
    for person, income in zip(people, (300_000, 300_001, 1_000_001)):
        admin.ok("POST", f"/v1/members/{person['id']}/dues-bases", 201, json={
            "year": int(period[:4]), "effective_from": period, "category": "employed",
            "monthly_income_fen": income})

    def run(container):
        with entrypoint_hook(container, "run_schedule") as run_schedule:
            return run_schedule()

    first = [eventlet.spawn(run, replica) for replica in replicas]
    [thread.wait() for thread in first]
    again = run(replicas[0])
    assert again["assessed"] == 0

    with db_engine.connect() as conn:
        def count(sql):
            return conn.execute(text(sql), {"t": tenant_id, "b": branch, "p": period}).scalar()
        assert count("SELECT count(*) FROM dues.assessment_runs WHERE tenant_id = :t AND org_unit_id = :b") == 1
        assert count("SELECT sum(amount_fen) FROM dues.assessments WHERE tenant_id = :t AND period = :p") == \
            1_500 + 3_000 + 20_000
        assert count("SELECT count(*) FROM dues.arrears_checks WHERE tenant_id = :t AND org_unit_id = :b "
                     f"AND period = '{period.previous()}'") == 1
    assessed = dues_events.wait_for(tenant_id, "dues_assessed", 3)
    assert sorted(e["amount_fen"] for e in assessed) == [1_500, 3_000, 20_000]
    assert all(e["tenant_id"] == tenant_id and e["period"] == period for e in assessed)
