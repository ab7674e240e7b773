"""The gateway's JSON parsing: hostile bodies answer 400 naming the field, never 500."""
import json

import pytest

from services.common.errors import InvalidInput
from services.gateway.parsing import parse_json_object


def _field(raw: str) -> str:
    with pytest.raises(InvalidInput) as caught:
        parse_json_object(raw.encode())
    [problem] = caught.value.details
    return problem["field"]


@pytest.mark.parametrize("raw, field", [
    ('{"name": ' + "[" * 100_000 + "]" * 100_000 + "}", "body"),
    ('{"name": ' + "[" * 500 + "]" * 500 + "}", "name.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0"),
    ('{"quantity": 1' + "0" * 5000 + "}", "quantity"),
    ('{"quantity": -1' + "0" * 30 + "}", "quantity"),
    ('{"a": {"offset": 99999999999999999999}}', "a.offset"),
    ('{"quantity": 1e999}', "quantity"),
    ('{"quantity": NaN}', "quantity"),
    ('{"name": "a\\u0000b"}', "name"),
    ('{"a\\u0000": 1}', "body"),
    ("[1]", "body"),
    ("{", "body"),
])
def test_hostile_json_is_refused_naming_the_field(raw, field):
    assert _field(raw) == field


def test_not_utf8_is_refused():
    with pytest.raises(InvalidInput, match="UTF-8"):
        parse_json_object(b'{"name": "\xff"}')


def test_ordinary_bodies_parse_as_before():
    body = {"name": "王芳", "n": 9223372036854775807, "x": -1.5, "nested": [{"ok": True}], "none": None}
    assert parse_json_object(json.dumps(body, ensure_ascii=False).encode()) == body


def test_the_body_is_read_once_and_served_to_every_reader():
    """The write's fingerprint reads the body before the route parses it: both see all of it."""
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    from services.gateway.parsing import json_body, read_body

    request = Request(EnvironBuilder(method="POST", data=b'{"name": "\xe6\x9d\x8e\xe6\x98\x8e"}',
                                     content_type="application/json").get_environ())
    request.max_content_length = 1024
    assert read_body(request) == b'{"name": "\xe6\x9d\x8e\xe6\x98\x8e"}'
    assert json_body(request) == {"name": "李明"}
