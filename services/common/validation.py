"""Turn untrusted input into a validated model or an `InvalidInput` naming each bad field.

Besides each model's own rules, every payload passes `check_payload` first: what no field of
ours can hold (a NUL character, PostgreSQL refuses it in text; a whole number beyond 64 bits or
a float that is not finite, no column stores them; nesting deeper than any schema goes) is
refused here, naming the field, instead of failing as a 500 deep in a handler or the database.
"""
from __future__ import annotations

import math
import re
import uuid
from datetime import date, datetime
from typing import Annotated, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ValidationError

from services.common.errors import InvalidInput, clip

M = TypeVar("M", bound=BaseModel)

MAX_DEPTH = 32  # the deepest schema (a rule-set layer) nests 5 levels
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
# Pages: one bound for every list the API answers, checked by `check_page`.
PAGE_LIMIT_MAX = 500
PAGE_OFFSET_MAX = 1_000_000


def validate(model: type[M], payload) -> M:
    if not isinstance(payload, dict):
        raise InvalidInput.field("body", "expected a JSON object")
    check_payload(payload)
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise InvalidInput.from_pydantic(exc) from None


def _child(path: str, key) -> str:
    key = clip(str(key), 64)
    return f"{path}.{key}" if path else key


def check_payload(payload, field: str = "") -> None:
    """Refuse, naming the field, values no field can hold: NUL characters (in keys too), whole
    numbers outside 64 bits, non-finite floats, nesting deeper than MAX_DEPTH. Iterative, so a
    hostile depth cannot exhaust the interpreter's stack."""
    pending = [(payload, field, 0)]
    while pending:
        value, path, depth = pending.pop()
        where = path or "body"
        if isinstance(value, (dict, list, tuple)):
            if depth >= MAX_DEPTH:
                raise InvalidInput.field(where, f"nested deeper than {MAX_DEPTH} levels")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and "\x00" in key:
                    raise InvalidInput.field(where, "a key contains a NUL character")
                pending.append((item, _child(path, key), depth + 1))
        elif isinstance(value, str):
            if "\x00" in value:
                raise InvalidInput.field(where, "must not contain a NUL character")
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int):
            if not INT64_MIN <= value <= INT64_MAX:
                raise InvalidInput.field(where, "whole number out of range")
        elif isinstance(value, float) and not math.isfinite(value):
            raise InvalidInput.field(where, "must be a finite number")


def check_text(value: str, field: str) -> str:
    """A query or path argument: the same NUL rule as any string in a body."""
    if "\x00" in value:
        raise InvalidInput.field(field, "must not contain a NUL character")
    return value


def check_page(limit, offset, max_limit: int = PAGE_LIMIT_MAX) -> tuple[int, int]:
    """The one check of page sizes and offsets: limit 1..max_limit (at most PAGE_LIMIT_MAX),
    offset 0..PAGE_OFFSET_MAX."""
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= min(max_limit, PAGE_LIMIT_MAX):
        raise InvalidInput.field("limit", f"must be a whole number from 1 to {min(max_limit, PAGE_LIMIT_MAX)}")
    if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset <= PAGE_OFFSET_MAX:
        raise InvalidInput.field("offset", f"must be a whole number from 0 to {PAGE_OFFSET_MAX}")
    return limit, offset


def parse_uuid(value, field: str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise InvalidInput.field(field, "must be a UUID") from None


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def strict_date(value) -> date:
    """YYYY-MM-DD and nothing else. pydantic's own date also takes 0 or 20261031 as a Unix
    time and cuts a timestamp to its date without converting its offset; Python's
    date.fromisoformat takes 20261031 too."""
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("expected a date as YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError("not a calendar date (YYYY-MM-DD)") from None


# The date type of every schema and contract.
IsoDate = Annotated[date, BeforeValidator(strict_date)]


_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})")


def strict_moment(value) -> datetime:
    """An ISO 8601 timestamp that says its offset (2026-10-31T23:30:00+08:00 or ...Z): a moment
    a phone holds, from which the day is derived in the tenant's time zone, never cut."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value
    if not isinstance(value, str) or not _ISO_MOMENT.fullmatch(value):
        raise ValueError("expected a timestamp with its offset, as YYYY-MM-DDTHH:MM:SS+08:00")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("not a valid timestamp") from None


# A moment with its offset, for what a client's clock saw.
IsoMoment = Annotated[datetime, BeforeValidator(strict_moment)]


_ISO_WALL_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?")


def strict_wall_time(value) -> datetime:
    """An ISO 8601 timestamp, with its offset or without one (then read as wall-clock time in
    the tenant's zone by whoever plans with it, as a meeting's start is); never a Unix time."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_WALL_TIME.fullmatch(value):
        raise ValueError("expected a timestamp as YYYY-MM-DDTHH:MM, with an offset or in the tenant's time")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("not a valid timestamp") from None


# A planned time: with an offset, or the tenant's wall-clock time.
IsoWallTime = Annotated[datetime, BeforeValidator(strict_wall_time)]


def known_time_zone(value: str) -> str:
    """An IANA zone name this machine's zone database knows, so that no tenant or schedule
    stores a zone that fails only later, when a day is worked out in it."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("unknown time zone (use an IANA name such as Asia/Shanghai)") from None
    return value


# A tenant's or a schedule's time zone, by name.
TimeZoneName = Annotated[str, AfterValidator(known_time_zone)]


def parse_date(value, field: str) -> date:
    """A date from a query argument or an RPC argument, by the same rule as IsoDate."""
    try:
        return strict_date(value)
    except ValueError as exc:
        raise InvalidInput.field(field, str(exc)) from None
