"""`route`: nameko's @http plus authentication, context binding, JSON and error mapping.

Every HTTP entrypoint is declared with it, so each route body only translates the request into
one or two RPC calls.
"""
from __future__ import annotations

import functools
import json
import uuid

from nameko.web.handlers import http

from services.common.errors import InvalidInput
from services.common.tenancy import CORRELATION_KEY, REQUEST_KEY
from services.gateway.auth import bearer_token
from services.gateway.errors import error_response, json_response


def json_body(request) -> dict:
    try:
        body = json.loads(request.get_data(as_text=True) or "null")
    except ValueError as exc:
        raise InvalidInput.field("body", f"not valid JSON ({exc.msg} at position {exc.pos})") from None
    if not isinstance(body, dict):
        raise InvalidInput.field("body", "expected a JSON object")
    return body


def int_arg(request, name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput.field(name, "must be a whole number") from None


def start_request(service, request) -> str:
    """Bind the request's ids into the context every RPC call carries; returns the correlation
    id (the client's X-Request-ID, or a new one), which every answer and log line repeats."""
    correlation_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex
    service.caller.data[CORRELATION_KEY] = correlation_id
    service.caller.data[REQUEST_KEY] = uuid.uuid4().hex
    return correlation_id


def authenticate(service, request, correlation_id: str) -> None:
    identity = service.tokens.resolve(bearer_token(request), service.members.authenticate)
    service.caller.bind(tenant_id=identity["tenant_id"], caller_id=identity["person_id"],
                        roles=identity["roles"], correlation_id=correlation_id,
                        managed_units=identity.get("managed_units", ()))


def route(method: str, url: str, *, status: int = 200, authenticated: bool = True):
    def decorate(fn):
        @functools.wraps(fn)
        def entrypoint(self, request, **params):
            correlation_id = start_request(self, request)
            try:
                if authenticated:
                    authenticate(self, request, correlation_id)
                result = fn(self, request, **params)
            except Exception as exc:
                return error_response(exc, correlation_id)
            return json_response(status, result, {"X-Request-ID": correlation_id})

        return http(method, url)(entrypoint)

    return decorate
