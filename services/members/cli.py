"""Admin command line for school IT and secretaries, working on the members database directly.

    python -m services.members.cli create-tenant --code wind-energy --name 新能源学院
    python -m services.members.cli import --tenant wind-energy --branch <id> roster.xlsx [--valid-rows]
    python -m services.members.cli list-branch --tenant wind-energy --branch <id>
    python -m services.members.cli issue-token --tenant wind-energy --role tenant_admin --label 信息中心
    python -m services.members.cli issue-token --tenant wind-energy --member <id> --role secretary --role member

Events go to the outbox in the same transaction; a running members service's relay publishes them.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.contracts.api import members as member_api
from services.common.db import ServiceTables, UnitOfWork, make_engine
from services.common.errors import DomainError
from services.common.settings import ConfigError, load
from services.common.validation import parse_uuid, validate
from services.members import access, importing, models, people, tenants


def _progress(stage: str, done: int, total: int) -> None:
    width = 30
    filled = width if not total else int(width * done / total)
    sys.stderr.write(f"\r{stage:<10} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _tenant_id(session, code: str):
    row = session.execute(select(models.tenants.c.id).where(models.tenants.c.code == code)).first()
    if row is None:
        raise DomainError(f"tenant: no tenant with code {code!r}")
    return row.id


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m services.members.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create-tenant", help="create a tenant and print its first admin token")
    create.add_argument("--code", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--timezone", default="Asia/Shanghai")
    imp = sub.add_parser("import", help="import a roster file (CSV or XLSX) into a branch")
    imp.add_argument("file", type=Path)
    imp.add_argument("--tenant", required=True, help="tenant code")
    imp.add_argument("--branch", required=True, help="branch id")
    imp.add_argument("--valid-rows", action="store_true", help="import the valid rows even if some are bad")
    imp.add_argument("--dry-run", action="store_true")
    lst = sub.add_parser("list-branch", help="list the people of a branch and its groups")
    lst.add_argument("--tenant", required=True)
    lst.add_argument("--branch", required=True)
    tok = sub.add_parser("issue-token", help="issue an API token for an existing tenant and print it")
    tok.add_argument("--tenant", required=True, help="tenant code")
    tok.add_argument("--role", action="append", required=True, dest="roles",
                     help="a role the token carries (repeat for several), e.g. tenant_admin")
    tok.add_argument("--member", help="the person the token acts as (needed for branch roles)")
    tok.add_argument("--label", default="cli", help="what the token is for, shown to admins")
    return parser


def _create_tenant(args, uow: UnitOfWork) -> dict:
    data = validate(member_api.TenantCreate, {"code": args.code, "name": args.name, "timezone": args.timezone})
    return tenants.create_tenant(uow, data)


def _import(args, uow: UnitOfWork) -> dict:
    fmt = args.file.suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        raise DomainError("file: expected a .csv or .xlsx file")
    result = importing.import_roster(
        uow, _tenant_id(uow.session, args.tenant), parse_uuid(args.branch, "branch"),
        args.file.read_bytes(), fmt, "valid_rows" if args.valid_rows else "all_or_nothing",
        args.dry_run, _progress)
    for error in result["errors"]:
        print(f"row {error['row']}, {error['column']}: {error['reason']}", file=sys.stderr)
    return result


def _issue_token(args, uow: UnitOfWork) -> dict:
    data = validate(member_api.TokenCreate, {"roles": args.roles, "label": args.label})
    member_id = parse_uuid(args.member, "member") if args.member else None
    return access.issue_tenant_token(uow, _tenant_id(uow.session, args.tenant), member_id, data)


def _list_branch(args, uow: UnitOfWork) -> None:
    """Prints the branch as a table; nothing to print as JSON."""
    tenant_id = _tenant_id(uow.session, args.tenant)
    query = member_api.MemberQuery(org_unit_id=parse_uuid(args.branch, "branch"), limit=500)
    result = people.list_members(uow.session, tenant_id, query)
    for m in result["items"]:
        print(f"{m['external_no'] or '-':<12} {m['name']:<10} {m['political_status']:<13} "
              f"{m['category']:<8} {m['department'] or ''}")
    print(f"{result['total']} people", file=sys.stderr)


COMMANDS = {"create-tenant": _create_tenant, "import": _import, "issue-token": _issue_token,
            "list-branch": _list_branch}


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load("members")
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    engine = make_engine(settings, pool_size=1)
    tables = ServiceTables(models.metadata, settings.db_schema)
    try:
        with Session(engine) as session, session.begin():
            uow = UnitOfWork(session, tables, {"caller_id": "cli"})
            result = COMMANDS[args.command](args, uow)
            if result is None:
                return 0
            uow.flush()
    except DomainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0 if args.command != "import" or result["status"] != "rejected" else 1


if __name__ == "__main__":
    sys.exit(main())
