"""Roster import (CSV, XLSX) and export (XLSX).

Every row is validated before anything is written; the report lists each bad row, the column
(as headed in the file) and the reason. By default a file with any bad row changes nothing
(`all_or_nothing`); `valid_rows` applies the good rows and reports the rest. The stable key is
`external_no` (staff or student number), so importing the same file again changes nothing and
publishes nothing. Rows are written in batches: a 10,000-person file is a few statements, not
10,000 round trips.
"""
from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import date, datetime
from typing import Callable, Iterable

from pydantic import Field, ValidationError
from sqlalchemy import bindparam, select

from services.common.contracts.members import (
    ActivistAssigned, MemberJoined, MemberStatusChanged, MemberTransferred, MemberUpdated, OrgUnitChanged,
)
from services.common.db import UnitOfWork, new_id, utcnow
from services.common.errors import InvalidInput, NotFound
from services.members import models, schemas, statuses
from services.members.handlers import initial_status_date

Progress = Callable[[str, int, int], None]
BATCH = 1000

# Header in the file -> field. Chinese headers are what secretaries' spreadsheets use.
COLUMNS: list[tuple[str, str]] = [
    ("工号/学号", "external_no"), ("姓名", "name"), ("性别", "gender"), ("民族", "ethnicity"),
    ("出生日期", "birth_date"), ("类别", "category"), ("部门/班级", "department"), ("职务", "job_title"),
    ("手机", "phone"), ("邮箱", "email"), ("企业微信", "wecom_user_id"), ("钉钉", "dingtalk_user_id"),
    ("参加工作日期", "joined_work_on"), ("政治面貌", "political_status"), ("入党申请日期", "applied_on"),
    ("入党日期", "joined_party_on"), ("转正日期", "full_member_on"), ("入党介绍人", "introducers"),
    ("党小组", "group"), ("培养联系人", "follower_no"),
]
ALIASES = {"工号": "external_no", "学号": "external_no", "编号": "external_no", "部门": "department",
           "班级": "department", "手机号": "phone", "电话": "phone", "电子邮箱": "email"}
HEADER_TO_FIELD = {h: f for h, f in COLUMNS} | {f: f for _, f in COLUMNS} | ALIASES
FIELD_TO_HEADER = {f: h for h, f in COLUMNS}

GENDERS = {"男": "male", "女": "female", "male": "male", "female": "female"}
CATEGORIES = {"教工": "staff", "教职工": "staff", "学生": "student", "staff": "staff", "student": "student"}
STATUSES = {"群众": "non_party", "入党申请人": "applicant", "入党积极分子": "activist", "积极分子": "activist",
            "发展对象": "candidate", "预备党员": "probationary", "中共预备党员": "probationary",
            "正式党员": "full", "中共党员": "full", "党员": "full"}
STATUSES |= {v: v for v in set(STATUSES.values())}
DATE_FIELDS = {"birth_date", "joined_work_on", "applied_on", "joined_party_on", "full_member_on"}
COMPARED = ("name", "category", "political_status", "email", "phone", "gender", "ethnicity", "birth_date",
            "department", "job_title", "wecom_user_id", "dingtalk_user_id", "joined_work_on", "applied_on",
            "joined_party_on", "full_member_on", "introducers")


class ImportRow(schemas.PersonFields):
    external_no: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    name: str = Field(min_length=1, max_length=100)
    category: schemas.PersonCategory
    political_status: schemas.PoliticalStatus
    group: str | None = Field(default=None, min_length=1, max_length=200)
    follower_no: str | None = Field(default=None, min_length=1, max_length=64)


# -- reading files ---------------------------------------------------------------------------

