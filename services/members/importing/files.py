"""The roster file: its columns as secretaries' spreadsheets head them, reading CSV (UTF-8 or
GB18030) and XLSX into rows of cells, and writing a branch's roster back out as XLSX."""
from __future__ import annotations

import csv
import io
import uuid
from datetime import date, datetime

from sqlalchemy import select

from services.common.errors import InvalidInput, NotFound
from services.common.exports import xlsx_row
from services.members import lookups, models

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
DATE_FIELDS = {"birth_date", "joined_work_on", "applied_on", "joined_party_on", "full_member_on"}

STATUS_LABEL = {"non_party": "群众", "applicant": "入党申请人", "activist": "入党积极分子", "candidate": "发展对象",
                "probationary": "预备党员", "full": "正式党员"}
GENDER_LABEL = {"male": "男", "female": "女"}


def cell(value) -> str | None:
    """A cell as trimmed text (dates as ISO, whole floats without .0); blank is None."""
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


def _csv_rows(content: bytes) -> list[list]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("gb18030")  # what Excel on a Chinese Windows saves
        except UnicodeDecodeError:
            raise InvalidInput.field("content", "CSV is neither UTF-8 nor GB18030 text") from None
    reader = csv.reader(io.StringIO(text))
    try:
        return list(reader)
    except csv.Error as exc:  # a cell over the csv module's field limit, a stray quote, ...
        raise InvalidInput.field("content", f"CSV line {reader.line_num}: {exc}") from None


def _xlsx_rows(content: bytes) -> list[list]:
    from openpyxl import load_workbook
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:
        raise InvalidInput.field("content", f"not a readable XLSX workbook ({type(exc).__name__})") from None
    sheet = book.worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    book.close()
    return rows


def read_rows(content: bytes, fmt: str) -> tuple[list[str], list[tuple[int, list]]]:
    """(headers, [(row number as a person sees it, cells)]). Blank rows are skipped."""
    rows = _csv_rows(content) if fmt == "csv" else _xlsx_rows(content)
    if not rows:
        raise InvalidInput.field("content", "the file is empty")
    headers = [cell(h) or "" for h in rows[0]]
    body = [(i + 2, r) for i, r in enumerate(rows[1:]) if any(cell(c) for c in r)]
    return headers, body


def _exported(row, unit, follower_no) -> dict:
    kind, unit_name = unit
    values = {
        "external_no": row.external_no, "name": row.name, "gender": GENDER_LABEL.get(row.gender),
        "ethnicity": row.ethnicity, "category": "教工" if row.category == "staff" else "学生",
        "department": row.department, "job_title": row.job_title, "phone": row.phone, "email": row.email,
        "wecom_user_id": row.wecom_user_id, "dingtalk_user_id": row.dingtalk_user_id,
        "political_status": STATUS_LABEL[row.political_status],
        "introducers": "、".join(row.introducers or []) or None,
        "group": unit_name if kind == "group" else None, "follower_no": follower_no,
    }
    for field in DATE_FIELDS:
        value = getattr(row, field)
        values[field] = value.isoformat() if value else None
    return values


def export_roster(session, tenant_id: uuid.UUID, org_unit_id: uuid.UUID) -> bytes:
    """The roster of the unit and its subtree as XLSX, with the same headers the import reads."""
    from openpyxl import Workbook

    unit_ids = lookups.subtree_ids(session, tenant_id, org_unit_id)
    if not unit_ids:
        raise NotFound("org unit not found")
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
    for row in rows:
        values = _exported(row, names[row.org_unit_id], followers.get(row.id))
        sheet.append(xlsx_row(sheet, [values[f] for _, f in COLUMNS]))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
