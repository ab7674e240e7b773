"""Notify's settings, backoff and DingTalk signing: pure logic."""
import base64
import hashlib
import hmac
from urllib.parse import parse_qs, urlparse

import pytest

from services.common.settings import ConfigError
from services.notify import channels, delivery, settings


def test_defaults_keep_email_off_and_the_robot_limit_at_twenty():
    s = settings.load({})
    assert not s.email_enabled
    assert (s.robot_limit, s.robot_window_seconds) == (20, 60.0)


@pytest.mark.parametrize("env, variable", [
    ({"NOTIFY_SMTP_HOST": "mail.example.edu"}, "NOTIFY_SMTP_FROM"),
    ({"NOTIFY_SMTP_HOST": "mail.example.edu", "NOTIFY_SMTP_FROM": "not-an-address"}, "NOTIFY_SMTP_FROM"),
    ({"NOTIFY_SMTP_PORT": "seventy"}, "NOTIFY_SMTP_PORT"),
    ({"NOTIFY_SMTP_PORT": "70000"}, "NOTIFY_SMTP_PORT"),
    ({"NOTIFY_SMTP_STARTTLS": "maybe"}, "NOTIFY_SMTP_STARTTLS"),
    ({"NOTIFY_BACKOFF_BASE_SECONDS": "0"}, "NOTIFY_BACKOFF_BASE_SECONDS"),
    ({"NOTIFY_ROBOT_LIMIT": "0"}, "NOTIFY_ROBOT_LIMIT"),
    ({"NOTIFY_POLL_SECONDS": "fast"}, "NOTIFY_POLL_SECONDS"),
])
def test_bad_setting_names_its_variable(env, variable):
    with pytest.raises(ConfigError, match=variable):
        settings.load(env)


def test_backoff_doubles_up_to_its_cap():
    s = settings.load({"NOTIFY_BACKOFF_BASE_SECONDS": "2", "NOTIFY_BACKOFF_MAX_SECONDS": "10"})
    assert [delivery.backoff_seconds(s, n) for n in (1, 2, 3, 4, 5)] == [2, 4, 8, 10, 10]


def test_dingtalk_signature_follows_the_documented_recipe():
    url = channels.dingtalk_signed_url("https://oapi.dingtalk.com/robot/send?access_token=abc", "SECabc123", 1700000000000)
    query = parse_qs(urlparse(url).query)
    assert query["access_token"] == ["abc"] and query["timestamp"] == ["1700000000000"]
    expected = base64.b64encode(hmac.new(b"SECabc123", b"1700000000000\nSECabc123", hashlib.sha256).digest()).decode()
    assert query["sign"] == [expected]
    assert "%2B" in url or "%2F" in url or "%3D" in url  # the base64 is URL-encoded


def test_robot_payload_is_a_text_message():
    assert channels.robot_payload("标题", "正文") == {"msgtype": "text", "text": {"content": "标题\n正文"}}
