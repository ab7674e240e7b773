"""From cells to typed rows, without the database: each row is translated (性别 男 -> male,
2020/9/1 -> 2020-09-01, ...) and validated on its own; every bad cell is a row error naming the
row, the column as headed in the file, and the reason."""
from __future__ import annotations

import re

from pydantic import Field, ValidationError

from services.common.contracts.api import members as member_api
from services.common.errors import InvalidInput
from services.members.importing.files import DATE_FIELDS, FIELD_TO_HEADER, HEADER_TO_FIELD, cell

GENDERS = {"男": "male", "女": "female", "male": "male", "female": "female"}
CATEGORIES = {"教工": "staff", "教职工": "staff", "学生": "student", "staff": "staff", "student": "student"}
STATUSES = {"群众": "non_party", "入党申请人": "applicant", "入党积极分子": "activist", "积极分子": "activist",
            "发展对象": "candidate", "预备党员": "probationary", "中共预备党员": "probationary",
            "正式党员": "full", "中共党员": "full", "党员": "full"}
STATUSES |= {v: v for v in set(STATUSES.values())}

# Fields whose text must be one of a table's keys, and what to say when it is not.
CHOICES = {
    "gender": (GENDERS, "expected 男 or 女"),
    "category": (CATEGORIES, "expected 教工 or 学生"),
    "political_status": (STATUSES, "expected one of 群众, 入党申请人, 入党积极分子, 发展对象, 预备党员, 正式党员"),
}
REQUIRED = ("external_no", "name", "category", "political_status")


class ImportRow(member_api.PersonFields):
    external_no: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    name: str = Field(min_length=1, max_length=100)
    category: member_api.PersonCategory
    political_status: member_api.PoliticalStatus
    group: str | None = Field(default=None, min_length=1, max_length=200)
    follower_no: str | None = Field(default=None, min_length=1, max_length=64)


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
    missing = [FIELD_TO_HEADER[f] for f in REQUIRED if f not in seen]
    if missing:
        raise InvalidInput.field("content", f"missing required columns: {', '.join(missing)}")
    return mapping


def column_names(headers: list[str]) -> dict[str, str]:
    """field -> the header it has in this file, for naming columns in errors."""
    return {field: headers[i] for i, field in _map_headers(headers).items()}


def _date_text(text: str) -> str:
    """2020/9/1, 2020.9.1 and 2020-9-1 00:00:00 all read as 2020-09-01; anything else stays for
    the validator to refuse."""
    text = text.replace("/", "-").replace(".", "-")
    text = text[:10] if re.match(r"^\d{4}-\d{1,2}-\d{1,2}", text) else text
    parts = text.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        text = f"{parts[0]}-{int(parts[1]):02d}-{int(parts[2]):02d}"
    return text


def _translate(raw: dict) -> tuple[dict, list[tuple[str, str]]]:
    values, problems = {}, []
    for field, text in raw.items():
        if text is None:
            continue
        if "\x00" in text:  # PostgreSQL stores no NUL in text
            problems.append((field, "must not contain a NUL character"))
            continue
        if field in CHOICES:
            table, expected = CHOICES[field]
            if text not in table:
                problems.append((field, expected))
                continue
            text = table[text]
        elif field in DATE_FIELDS:
            text = _date_text(text)
        elif field == "introducers":
            text = [p for p in re.split(r"[、,，;；\s]+", text) if p]
        values[field] = text
    return values, problems


def _validation_errors(number: int, exc: ValidationError, header_of: dict) -> list[dict]:
    errors = []
    for err in exc.errors():
        field = str(err["loc"][0]) if err.get("loc") else ""
        reason = err.get("msg", "invalid").removeprefix("Value error, ")
        if not field and ":" in reason:
            field, _, reason = reason.partition(": ")
        errors.append({"row": number, "column": header_of.get(field, field or "row"), "reason": reason})
    return errors


def _parse(number: int, cells: list, mapping: dict, header_of: dict) -> tuple[ImportRow | None, list[dict]]:
    raw = {field: cell(cells[i]) if i < len(cells) else None for i, field in mapping.items()}
    values, problems = _translate(raw)
    if problems:
        return None, [{"row": number, "column": header_of[f], "reason": r} for f, r in problems]
    try:
        return ImportRow.model_validate(values), []
    except ValidationError as exc:
        return None, _validation_errors(number, exc, header_of)


def validate_rows(headers, body) -> tuple[list[tuple[int, ImportRow]], list[dict]]:
    """([(row number, row)] for the good rows, [row errors]); a number given twice is an error
    on its second row."""
    mapping = _map_headers(headers)
    header_of = {field: headers[i] for i, field in mapping.items()}
    good, errors, seen = [], [], {}
    for number, cells in body:
        parsed, row_errors = _parse(number, cells, mapping, header_of)
        if parsed is not None and parsed.external_no in seen:
            row_errors = [{"row": number, "column": header_of["external_no"],
                           "reason": f"duplicate of row {seen[parsed.external_no]}"}]
        elif parsed is not None:
            seen[parsed.external_no] = number
            good.append((number, parsed))
        errors.extend(row_errors)
    return good, errors
