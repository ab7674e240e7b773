"""The errors a service may answer with, and how each crosses RPC and reaches HTTP.

Each class is registered with nameko's `deserialize_to_instance`, so an error raised in
`points` is raised again as the same class in the gateway, which maps it to one HTTP status in
one table (`services.gateway.errors`). Arguments stay JSON-serialisable for that reason.
"""
from __future__ import annotations

import re

from nameko.exceptions import deserialize_to_instance

# An error names the offending value by a short prefix at most: a 20 MB field must not come
# back as a 40 MB answer and a 40 MB log line.
MESSAGE_LIMIT = 300
FIELD_LIMIT = 100


_NAMED_REASON = re.compile(r"(?:Value error, )?([a-z_][a-z0-9_.]*): (.+)", re.S)


def clip(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """`text` cut to `limit` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters)"


def _clipped(details):
    if isinstance(details, dict):
        return {key: _clipped(value) for key, value in details.items()}
    if isinstance(details, list):
        return [_clipped(item) for item in details[:50]]
    if isinstance(details, str):
        return clip(details)
    return details


class DomainError(Exception):
    """Base for expected, user-facing errors. `permanent`: retrying the same input cannot help."""

    code = "error"
    permanent = True

    def __init__(self, message: str, details: list | dict | None = None):
        message, details = clip(str(message)), _clipped(details)
        # nameko rebuilds the error from its args on the far side of an RPC call; a None
        # argument would come back as the string "None", so it is left out.
        super().__init__(*((message,) if details is None else (message, details)))
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return self.message

    def as_dict(self) -> dict:
        body = {"error": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


@deserialize_to_instance
class InvalidInput(DomainError):
    """Input failed validation. `details` lists {field, reason} for each problem."""

    code = "invalid_input"

    @classmethod
    def field(cls, field: str, reason: str) -> "InvalidInput":
        return cls(f"{field}: {reason}", [{"field": field, "reason": reason}])

    @classmethod
    def from_pydantic(cls, exc, prefix: str = "") -> "InvalidInput":
        problems = []
        for err in exc.errors():
            path = ".".join(str(p) for p in err.get("loc", ()) if p != "__root__")
            reason = err.get("msg", "invalid")
            # A check across fields names its field in its message: "occurred_on: give ...".
            named = _NAMED_REASON.match(reason) if not path else None
            if named:
                path, reason = named.group(1), named.group(2)
            path = clip(path, FIELD_LIMIT)
            problems.append({"field": f"{prefix}{path}" if path else prefix.rstrip(".") or "body",
                             "reason": reason})
        summary = "; ".join(f"{p['field']}: {p['reason']}" for p in problems)
        return cls(summary or "invalid input", problems)


@deserialize_to_instance
class NotFound(DomainError):
    """The thing does not exist, or belongs to another tenant (indistinguishable by design)."""

    code = "not_found"


@deserialize_to_instance
class Forbidden(DomainError):
    code = "forbidden"


@deserialize_to_instance
class Unauthenticated(DomainError):
    code = "unauthenticated"


@deserialize_to_instance
class TooManyAttempts(DomainError):
    """Too many failed attempts: locked for `retry_after` seconds, after which it ends by itself."""

    code = "too_many_attempts"

    def __init__(self, message: str, retry_after: int = 60):
        super().__init__(message)
        self.retry_after = retry_after
        self.args = (message, retry_after)


@deserialize_to_instance
class Conflict(DomainError):
    """The request contradicts current state (duplicate key, illegal status jump, ...)."""

    code = "conflict"


@deserialize_to_instance
class IdempotencyKeyReused(Conflict):
    """A client's Idempotency-Key already carried out another request (another body or path)."""

    code = "idempotency_key_reused"


@deserialize_to_instance
class ServiceUnavailable(DomainError):
    """A service this request needs did not answer in time (down, restarting, overloaded).
    Not permanent: the same request may succeed a moment later."""

    code = "service_unavailable"
    permanent = False


class ContractViolation(DomainError):
    """An event failed its schema; consumers dead-letter it with this message as the reason."""

    code = "contract_violation"


@deserialize_to_instance
class PayloadTooLarge(DomainError):
    """The request body is larger than the deployment accepts (MAX_REQUEST_BYTES)."""

    code = "payload_too_large"
