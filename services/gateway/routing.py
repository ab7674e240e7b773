"""`route`: nameko's @http plus authentication, context binding, JSON and error mapping.

Every HTTP entrypoint is declared with it, so each route body only translates the request into
one or two RPC calls, and every write carries a request key (`identify_write`).

A route also declares its contract: the model of its JSON body (`body`), of its answer
(`answers`) and its query arguments (`query`). They change nothing in how the route runs; the
route table (`services.gateway.routes.table`) and the OpenAPI document are built from them, and
a test fails when a route's answers disagree with what it declares.
"""
from __future__ import annotations

import functools
import hashlib
import uuid

from nameko.web.handlers import http

from services.common.tenancy import (
    CALLER_KEY, CORRELATION_KEY, CREDENTIAL_KEY, IDEMPOTENCY_HEADER, REQUEST_FINGERPRINT_KEY, REQUEST_KEY, ROUTE_KEY,
    TENANT_KEY,
)
from services.gateway import auth, request_keys
from services.gateway.errors import error_response, json_response
from services.gateway.parsing import check_request, read_body, request_correlation_id
from services.gateway.references import check_references
from services.gateway.spec import Query, RouteSpec


def start_request(service, request) -> str:
    """Bind the request's ids into the context every RPC call carries; returns the correlation
    id (the client's X-Request-ID, or a new one), which every answer and log line repeats."""
    correlation_id = request_correlation_id(request)
    service.caller.data[CORRELATION_KEY] = correlation_id
    return correlation_id


def authenticate(service, request, correlation_id: str) -> None:
    identity = service.credentials.identify(request, service.members)
    service.caller.bind(tenant_id=identity["tenant_id"], caller_id=identity["person_id"],
                        roles=identity["roles"], correlation_id=correlation_id,
                        managed_units=identity.get("managed_units", ()))
    # For the audit record of a write: which credential acted (a token's or a session's id, or a
    # hash), never the credential itself.
    kind = "token" if "Authorization" in request.headers else "session"
    service.caller.data[CREDENTIAL_KEY] = f"{kind}:" + str(identity.get("sid") or hashlib.sha256(
        auth.request_secret(request).encode()).hexdigest()[:16])


def identify_write(service, request) -> None:
    """Bind a write's request key and fingerprint, which the service carrying it out records with
    its effect (services.common.idempotency): from the client's Idempotency-Key, scoped to the
    tenant and the caller, or a fresh id that only a broker redelivery can repeat. After
    `authenticate`, which binds the scope; a read carries neither."""
    if request.method not in request_keys.WRITE_METHODS:
        return
    data = service.caller.data
    client_key = request.headers.get(IDEMPOTENCY_HEADER)
    if client_key is None:
        data[REQUEST_KEY] = uuid.uuid4().hex
    else:
        caller = request_keys.caller_scope(data.get(CALLER_KEY), auth.request_secret(request))
        data[REQUEST_KEY] = request_keys.request_key(
            data.get(TENANT_KEY), caller, request_keys.checked_key(client_key))
    data[REQUEST_FINGERPRINT_KEY] = request_keys.fingerprint(
        request.method, request.path, request.query_string, read_body(request))


def route(method: str, url: str, *, answers, status: int = 200, authenticated: bool = True, body=None,
          query: tuple[Query, ...] = (), refuses: tuple[int, ...] = ()):
    """`answers`: the pydantic model (or `list[Model]`) of the JSON answered with `status`; `body`:
    the model of the JSON body the route reads; `query`: the query arguments it reads; `refuses`:
    the statuses an open route answers beyond the error table's (a wrong password's 401)."""
    spec = RouteSpec(method=method, url=url, status=status, authenticated=authenticated, body=body,
                     answers=answers, query=tuple(query), refuses=tuple(refuses))

    def decorate(fn):
        @functools.wraps(fn)
        def entrypoint(self, request, **params):
            correlation_id = start_request(self, request)
            self.caller.data[ROUTE_KEY] = f"{method} {url}"  # for the audit record of a write
            try:
                check_request(self.limits, request, params)
                if authenticated:
                    authenticate(self, request, correlation_id)
                    check_references(self, request, params)
                identify_write(self, request)
                result = fn(self, request, **params)
            except Exception as exc:
                return error_response(exc, correlation_id)
            return auth.with_cookies(request, json_response(status, result, {"X-Request-ID": correlation_id}))

        entrypoint.route_spec = spec
        return http(method, url)(entrypoint)

    return decorate
