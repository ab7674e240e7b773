"""`route`: nameko's @http plus authentication, context binding, JSON and error mapping.

Every HTTP entrypoint is declared with it, so each route body only translates the request into
one or two RPC calls.
"""
from __future__ import annotations

import functools
import uuid

from nameko.web.handlers import http

from services.common.tenancy import CORRELATION_KEY, REQUEST_KEY
from services.gateway.auth import bearer_token
from services.gateway.errors import error_response, json_response
from services.gateway.parsing import check_request, request_correlation_id


def start_request(service, request) -> str:
    """Bind the request's ids into the context every RPC call carries; returns the correlation
    id (the client's X-Request-ID, or a new one), which every answer and log line repeats."""
    correlation_id = request_correlation_id(request)
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
                check_request(self.limits, request, params)
                if authenticated:
                    authenticate(self, request, correlation_id)
                result = fn(self, request, **params)
            except Exception as exc:
                return error_response(exc, correlation_id)
            return json_response(status, result, {"X-Request-ID": correlation_id})

        return http(method, url)(entrypoint)

    return decorate
