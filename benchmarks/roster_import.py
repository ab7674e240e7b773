"""Time a 10,000-person roster import end to end: file -> committed rows -> events published.

    .venv/bin/python benchmarks/roster_import.py [--people 10000]

Uses a scratch database and RabbitMQ vhost (removed afterwards), the real members service in
this process, the RPC import entry point, and the outbox relay. Prints figures; target < 30 s.
"""
from services.common import runtime

runtime.patch()

import argparse  # noqa: E402
import base64  # noqa: E402
import io  # noqa: E402
import csv  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402

import requests  # noqa: E402
from kombu import Connection, Queue  # noqa: E402
from nameko.containers import ServiceContainer  # noqa: E402
from nameko.events import get_event_exchange  # noqa: E402
from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from services.common import migrations  # noqa: E402
from services.common.settings import load  # noqa: E402
from services.launch import container_config  # noqa: E402
from services.members.importing import files  # noqa: E402
from services.members.service import MembersService  # noqa: E402

API, AUTH = "http://127.0.0.1:15672/api", ("guest", "guest")


def roster(n: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([h for h, _ in files.COLUMNS])
    statuses = ["正式党员"] * 6 + ["预备党员", "入党积极分子", "群众", "入党申请人"]
    for i in range(n):
        status = statuses[i % len(statuses)]
        row = {"external_no": f"T{100000 + i}", "name": f"教师{i}", "gender": "男" if i % 2 else "女",
               "ethnicity": "汉族", "birth_date": f"19{70 + i % 25}-0{1 + i % 9}-1{i % 9}", "category": "教工",
               "department": f"系{i % 12}", "job_title": "专任教师", "phone": f"138{i:08d}",
               "email": f"t{i}@example.edu.cn", "joined_work_on": "2010-07-01", "political_status": status,
               "joined_party_on": "2005-06-01" if status in ("正式党员", "预备党员") else None,
               "full_member_on": "2006-06-01" if status == "正式党员" else None,
               "group": f"第{1 + i % 40}党小组",
               "follower_no": f"T{100000 + i - 1}" if status == "入党积极分子" else None}
        writer.writerow([row.get(f) for _, f in files.COLUMNS])
    return out.getvalue().encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=10_000)
    args = parser.parse_args()
    suffix = uuid.uuid4().hex[:8]
    db, vhost = f"bench_roster_{suffix}", f"bench-roster-{suffix}"
    admin = create_engine("postgresql+psycopg2://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db}"'))
    requests.put(f"{API}/vhosts/{vhost}", auth=AUTH, timeout=10).raise_for_status()
    requests.put(f"{API}/permissions/{vhost}/guest", auth=AUTH, timeout=10,
                 json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()
    env = {"DATABASE_URL": f"postgresql+psycopg2://postgres@127.0.0.1:5432/{db}",
           "AMQP_URI": f"amqp://guest:guest@127.0.0.1:5672/{vhost}", "METRICS_PORT": "0",
           "LOG_FORMAT": "text", "OUTBOX_BATCH_SIZE": "1000", "LOG_LEVEL": "WARNING"}
    settings = load("members", env)
    container = None
    try:
        migrations.upgrade(settings)
        with Connection(settings.amqp_uri) as conn:  # a consumer of every members event
            channel = conn.channel()
            exchange = get_event_exchange("members", {})
            exchange.bind(channel).declare()
            Queue("bench-tap", exchange=exchange, routing_key="#").bind(channel).declare()
            channel.close()
        container = ServiceContainer(MembersService, container_config(settings))
        container.start()
        engine = create_engine(settings.database_url)
        tenant_id, branch_id = uuid.uuid4(), uuid.uuid4()
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO members.tenants (id, code, name) VALUES (:t, 'bench', '基准学院')"),
                         {"t": tenant_id})
            conn.execute(text("INSERT INTO members.org_units (id, tenant_id, kind, name) "
                              "VALUES (:b, :t, 'branch', '教工党支部')"), {"b": branch_id, "t": tenant_id})
        content = roster(args.people)
        print(f"roster: {args.people} people, {len(content) / 1e6:.1f} MB CSV")
        config = dict(settings.nameko_config)
        context = {"tenant_id": str(tenant_id), "roles": ["tenant_admin"]}
        start = time.perf_counter()
        with ClusterRpcProxy(config, context_data=context, timeout=120) as rpc:
            report = rpc.members.import_roster({"branch_id": str(branch_id), "format": "csv",
                                                "content_base64": base64.b64encode(content).decode()})
        committed = time.perf_counter()
        while True:
            with engine.connect() as conn:
                left = conn.execute(text("SELECT count(*) FROM members.outbox")).scalar()
            if left == 0:
                break
            time.sleep(0.05)
        published = time.perf_counter()
        # Confirmed is not yet counted: the management API's statistics refresh every few seconds.
        deadline, depth = time.monotonic() + 30, 0
        while depth < report["events"] and time.monotonic() < deadline:
            time.sleep(1)
            depth = requests.get(f"{API}/queues/{vhost}/bench-tap", auth=AUTH, timeout=10).json().get("messages") or 0
        print(f"report: status={report['status']} created={report['created']} events={report['events']} "
              f"errors={len(report['errors'])}")
        print(f"file -> committed rows (RPC import): {committed - start:6.2f} s")
        print(f"committed -> all events published:   {published - committed:6.2f} s")
        print(f"end to end:                          {published - start:6.2f} s  "
              f"({args.people / (published - start):.0f} people/s; target < 30 s)")
        print(f"events delivered to a consumer queue bound to every members event: {depth}")
        engine.dispose()
    finally:
        if container is not None:
            container.stop()
        requests.delete(f"{API}/vhosts/{vhost}", auth=AUTH, timeout=30)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
