"""The one table from errors to HTTP answers. Every route goes through `to_response`."""
from __future__ import annotations

import json
import logging

from nameko.exceptions import RemoteError
from werkzeug.wrappers import Response

from services.common.connections import unreachable_dependency
from services.common.errors import (
    Conflict, DomainError, Forbidden, InvalidInput, NotFound, PayloadTooLarge, ServiceUnavailable, TooManyAttempts,
    Unauthenticated, clip,
)

log = logging.getLogger(__name__)

STATUS = {
    InvalidInput: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    PayloadTooLarge: 413,
    TooManyAttempts: 429,
    ServiceUnavailable: 503,
}


def json_response(status: int, body, headers: dict | None = None) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, default=str), status=status,
                    mimetype="application/json", headers=headers or {})


def error_response(exc: Exception, correlation_id: str) -> Response:
    headers = {"X-Request-ID": correlation_id}
    for cls, status in STATUS.items():
        if isinstance(exc, cls):
            if status == 401:
                headers["WWW-Authenticate"] = 'Bearer realm="branch-rhythm"'
            if status == 503:
                headers["Retry-After"] = "5"
            if status == 429:
                headers["Retry-After"] = str(exc.retry_after)
            return json_response(status, exc.as_dict(), headers)
    if isinstance(exc, DomainError):
        return json_response(422, exc.as_dict(), headers)
    if unreachable_dependency(exc) is not None:
        # The gateway's own broker connection failed: the request never left, try again shortly.
        log.warning("%s: %s", type(exc).__name__, exc)
        return error_response(ServiceUnavailable(f"{unreachable_dependency(exc)} is unreachable at the moment"),
                              correlation_id)
    if isinstance(exc, RemoteError):
        log.error("downstream error %s: %s", exc.exc_type, clip(str(exc.value)))
    else:
        log.exception("unhandled error in gateway", exc_info=exc)
    return json_response(500, {"error": "internal", "message": "internal error; quote the request id",
                               "request_id": correlation_id}, headers)
