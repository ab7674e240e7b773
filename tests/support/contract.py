"""Every answer a test receives from the gateway, checked against the OpenAPI document.

`tests.support.infra.Api` calls `check_answer` on each response: an answer with a status the
document does not list for its operation, or a body its schema refuses, fails the test that
received it, naming the operation and the first disagreement. So the route tests of every area
are also the proof that the document tells the truth.
"""
from __future__ import annotations

import functools
import re
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker

from services.gateway.openapi import document


@functools.cache
def _operations() -> list[tuple[re.Pattern, str, str]]:
    """(path regex, path template, method) for every operation; literal paths before templated
    ones, so /v1/activities/pending is not taken for /v1/activities/{activity_id}."""
    found = []
    for template, operations in document()["paths"].items():
        pattern = re.compile("^" + re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(template)) + "$")
        for method in operations:
            found.append((pattern, template, method))
    return sorted(found, key=lambda item: (item[1].count("{"), item[1]))


def operation_of(method: str, path: str) -> tuple[str, dict] | None:
    for pattern, template, operation_method in _operations():
        if operation_method == method.lower() and pattern.match(path):
            return template, document()["paths"][template][operation_method]
    return None


@functools.cache
def _validator(template: str, method: str, status: str) -> Draft202012Validator:
    response = document()["paths"][template][method]["responses"][status]
    (media_type, content), = response["content"].items()
    root = {**content["schema"], "components": document()["components"]}
    return Draft202012Validator(root, format_checker=FormatChecker())


def disagreement(method: str, path: str, status: int, content_type: str, body) -> str | None:
    """Why this answer disagrees with the document, or None when it agrees."""
    found = operation_of(method, path)
    if found is None:
        return f"{method} {path}: no operation in the document"
    template, operation = found
    where = f"{method.upper()} {template} ({operation['operationId']}) answered {status}"
    responses = operation["responses"]
    if str(status) not in responses:
        return f"{where}: the document lists only {sorted(responses)}"
    (media_type, _), = responses[str(status)]["content"].items()
    if not content_type.startswith(media_type):
        return f"{where} as {content_type}, documented {media_type}"
    if media_type != "application/json":
        return None
    error = next(iter(_validator(template, method.lower(), str(status)).iter_errors(body)), None)
    if error is None:
        return None
    at = "/".join(str(part) for part in error.absolute_path) or "(the body)"
    return f"{where}: at {at}: {error.message[:300]}"


def check_answer(method: str, url: str, response) -> None:
    path = urlsplit(url).path
    if not path.startswith("/v1/"):
        return
    content_type = response.headers.get("Content-Type", "")
    body = response.json() if content_type.startswith("application/json") else None
    problem = disagreement(method, path, response.status_code, content_type, body)
    assert problem is None, f"the answer disagrees with the OpenAPI document: {problem}"