def _cell(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def read_rows(content: bytes, fmt: str) -> tuple[list[str], list[tuple[int, list]]]:
    """(headers, [(row number as a person sees it, cells)]). Blank rows are skipped."""
    if fmt == "csv":
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = content.decode("gb18030")  # what Excel on a Chinese Windows saves
            except UnicodeDecodeError:
                raise InvalidInput.field("content", "CSV is neither UTF-8 nor GB18030 text") from None
        reader = csv.reader(io.StringIO(text))
        try:
            rows = list(reader)
        except csv.Error as exc:  # a cell over the csv module's field limit, a stray quote, ...
            raise InvalidInput.field("content", f"CSV line {reader.line_num}: {exc}") from None
    else:
        from openpyxl import load_workbook
        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:
            raise InvalidInput.field("content", f"not a readable XLSX workbook ({type(exc).__name__})") from None
        sheet = book.worksheets[0]
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        book.close()
    if not rows:
        raise InvalidInput.field("content", "the file is empty")
    headers = [_cell(h) or "" for h in rows[0]]
    body = [(i + 2, r) for i, r in enumerate(rows[1:]) if any(_cell(c) for c in r)]
    return headers, body


def _map_headers(headers: list[str]) -> dict[int, str]:
    mapping, seen = {}, {}
    for index, header in enumerate(headers):
        field = HEADER_TO_FIELD.get(header)
        if field is None:
            continue
        if field in seen:
            raise InvalidInput.field("content", f"columns {seen[field]!r} and {header!r} both give {field}")
        seen[field] = header
        mapping[index] = field
    missing = [FIELD_TO_HEADER[f] for f in ("external_no", "name", "category", "political_status") if f not in seen]
    if missing:
        raise InvalidInput.field("content", f"missing required columns: {', '.join(missing)}")
    return mapping


def _translate(raw: dict) -> tuple[dict, list[tuple[str, str]]]:
    values, problems = {}, []
    for field, text in raw.items():
        if text is None:
            continue
        if "\x00" in text:  # PostgreSQL stores no NUL in text
            problems.append((field, "must not contain a NUL character"))
            continue
        if field == "gender":
            if text not in GENDERS:
                problems.append((field, "expected 男 or 女"))
                continue
            text = GENDERS[text]
        elif field == "category":
            if text not in CATEGORIES:
                problems.append((field, "expected 教工 or 学生"))
                continue
            text = CATEGORIES[text]
        elif field == "political_status":
            if text not in STATUSES:
                problems.append((field, "expected one of 群众, 入党申请人, 入党积极分子, 发展对象, 预备党员, 正式党员"))
                continue
            text = STATUSES[text]
        elif field in DATE_FIELDS:
            text = text.replace("/", "-").replace(".", "-")
            text = text[:10] if re.match(r"^\d{4}-\d{1,2}-\d{1,2}", text) else text
            parts = text.split("-")
            if len(parts) == 3 and all(p.isdigit() for p in parts):
                text = f"{parts[0]}-{int(parts[1]):02d}-{int(parts[2]):02d}"
        elif field == "introducers":
            text = [p for p in re.split(r"[、,，;；\s]+", text) if p]
        values[field] = text
    return values, problems


def validate_rows(headers, body) -> tuple[list[tuple[int, ImportRow]], list[dict]]:
    mapping = _map_headers(headers)
    header_of = {field: headers[i] for i, field in mapping.items()}
    good, errors, seen = [], [], {}
    for number, cells in body:
        raw = {field: _cell(cells[i]) if i < len(cells) else None for i, field in mapping.items()}
        values, problems = _translate(raw)
        row_errors = [{"row": number, "column": header_of[f], "reason": r} for f, r in problems]
        if not row_errors:
            try:
                parsed = ImportRow.model_validate(values)
            except ValidationError as exc:
                for err in exc.errors():
                    field = str(err["loc"][0]) if err.get("loc") else ""
                    reason = err.get("msg", "invalid").removeprefix("Value error, ")
                    if not field and ":" in reason:
                        field, _, reason = reason.partition(": ")
                    row_errors.append({"row": number, "column": header_of.get(field, field or "row"),
                                       "reason": reason})
            else:
                if parsed.external_no in seen:
                    row_errors.append({"row": number, "column": header_of["external_no"],
                                       "reason": f"duplicate of row {seen[parsed.external_no]}"})
                else:
                    seen[parsed.external_no] = number
                    good.append((number, parsed))
        errors.extend(row_errors)
    return good, errors


# -- writing ---------------------------------------------------------------------------------

def _chunks(items: list, size: int = BATCH) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def import_roster(uow: UnitOfWork, tenant_id: uuid.UUID, branch_id: uuid.UUID, content: bytes, fmt: str,
                  mode: str = "all_or_nothing", dry_run: bool = False, progress: Progress | None = None) -> dict:
    progress = progress or (lambda stage, done, total: None)
    session = uow.session
    units = models.org_units
    branch = session.execute(select(units).where(units.c.id == branch_id, units.c.tenant_id == tenant_id)).first()
    if branch is None:
        raise NotFound("branch not found")
    if branch.kind != "branch" or branch.closed_at is not None:
        raise InvalidInput.field("branch_id", "a roster is imported into an open branch")

    headers, body = read_rows(content, fmt)
    progress("read", len(body), len(body))
    good, errors = validate_rows(headers, body)
    progress("validated", len(body), len(body))

    people = models.people
    numbers = [r.external_no for _, r in good]
    follower_numbers = {r.follower_no for _, r in good if r.follower_no}
    existing = {}
    for chunk in _chunks(sorted(set(numbers) | follower_numbers), 5000):
        for row in session.execute(select(people).where(people.c.tenant_id == tenant_id,
                                                        people.c.external_no.in_(chunk))):
            existing[row.external_no] = row
    groups = {r.name: r for r in session.execute(select(units).where(
        units.c.tenant_id == tenant_id, units.c.parent_id == branch_id, units.c.kind == "group",
        units.c.closed_at.is_(None)))}
    header_of = {f: h for h, f in zip(headers, [HEADER_TO_FIELD.get(h) for h in headers]) if f}
    # An import manages one branch's roster. A number that belongs to someone of another branch
    # is refused rather than moving them: a move between branches is a transfer, with its date,
    # the end of the person's roles there, and the rights of whoever manages that branch.
    in_branch = {branch_id} | set(session.execute(select(units.c.id).where(
        units.c.tenant_id == tenant_id, units.c.parent_id == branch_id)).scalars())

    # Checks that need the stored roster: legal status changes, a follower who is a Party member.
    final_status = {n: r.political_status for n, r in existing.items()}
    final_status |= {r.external_no: r.political_status for _, r in good}
    accepted = []
    for number, row in good:
        old = existing.get(row.external_no)
        problem = None
        if old is not None and old.left_at is not None:
            problem = ("external_no", "this person has left the roster; re-add them by hand")
        elif old is not None and old.org_unit_id not in in_branch:
            problem = ("external_no", "this number belongs to a person of another branch; transfer them first")
        elif old is not None and old.political_status != row.political_status and not statuses.is_legal(
                old.political_status, row.political_status):
            problem = ("political_status", f"illegal change {old.political_status} -> {row.political_status}")
        elif row.follower_no:
            if row.political_status not in ("activist", "candidate"):
                problem = ("follower_no", "only activists and candidates have a follow-up member")
            elif row.follower_no not in final_status:
                problem = ("follower_no", "no person with this number in the file or the roster")
            elif final_status[row.follower_no] not in statuses.PARTY_MEMBERS:
                problem = ("follower_no", "the follower must be a Party member (probationary or full)")
        if problem:
            errors.append({"row": number, "column": header_of.get(problem[0], problem[0]), "reason": problem[1]})
        else:
            accepted.append(row)
    errors.sort(key=lambda e: e["row"])
    report = {"rows": len(body), "valid": len(accepted), "errors": errors, "created": 0, "updated": 0,
              "unchanged": 0, "groups_created": 0, "mode": mode, "dry_run": dry_run}
    if errors and mode == "all_or_nothing":
        report["status"] = "rejected"
        return report
    if dry_run:
        report["status"] = "checked"
        return report

    now, today = utcnow(), date.today()
    new_groups = sorted({r.group for r in accepted if r.group and r.group not in groups})
    if new_groups:
        values = [{"id": new_id(), "tenant_id": tenant_id, "parent_id": branch_id, "kind": "group", "name": name}
                  for name in new_groups]
        session.execute(units.insert(), values)
        groups |= {v["name"]: type("Unit", (), {"id": v["id"]}) for v in values}
        report["groups_created"] = len(values)
        uow.publish_many([OrgUnitChanged(tenant_id=tenant_id, org_unit_id=v["id"], parent_id=branch_id, kind="group",
                                         name=v["name"], change="created") for v in values])

    inserts, updates, history, moves, events = [], [], [], [], []
    ids = {n: r.id for n, r in existing.items()}
    for row in accepted:
        unit_id = groups[row.group].id if row.group else branch_id
        fields = {f: getattr(row, f) for f in COMPARED}
        fields["introducers"] = fields["introducers"] or []
        old = existing.get(row.external_no)
        if old is None:
            person_id = new_id()
            ids[row.external_no] = person_id
            inserts.append({"id": person_id, "tenant_id": tenant_id, "org_unit_id": unit_id,
                            "external_no": row.external_no, "status_since": initial_status_date(row),
                            "left_at": None,
                            "left_reason": None, **fields})
            history.append({"id": new_id(), "tenant_id": tenant_id, "person_id": person_id, "from_status": None,
                            "to_status": row.political_status, "effective_on": initial_status_date(row) or today,
                            "note": "roster import"})
            events.append(MemberJoined(tenant_id=tenant_id, member_id=person_id, org_unit_id=unit_id, name=row.name,
                                       category=row.category, political_status=row.political_status,
                                       external_no=row.external_no, email=row.email))
            continue
        changed = sorted(f for f in COMPARED if (getattr(old, f) or ([] if f == "introducers" else None))
                         != fields[f])
        moved = old.org_unit_id != unit_id
        if not changed and not moved:
            report["unchanged"] += 1
            continue
        report["updated"] += 1
        status_since = old.status_since
        if "political_status" in changed:
            status_since = today
            history.append({"id": new_id(), "tenant_id": tenant_id, "person_id": old.id,
                            "from_status": old.political_status, "to_status": row.political_status,
                            "effective_on": today, "note": "roster import"})
            events.append(MemberStatusChanged(tenant_id=tenant_id, member_id=old.id, org_unit_id=unit_id,
                                              from_status=old.political_status, to_status=row.political_status,
                                              effective_on=today))
        if moved:
            moves.append({"id": new_id(), "tenant_id": tenant_id, "person_id": old.id,
                          "from_org_unit_id": old.org_unit_id, "to_org_unit_id": unit_id, "effective_on": today,
                          "note": "roster import"})
            events.append(MemberTransferred(tenant_id=tenant_id, member_id=old.id, from_org_unit_id=old.org_unit_id,
                                            to_org_unit_id=unit_id, effective_on=today))
        other = [f for f in changed if f != "political_status"]
        if other:
            events.append(MemberUpdated(tenant_id=tenant_id, member_id=old.id, org_unit_id=unit_id, fields=other,
                                        name=row.name if "name" in other else None))
        updates.append({"_id": old.id, "_unit": unit_id, "_since": status_since, "_now": now,
                        **{f"_{k}": v for k, v in fields.items()}})
    report["created"] = len(inserts)

    total = len(inserts) + len(updates)
    done = 0
    for chunk in _chunks(inserts):
        session.execute(people.insert(), chunk)
        done += len(chunk)
        progress("written", done, total)
    if updates:
        statement = people.update().where(people.c.id == bindparam("_id")).values(
            org_unit_id=bindparam("_unit"), status_since=bindparam("_since"), updated_at=bindparam("_now"),
            **{f: bindparam(f"_{f}") for f in COMPARED})
        for chunk in _chunks(updates):
            session.execute(statement, chunk)
            done += len(chunk)
            progress("written", done, total)
    for table, rows in ((models.status_history, history), (models.transfers, moves)):
        for chunk in _chunks(rows):
            session.execute(table.insert(), chunk)

    links = models.activist_followers
    wanted = [(ids[r.external_no], ids[r.follower_no]) for r in accepted if r.follower_no and r.follower_no in ids]
    if wanted:
        activist_ids = [a for a, _ in wanted]
        current = set()
        for chunk in _chunks(activist_ids, 5000):
            current |= {(x.activist_id, x.follower_id) for x in session.execute(
                select(links.c.activist_id, links.c.follower_id).where(
                    links.c.tenant_id == tenant_id, links.c.ended_on.is_(None), links.c.activist_id.in_(chunk)))}
        unit_of = {v["id"]: v["org_unit_id"] for v in inserts} | {u["_id"]: u["_unit"] for u in updates}
        unit_of |= {r.id: r.org_unit_id for r in existing.values() if r.id not in unit_of}
        fresh = [{"id": new_id(), "tenant_id": tenant_id, "activist_id": a, "follower_id": f, "assigned_on": today}
                 for a, f in wanted if (a, f) not in current]
        for chunk in _chunks(fresh):
            session.execute(links.insert(), chunk)
        events += [ActivistAssigned(tenant_id=tenant_id, activist_id=x["activist_id"], follower_id=x["follower_id"],
                                    org_unit_id=unit_of[x["activist_id"]], assigned_on=today) for x in fresh]
        report["followers_assigned"] = len(fresh)
    uow.publish_many(events)
    report["events"] = len(events)
    progress("events", len(events), len(events))
    report["status"] = "imported" if not errors else "partially_imported"
    return report


# -- export ----------------------------------------------------------------------------------

STATUS_LABEL = {"non_party": "群众", "applicant": "入党申请人", "activist": "入党积极分子", "candidate": "发展对象",
                "probationary": "预备党员", "full": "正式党员"}


def export_roster(session, tenant_id: uuid.UUID, unit_ids: list) -> bytes:
    """The roster of the given units as XLSX, with the same headers the import reads."""
    from openpyxl import Workbook

    from services.common.exports import xlsx_row

    people, units, links = models.people, models.org_units, models.activist_followers
    names = {r.id: (r.kind, r.name) for r in session.execute(select(units.c.id, units.c.kind, units.c.name)
                                                             .where(units.c.tenant_id == tenant_id))}
    followers = {}
    follower_alias = people.alias("follower")
    for r in session.execute(select(links.c.activist_id, follower_alias.c.external_no)
                             .join(follower_alias, follower_alias.c.id == links.c.follower_id)
                             .where(links.c.tenant_id == tenant_id, links.c.ended_on.is_(None))):
        followers.setdefault(r.activist_id, r.external_no)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("花名册")
    sheet.append(xlsx_row(sheet, [h for h, _ in COLUMNS]))
    rows = session.execute(select(people).where(people.c.tenant_id == tenant_id, people.c.org_unit_id.in_(unit_ids),
                                                people.c.left_at.is_(None)).order_by(people.c.external_no))
    gender_label = {"male": "男", "female": "女"}
    for row in rows:
        kind, unit_name = names[row.org_unit_id]
        values = {
            "external_no": row.external_no, "name": row.name, "gender": gender_label.get(row.gender),
            "ethnicity": row.ethnicity, "category": "教工" if row.category == "staff" else "学生",
            "department": row.department, "job_title": row.job_title, "phone": row.phone, "email": row.email,
            "wecom_user_id": row.wecom_user_id, "dingtalk_user_id": row.dingtalk_user_id,
            "political_status": STATUS_LABEL[row.political_status],
            "introducers": "、".join(row.introducers or []) or None,
            "group": unit_name if kind == "group" else None, "follower_no": followers.get(row.id),
        }
        for field in DATE_FIELDS:
            value = getattr(row, field)
            values[field] = value.isoformat() if value else None
        sheet.append(xlsx_row(sheet, [values[f] for _, f in COLUMNS]))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
