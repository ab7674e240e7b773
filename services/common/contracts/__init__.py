"""Event contracts: one definition per event, used by the publisher and every consumer.

Each event is a versioned pydantic model carrying the envelope fields (`event_id`,
`tenant_id`, `occurred_at`, `schema_version`, `correlation_id`). `parse_event` validates a
received payload against the contract registered for its type; a payload that does not fit
raises `ContractViolation` and the consumer dead-letters it with that reason.

The vocabulary the events share is defined here once too: `Period` (a month) and the four
duties (`Duty`, `FOUR_DUTIES`).
"""
from services.common.contracts.base import (  # noqa: F401
    Event,
    contract_for,
    parse_event,
    registered_events,
    routing_key_of,
)
from services.common.contracts.duties import FOUR_DUTIES, Duty  # noqa: F401
from services.common.contracts.period import PERIOD_PATTERN, Period  # noqa: F401
from services.common.contracts import (  # noqa: F401  (registration)
    activities, audit, development, dues, members, notify, pairing, points, transfers,
)
