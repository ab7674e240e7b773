"""Structured logs: one JSON object per line, with service, tenant and correlation id.

The correlation id enters at the gateway (X-Request-ID or a new one), travels in nameko's
context data through RPC, into the outbox row's headers, onto the event and into every
consumer's worker, so one request can be followed across every service's log.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time

import eventlet.corolocal
from nameko.extensions import DependencyProvider

from services.common.tenancy import CORRELATION_KEY, TENANT_KEY

_context = eventlet.corolocal.local()


class _ContextFilter(logging.Filter):
    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def filter(self, record):
        record.service = self.service
        record.tenant_id = getattr(_context, "tenant_id", None)
        record.correlation_id = getattr(_context, "correlation_id", None)
        return True


# Characters a client could use to forge or hide log lines: C0 and C1 controls (newlines, escape
# sequences, NUL), the Unicode line and paragraph separators, and the bidirectional overrides.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
MESSAGE_LIMIT = 2000  # a log line names what happened; the whole offending value is not needed
TRACEBACK_LIMIT = 20000


def escape(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """`text` on one line, every unsafe character written as an escape, cut to `limit`."""
    if len(text) > limit:
        text = f"{text[:limit]}… ({len(text) - limit} more characters)"
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class _SafeMessageFilter(logging.Filter):
    """Every message is escaped and cut before any formatter sees it, whoever logged it."""

    def filter(self, record):
        record.msg, record.args = escape(record.getMessage()), None
        return True


class _ExpectedErrorFilter(logging.Filter):
    """nameko logs an entrypoint's expected exception (a DomainError: not found, invalid input)
    as a warning with its traceback. That is an answer to the caller, not a fault: keep one
    info line, so real errors stand out in the logs and in log-based alerts."""

    def filter(self, record):
        if record.name == "nameko.containers" and record.getMessage().startswith("(expected)"):
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "service": getattr(record, "service", None),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("tenant_id", "correlation_id"):
            value = getattr(record, key, None)
            if value:
                entry[key] = value
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)[-TRACEBACK_LIMIT:]
        return json.dumps(entry, ensure_ascii=False)


def handler(service: str, fmt: str = "json", stream=None) -> logging.Handler:
    """The one log handler of a service process: context, expected errors as one line, escaped."""
    out = logging.StreamHandler(stream or sys.stdout)
    out.addFilter(_ContextFilter(service))
    out.addFilter(_ExpectedErrorFilter())
    out.addFilter(_SafeMessageFilter())
    if fmt == "json":
        out.setFormatter(JsonFormatter())
    else:
        out.setFormatter(logging.Formatter(
            "%(asctime)s %(levelname)s %(service)s [%(correlation_id)s] %(name)s: %(message)s"))
    return out


def configure(service: str, level: str = "INFO", fmt: str = "json") -> None:
    root = logging.getLogger()
    root.handlers[:] = [handler(service, fmt)]
    root.setLevel(level)
    for noisy in ("amqp", "kombu", "nameko", "urllib3"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


def bind(tenant_id, correlation_id) -> None:
    """Name the tenant and correlation id on the log lines that follow in this green thread. A
    batch handler rebinds per event, so each line names the hop it belongs to."""
    _context.tenant_id = tenant_id
    _context.correlation_id = correlation_id


class LogContext(DependencyProvider):
    """Puts the worker's tenant and correlation id on every log line it writes."""

    def worker_setup(self, worker_ctx):
        bind(worker_ctx.data.get(TENANT_KEY), worker_ctx.data.get(CORRELATION_KEY))

    def worker_teardown(self, worker_ctx):
        _context.tenant_id = None
        _context.correlation_id = None

    def get_dependency(self, worker_ctx):
        return None
