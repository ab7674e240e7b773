"""Turn untrusted input into a validated model or an `InvalidInput` naming each bad field."""
from __future__ import annotations

import uuid
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from services.common.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], payload) -> M:
    if not isinstance(payload, dict):
        raise InvalidInput.field("body", "expected a JSON object")
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise InvalidInput.from_pydantic(exc) from None


def parse_uuid(value, field: str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise InvalidInput.field(field, "must be a UUID") from None
