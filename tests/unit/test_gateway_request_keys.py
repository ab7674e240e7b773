import pytest

from services.common.errors import InvalidInput
from services.gateway import request_keys


@pytest.mark.parametrize("raw, reason", [
    ("", "must not be empty"),
    ("k" * 256, "at most 255 characters, got 256"),
    ("order\x01-7", "must not contain control characters"),
    ("tab\there", "must not contain control characters"),
    ("del\x7f", "must not contain control characters"),
    ("键-1", "printable ASCII characters only"),
])
def test_a_bad_key_is_refused_naming_the_header(raw, reason):
    with pytest.raises(InvalidInput) as caught:
        request_keys.checked_key(raw)
    assert caught.value.details == [{"field": "Idempotency-Key", "reason": reason}]


def test_a_key_of_printable_ascii_up_to_the_limit_is_taken_as_sent():
    for raw in ("k" * 255, "f47ac10b-58cc-4372-a567-0e02b2c3d479", "form 7: ~!@#$%^&*()"):
        assert request_keys.checked_key(raw) == raw


def test_the_same_key_means_another_request_for_another_tenant_or_caller():
    key = "retry-me"
    base = request_keys.request_key("tenant-a", "person:1", key)
    assert base == request_keys.request_key("tenant-a", "person:1", key)
    others = {request_keys.request_key("tenant-b", "person:1", key),
              request_keys.request_key("tenant-a", "person:2", key),
              request_keys.request_key(None, "person:1", key),
              request_keys.request_key("tenant-a", "person:1", key + "x")}
    assert base not in others and len(others) == 4
    assert len(base) == 64


def test_a_token_without_a_person_scopes_by_the_token_itself():
    assert request_keys.caller_scope("p-1", "token-a") == request_keys.caller_scope("p-1", "token-b") == "person:p-1"
    assert request_keys.caller_scope(None, "token-a") != request_keys.caller_scope(None, "token-b")
    assert "token-a" not in request_keys.caller_scope(None, "token-a")


def test_the_fingerprint_ignores_json_spacing_and_key_order_but_not_content():
    one = request_keys.fingerprint("POST", "/v1/needs", b"", b'{"a": 1, "b": [1, 2]}')
    assert one == request_keys.fingerprint("post", "/v1/needs", b"", b'{"b":[1,2],"a":1}')
    assert one != request_keys.fingerprint("POST", "/v1/needs", b"", b'{"a": 2, "b": [1, 2]}')
    assert one != request_keys.fingerprint("PUT", "/v1/needs", b"", b'{"a": 1, "b": [1, 2]}')
    assert one != request_keys.fingerprint("POST", "/v1/needs/x", b"", b'{"a": 1, "b": [1, 2]}')
    assert one != request_keys.fingerprint("POST", "/v1/needs", b"x=1", b'{"a": 1, "b": [1, 2]}')


def test_a_body_that_is_not_json_is_compared_byte_for_byte():
    assert request_keys.fingerprint("POST", "/p", b"", b"{oops") == request_keys.fingerprint("POST", "/p", b"", b"{oops")
    assert request_keys.fingerprint("POST", "/p", b"", b"{oops") != request_keys.fingerprint("POST", "/p", b"", b"{oops ")
    # No body and JSON null are the same request; parts do not run into each other.
    assert request_keys.fingerprint("POST", "/p", b"", b"") == request_keys.fingerprint("POST", "/p", b"", b"null")
    assert request_keys.fingerprint("POST", "/pa", b"", b"") != request_keys.fingerprint("POST", "/p", b"a", b"")


def test_a_body_nested_too_deeply_for_the_parser_is_compared_byte_for_byte():
    deep = b"[" * 100_000 + b"]" * 100_000
    assert request_keys.fingerprint("POST", "/p", b"", deep) == request_keys.fingerprint("POST", "/p", b"", deep)
