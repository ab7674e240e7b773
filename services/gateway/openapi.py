"""The OpenAPI 3.1 document of the gateway, built from the route table and the contracts' models.

Nothing here is written by hand per route: each route's `RouteSpec` (services.gateway.spec) gives
its path, method, security, query arguments, body and answer; the pydantic models give the
schemas; the error table (services.gateway.errors) gives the error answers every route shares.
"""
from __future__ import annotations

import functools
import typing

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from services.common.errors import MESSAGE_LIMIT
from services.common.tenancy import IDEMPOTENCY_HEADER
from services.gateway.auth import CSRF_HEADER, SESSION_COOKIE
from services.gateway.request_keys import MAX_KEY_LENGTH
from services.gateway.spec import JSON, SPREADSHEET, RouteSpec

TITLE = "branch-rhythm"
API_VERSION = "1"
REF = "#/components/schemas/{model}"

ERROR = {
    "type": "object",
    "description": "Every error answer. `error` is the code; `details` names each bad field for invalid_input.",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "examples": ["invalid_input", "not_found", "conflict"]},
        "message": {"type": "string", "maxLength": MESSAGE_LIMIT + 40},
        "details": {"anyOf": [{"type": "array", "items": {"$ref": "#/components/schemas/FieldProblem"}},
                              {"type": "object"}]},
        "request_id": {"type": "string"},
    },
    # invalid_input always names its fields.
    "if": {"properties": {"error": {"const": "invalid_input"}}},
    "then": {"required": ["details"],
             "properties": {"details": {"type": "array", "items": {"$ref": "#/components/schemas/FieldProblem"}}}},
}
FIELD_PROBLEM = {
    "type": "object",
    "description": "One bad field: its dotted path in the body (or the query argument, or the header) and why.",
    "required": ["field", "reason"],
    "properties": {"field": {"type": "string"}, "reason": {"type": "string"}},
}

# status: (error codes, when), for the answers the error table gives (services.gateway.errors).
ERRORS = {
    400: ("invalid_input", "a field, query argument or header is invalid: `details[].field` names each"),
    401: ("unauthenticated", "no bearer token or session, or one that is unknown, ended or revoked"),
    403: ("forbidden", "the caller's roles or branches do not allow this, or a cookie-signed write lacks its CSRF token"),
    404: ("not_found", "no such thing in the caller's college (another college's things answer the same)"),
    409: ("conflict, idempotency_key_reused", "the request contradicts the current state, or its Idempotency-Key "
                                               "carried out another request"),
    413: ("payload_too_large", "the body is larger than MAX_REQUEST_BYTES"),
    429: ("too_many_attempts", "too many failed attempts: locked for Retry-After seconds"),
    422: ("a domain code", "the request is well formed but the rules refuse it"),
    503: ("service_unavailable", "a service this request needs is down or slow: send it again (Retry-After)"),
}


def _error_statuses(spec: RouteSpec) -> list[int]:
    statuses = [400]
    if spec.authenticated:
        statuses += [401, 403, 404]
    if spec.is_write:
        statuses.append(409)
    if spec.body is not None:
        statuses.append(413)
    return sorted(set(statuses + [422, 503, *spec.refuses]))


def _answer_model(answers) -> tuple[type[BaseModel] | None, bool]:
    """The model an answer is made of, and whether the answer is a list of it."""
    if typing.get_origin(answers) is list:
        return typing.get_args(answers)[0], True
    if isinstance(answers, type) and issubclass(answers, BaseModel):
        return answers, False
    return None, False


def _schemas(routes: list[RouteSpec]) -> tuple[dict, dict]:
    """Every model's schema under components, and each (model, mode)'s reference."""
    pairs = []
    for spec in routes:
        if spec.body is not None:
            pairs.append((spec.body, "validation"))
        model, _ = _answer_model(spec.answers)
        if model is not None:
            pairs.append((model, "serialization"))
    refs, definitions = models_json_schema(list(dict.fromkeys(pairs)), ref_template=REF)
    return refs, definitions.get("$defs", {})


def _parameters(spec: RouteSpec) -> list[dict]:
    parameters = [{"name": name, "in": "path", "required": True,
                   "schema": {"type": "string", "format": "uuid"} if name.endswith("_id") else {"type": "string"}}
                  for name in spec.path_params]
    for query in spec.query:
        parameter = {"name": query.name, "in": "query", "required": query.required, "schema": query.schema}
        if query.description:
            parameter["description"] = query.description
        parameters.append(parameter)
    if spec.is_write:
        parameters.append({
            "name": IDEMPOTENCY_HEADER, "in": "header", "required": False,
            "description": "a key of the client's choosing: the same key with the same request answers the first "
                           "answer again and changes nothing more",
            "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": "^[\\x20-\\x7e]+$"},
        })
    return parameters


def _answer(spec: RouteSpec, refs: dict) -> dict:
    if spec.answers is SPREADSHEET:
        return {"description": "a spreadsheet", "content": {spec.media_type: {
            "schema": {"type": "string", "contentMediaType": spec.media_type}}}}
    model, many = _answer_model(spec.answers)
    schema = refs[(model, "serialization")]
    if many:
        schema = {"type": "array", "items": schema}
    return {"description": model.__doc__.strip().splitlines()[0] if model.__doc__ else model.__name__,
            "content": {JSON: {"schema": schema}}}


# Either way in: a bearer token (scripts) or the session's cookies (browsers); an open route
# (sign-in, the document, the docs page) lists neither.
SIGNED_IN = [{"bearer": []}, {"session": []}]


def operation(spec: RouteSpec, refs: dict) -> dict:
    responses = {str(spec.status): _answer(spec, refs)}
    for status in _error_statuses(spec):
        codes, when = ERRORS[status]
        responses[str(status)] = {"description": f"{codes}: {when}",
                                  "content": {JSON: {"schema": {"$ref": "#/components/schemas/Error"}}}}
    body = {}
    if spec.body is not None:
        body = {"requestBody": {"required": True, "content": {JSON: {"schema": refs[(spec.body, "validation")]}}}}
    return {
        "operationId": spec.name,
        "tags": [spec.area],
        "summary": spec.name.replace("_", " "),
        "security": SIGNED_IN if spec.authenticated else [],
        "parameters": _parameters(spec),
        **body,
        "responses": responses,
    }


def build(routes: list[RouteSpec]) -> dict:
    refs, definitions = _schemas(routes)
    paths: dict[str, dict] = {}
    for spec in routes:
        paths.setdefault(spec.path, {})[spec.method.lower()] = operation(spec, refs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE, "version": API_VERSION,
            "description": "The HTTP API of the Party branches' roster, activities, points, notifications and dues. "
                           "Every write accepts an Idempotency-Key; every answer carries X-Request-ID.",
        },
        "paths": paths,
        "components": {
            "schemas": {**definitions, "Error": ERROR, "FieldProblem": FIELD_PROBLEM},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "a college's API token (issued by POST /v1/members/{member_id}/tokens "
                                          "or at tenant creation), or the platform token"},
                "session": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE,
                            "description": "a browser's session, started by POST /v1/sign-in (the gateway also "
                                           "keeps a short-lived signed credential in __Host-credential); every "
                                           f"write signed in this way carries the session's CSRF token in {CSRF_HEADER}"},
            },
        },
    }


@functools.cache
def document() -> dict:
    """The gateway's document, built once per process."""
    from services.gateway.routes import table

    return build(table())
