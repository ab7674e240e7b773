"""JSON log lines: context fields, and expected domain errors without tracebacks."""
import io
import json
import logging

from services.common import logs


def _capture(name: str, level: int, message: str, exc: Exception | None = None, *args) -> dict:
    stream = io.StringIO()
    handler = logs.handler("members", "json", stream)
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    try:
        try:
            raise exc or RuntimeError("boom")
        except Exception:
            logger.log(level, message, *args, exc_info=True)
    finally:
        logger.removeHandler(handler)
    return json.loads(stream.getvalue())


def test_expected_domain_error_is_one_info_line_without_traceback():
    entry = _capture("nameko.containers", logging.WARNING,
                     "(expected) error handling worker <members.get_member>: member not found")
    assert entry["level"] == "info" and "error" not in entry
    assert entry["service"] == "members" and "member not found" in entry["message"]


def test_unexpected_worker_error_keeps_level_and_traceback():
    entry = _capture("nameko.containers", logging.ERROR, "error handling worker <members.get_member>: boom")
    assert entry["level"] == "error" and "RuntimeError: boom" in entry["error"]


def test_client_text_reaches_the_log_escaped_and_cut():
    forged = 'x\n{"level": "error", "message": "forged"}\r\x1b[31mred\x00\u2028\u202e' + "y" * 50_000
    entry = _capture("services.members", logging.WARNING, "refused %s", None, forged)
    message = entry["message"]
    assert "\n" not in message and "\x1b" not in message and "\x00" not in message and "\u202e" not in message
    assert "\\u000a" in message and "\\u001b[31mred" in message and "\\u202e" in message
    assert len(message) < logs.MESSAGE_LIMIT + 100 and "more characters" in message


def test_text_format_keeps_one_line_per_record():
    stream = io.StringIO()
    handler = logs.handler("members", "text", stream)
    logger = logging.getLogger("services.members")
    logger.addHandler(handler)
    try:
        logger.warning("name %r", "a\nFAKE 2026-11-30 ERROR members: forged")
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue().count("\n") == 1 and "FAKE" in stream.getvalue()
