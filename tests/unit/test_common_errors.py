from nameko.exceptions import deserialize, serialize

from services.common.errors import Conflict, InvalidInput, NotFound


def test_domain_errors_survive_rpc_serialisation_with_details():
    original = InvalidInput.field("occurred_on", "cannot be in the future")
    restored = deserialize(serialize(original))
    assert type(restored) is InvalidInput
    assert restored.as_dict() == {
        "error": "invalid_input", "message": "occurred_on: cannot be in the future",
        "details": [{"field": "occurred_on", "reason": "cannot be in the future"}],
    }


def test_errors_without_details_do_not_grow_a_none():
    restored = deserialize(serialize(NotFound("member not found")))
    assert type(restored) is NotFound
    assert restored.as_dict() == {"error": "not_found", "message": "member not found"}
    assert deserialize(serialize(Conflict("x"))).details is None
