from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from services.common.errors import ContractViolation

_REGISTRY: dict[tuple[str, str], type["Event"]] = {}


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Event(BaseModel):
    """Envelope shared by every event. Subclasses set `source` and `event_type`.

    `source` is the publishing service: nameko routes events on the `<source>.events` exchange
    with `event_type` as the routing key, so a consumer subscribes with exactly these two names.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: ClassVar[str]
    event_type: ClassVar[str]
    # A field whose value is added to the routing key (`<event_type>.<value>`), so a consumer that
    # wants only some values binds to those and is not handed the rest (see `routing_key`).
    routed_by: ClassVar[str | None] = None
    schema_version: int = 1

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    tenant_id: uuid.UUID
    occurred_at: datetime = Field(default_factory=_now)
    correlation_id: str | None = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "event_type" in cls.__dict__:
            key = (cls.source, cls.event_type)
            if key in _REGISTRY:
                raise TypeError(f"event {key} is defined twice")
            _REGISTRY[key] = cls

    @field_validator("occurred_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("must carry a time zone (UTC is stored)")
        return value.astimezone(timezone.utc)

    @classmethod
    def routing_key(cls, payload: dict) -> str:
        """The routing key this event is published with: its type, then the `routed_by` value."""
        if cls.routed_by is None:
            return cls.event_type
        return f"{cls.event_type}.{payload[cls.routed_by]}"

    def to_message(self) -> dict:
        """The JSON body published on the wire."""
        body = self.model_dump(mode="json")
        body["event_type"] = self.event_type
        return body


def contract_for(source: str, event_type: str) -> type[Event]:
    try:
        return _REGISTRY[(source, event_type)]
    except KeyError:
        raise ContractViolation(f"no contract for event {source}.{event_type}") from None


def routing_key_of(source: str, event_type: str, payload: dict) -> str:
    contract = _REGISTRY.get((source, event_type))
    return contract.routing_key(payload) if contract is not None else event_type


def registered_events() -> dict[tuple[str, str], type[Event]]:
    return dict(_REGISTRY)


def parse_event(contract: type[Event], payload) -> Event:
    if not isinstance(payload, dict):
        raise ContractViolation(f"payload: expected a JSON object, got {type(payload).__name__}")
    body = dict(payload)
    declared_type = body.pop("event_type", contract.event_type)
    if declared_type != contract.event_type:
        raise ContractViolation(f"event_type: expected {contract.event_type!r}, got {declared_type!r}")
    version = body.get("schema_version", 1)
    if version != contract.model_fields["schema_version"].default:
        raise ContractViolation(
            f"schema_version: {contract.event_type} v{version} is not understood "
            f"(this consumer reads v{contract.model_fields['schema_version'].default})"
        )
    try:
        return contract.model_validate(body)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'payload'}: {e['msg']}" for e in exc.errors()
        )
        raise ContractViolation(f"{contract.event_type} v{version} invalid: {problems}") from None
