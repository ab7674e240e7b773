"""What the gateway reads from a request before any service sees it: a bounded JSON body,
query and path arguments without NUL characters, pages within their bounds.

The JSON parser is Python's, with guards for what it lets through: nesting deep enough to
exhaust the stack (RecursionError), whole numbers of thousands of digits (Python refuses more
than 4,300 with a ValueError; fewer reach the database and overflow), NaN and Infinity. Each
answers 400 naming the field (`services.common.validation.check_payload`), a body over
MAX_REQUEST_BYTES answers 413.
"""
from __future__ import annotations

import json
import re
import uuid

from nameko.extensions import DependencyProvider
from werkzeug.exceptions import RequestEntityTooLarge

from services.common.errors import InvalidInput, PayloadTooLarge
from services.common.settings import from_container
from services.common.validation import INT64_MAX, check_page, check_payload, check_text

# Longer than any 64-bit whole number (19 digits and a sign): parsed as a value out of range
# instead of converting thousands of digits (quadratic in Python) only to refuse them.
_MAX_INT_DIGITS = 20


class RequestLimits(DependencyProvider):
    """The gateway's request limits from its settings: `limits = RequestLimits()`."""

    def setup(self):
        self.max_request_bytes = from_container(self.container).max_request_bytes

    def get_dependency(self, worker_ctx):
        return self


def check_request(limits: RequestLimits, request, params: dict) -> None:
    """Before a route reads anything: the body limit, and no NUL in query or path arguments."""
    request.max_content_length = limits.max_request_bytes
    for name, value in params.items():
        check_text(value, name)
    for name, value in request.args.items(multi=True):
        check_text(name, "query")
        check_text(value, name)


_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_correlation_id(request) -> str:
    """The client's X-Request-ID if it is a plain token, else a new one: it is repeated in every
    log line and answer header, so a client must not put line breaks or a megabyte there."""
    given = request.headers.get("X-Request-ID", "")
    return given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def _bounded_int(digits: str) -> int:
    return int(digits) if len(digits) <= _MAX_INT_DIGITS else INT64_MAX + 1


def read_body(request) -> bytes:
    """The body, at most `max_content_length` bytes, read once and kept: a write's fingerprint
    (routing.identify_write) and the route both read it."""
    limit = request.max_content_length
    too_large = PayloadTooLarge(f"body: larger than {limit} bytes", [{"field": "body", "reason": f"larger than {limit} bytes"}])
    if limit is not None and (request.content_length or 0) > limit:
        raise too_large
    try:
        # Werkzeug's stream stops at max_content_length (also for a chunked body of no stated length).
        data = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise too_large from None
    if limit is not None and len(data) > limit:
        raise too_large
    return data


def parse_json_object(data: bytes) -> dict:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput.field("body", "not UTF-8 text") from None
    try:
        body = json.loads(text or "null", parse_int=_bounded_int)
    except RecursionError:
        raise InvalidInput.field("body", "nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise InvalidInput.field("body", f"not valid JSON ({exc.msg} at position {exc.pos})") from None
    if not isinstance(body, dict):
        raise InvalidInput.field("body", "expected a JSON object")
    check_payload(body)
    return body


def json_body(request) -> dict:
    return parse_json_object(read_body(request))


def page_args(request, default_limit: int = 50) -> tuple[int, int]:
    """`limit` and `offset` from the query, within the bounds every list shares."""
    return check_page(int_arg(request, "limit", default_limit), int_arg(request, "offset", 0))


def int_arg(request, name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if len(raw) > _MAX_INT_DIGITS:
        raise InvalidInput.field(name, "whole number out of range")
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput.field(name, "must be a whole number") from None
