import pytest
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


def test_an_error_echoes_only_a_short_prefix_of_the_offending_value():
    huge = "x" * 5_000_000
    error = InvalidInput.field("name", f"unknown name {huge!r}")
    body = error.as_dict()
    assert len(str(body)) < 1_000 and "more characters" in body["message"]
    assert body["details"][0]["field"] == "name" and len(body["details"][0]["reason"]) < 400
    restored = deserialize(serialize(error))
    assert len(str(restored)) < 400


def test_pydantic_errors_are_clipped_and_a_cross_field_check_names_its_field():
    from pydantic import BaseModel, ValidationError, model_validator

    class Probe(BaseModel):
        a: int = 0

        @model_validator(mode="after")
        def _check(self):
            raise ValueError(f"a: does not fit {'y' * 100_000}")

    with pytest.raises(ValidationError) as caught:
        Probe()
    error = InvalidInput.from_pydantic(caught.value)
    assert error.details[0]["field"] == "a" and len(error.as_dict()["message"]) < 400
