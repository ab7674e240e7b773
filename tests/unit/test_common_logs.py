"""JSON log lines: context fields, and expected domain errors without tracebacks."""
import io
import json
import logging

from services.common import logs


def _capture(name: str, level: int, message: str, exc: Exception | None = None) -> dict:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs._ContextFilter("members"))
    handler.addFilter(logs._ExpectedErrorFilter())
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    try:
        try:
            raise exc or RuntimeError("boom")
        except Exception:
            logger.log(level, message, exc_info=True)
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
