"""Roster import (CSV, XLSX) and export (XLSX).

Every row is validated before anything is written; the report lists each bad row, the column
(as headed in the file) and the reason. By default a file with any bad row changes nothing
(`all_or_nothing`); `valid_rows` applies the good rows and reports the rest. The stable key is
`external_no` (staff or student number), so importing the same file again changes nothing and
publishes nothing.

The steps, each in its own module: `files` reads the file into cells (and writes the export),
`parsing` turns cells into typed rows, `plan` decides against the stored roster what the import
does (pure), `apply` reads that roster and carries the plan out in SQL with its events.
"""
from __future__ import annotations

import uuid

from services.common.db import UnitOfWork
from services.members.importing import apply, files, parsing, plan as planning


def import_roster(uow: UnitOfWork, tenant_id: uuid.UUID, branch_id: uuid.UUID, content: bytes, fmt: str,
                  mode: str = "all_or_nothing", dry_run: bool = False,
                  progress: apply.Progress | None = None) -> dict:
    progress = progress or (lambda stage, done, total: None)
    apply.open_branch(uow.session, tenant_id, branch_id)
    headers, body = files.read_rows(content, fmt)
    progress("read", len(body), len(body))
    rows, errors = parsing.validate_rows(headers, body)
    progress("validated", len(body), len(body))
    roster = apply.load_roster(uow.session, tenant_id, branch_id, rows)
    plan = planning.plan_import(rows, roster, parsing.column_names(headers))
    errors = sorted(errors + plan.errors, key=lambda e: e["row"])
    report = {"rows": len(body), "valid": len(plan.accepted), "errors": errors, "created": 0, "updated": 0,
              "unchanged": 0, "groups_created": 0, "mode": mode, "dry_run": dry_run}
    if errors and mode == "all_or_nothing":
        return report | {"status": "rejected"}
    if dry_run:
        return report | {"status": "checked"}
    report |= apply.apply_plan(uow, tenant_id, roster, plan, progress)
    report["status"] = "imported" if not errors else "partially_imported"
    return report
