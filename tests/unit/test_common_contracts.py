import uuid
from datetime import datetime, timezone

import pytest

from services.common.contracts import parse_event, registered_events
from services.common.contracts.activities import ActivityLogged
from services.common.errors import ContractViolation


def valid_activity(**overrides) -> dict:
    event = ActivityLogged(
        tenant_id=uuid.uuid4(), activity_id=uuid.uuid4(), member_id=uuid.uuid4(), org_unit_id=uuid.uuid4(),
        kind="theory_reading", occurred_on="2026-11-05", period="2026-11", status="approved",
    )
    body = event.to_message()
    body.update(overrides)
    return body


def test_round_trip_keeps_every_field():
    body = valid_activity()
    event = parse_event(ActivityLogged, body)
    assert event.to_message() == body
    assert body["event_type"] == "activity_logged" and body["schema_version"] == 1


def test_every_event_carries_the_envelope():
    for (source, event_type), contract in registered_events().items():
        fields = set(contract.model_fields)
        assert {"event_id", "tenant_id", "occurred_at", "schema_version"} <= fields, (source, event_type)


@pytest.mark.parametrize("overrides, fragment", [
    ({"tenant_id": "not-a-uuid"}, "tenant_id"),
    ({"period": "2026-13"}, "period"),
    ({"schema_version": 2}, "schema_version"),
    ({"event_type": "activity_deleted"}, "event_type"),
    ({"surprise": 1}, "surprise"),
    ({"occurred_at": "2026-11-05T10:00:00"}, "occurred_at"),
])
def test_invalid_payload_names_the_field(overrides, fragment):
    with pytest.raises(ContractViolation) as caught:
        parse_event(ActivityLogged, valid_activity(**overrides))
    assert fragment in str(caught.value)


def test_missing_field_and_non_object_payload():
    body = valid_activity()
    del body["member_id"]
    with pytest.raises(ContractViolation, match="member_id"):
        parse_event(ActivityLogged, body)
    with pytest.raises(ContractViolation, match="JSON object"):
        parse_event(ActivityLogged, ["not", "an", "object"])


def test_occurred_at_is_normalised_to_utc():
    body = valid_activity(occurred_at="2026-11-05T18:00:00+08:00")
    event = parse_event(ActivityLogged, body)
    assert event.occurred_at == datetime(2026, 11, 5, 10, 0, tzinfo=timezone.utc)


def test_activity_logged_is_routed_by_its_kind_and_other_events_by_their_type():
    from services.common.contracts import routing_key_of

    body = {"kind": "pairing_contact"}
    assert routing_key_of("activities", "activity_logged", body) == "activity_logged.pairing_contact"
    assert routing_key_of("points", "points_awarded", {"kind": "org_life"}) == "points_awarded"
    assert routing_key_of("elsewhere", "unknown_event", body) == "unknown_event"


def test_a_handler_can_select_only_on_a_routed_field():
    from services.common.consuming import ReliableEventHandler
    from services.common.contracts.points import PointsAwarded

    with pytest.raises(TypeError, match="no routed_by"):
        ReliableEventHandler(PointsAwarded, only=("org_life",))
