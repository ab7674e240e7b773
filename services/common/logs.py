"""Structured logs: one JSON object per line, with service, tenant and correlation id.

The correlation id enters at the gateway (X-Request-ID or a new one), travels in nameko's
context data through RPC, into the outbox row's headers, onto the event and into every
consumer's worker, so one request can be followed across every service's log.
"""
from __future__ import annotations

import json
import logging
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
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(service: str, level: str = "INFO", fmt: str = "json") -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.addFilter(_ContextFilter(service))
    handler.addFilter(_ExpectedErrorFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(
            "%(asctime)s %(levelname)s %(service)s [%(correlation_id)s] %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
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
