"""One settings loader for every service: environment variables in, a frozen object out.

A bad or missing value stops the process at start with a message naming the variable and the
reason, instead of failing on the first request an hour later.
"""
from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field
from typing import Mapping
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SERVICE_NAMES = ("members", "activities", "points", "notify", "dues", "gateway")


class ConfigError(Exception):
    """A configuration value is missing or malformed; the message names the variable."""


def _require_url(env: Mapping[str, str], name: str, default: str, schemes: tuple[str, ...]) -> str:
    value = env.get(name, default)
    parsed = urlparse(value)
    if parsed.scheme not in schemes:
        raise ConfigError(f"{name}: expected a URL with scheme {' or '.join(schemes)}, got {value!r}")
    if not parsed.hostname:
        raise ConfigError(f"{name}: the URL has no host: {value!r}")
    return value


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0, maximum: int = 1 << 30) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}: expected a whole number, got {raw!r}") from None
    if not minimum <= value <= maximum:
        raise ConfigError(f"{name}: must be between {minimum} and {maximum}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float, minimum: float = 0.0) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}: expected a number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name}: must be at least {minimum}, got {value}")
    return value


def _delays(env: Mapping[str, str], name: str, default: str) -> tuple[int, ...]:
    raw = env.get(name, default)
    try:
        delays = tuple(int(part) for part in raw.split(",") if part.strip())
    except ValueError:
        raise ConfigError(f"{name}: expected comma-separated milliseconds, got {raw!r}") from None
    if not delays or any(d <= 0 for d in delays):
        raise ConfigError(f"{name}: expected at least one positive delay in milliseconds, got {raw!r}")
    return delays


def _timezone(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, default)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{name}: unknown time zone {value!r} (use an IANA name such as Asia/Shanghai)") from None
    return value


def _address(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name) or default
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise ConfigError(f"{name}: expected an IP address to listen on, such as 127.0.0.1 or 0.0.0.0, got {value!r}") from None
    return value


@dataclass(frozen=True)
class Settings:
    service: str
    amqp_uri: str
    database_url: str
    db_schema: str
    metrics_port: int
    metrics_bind_address: str
    http_port: int
    http_bind_address: str
    max_request_bytes: int
    max_workers: int
    db_pool_size: int
    db_ping_idle_seconds: float
    default_timezone: str
    outbox_poll_seconds: float
    outbox_batch_size: int
    retry_delays_ms: tuple[int, ...]
    delivery_limit: int
    platform_admin_token: str
    credential_secret: str
    wecom_api_base: str
    dingtalk_api_base: str
    log_level: str
    log_format: str
    prestart_timeout_seconds: float
    rpc_timeout_seconds: float
    business_gauge_seconds: float
    pairing_scan_interval_seconds: float
    event_batch_size: int
    event_batch_wait_ms: int
    event_batches_in_flight: int
    retention_sweep_seconds: float
    processed_events_keep_days: int
    idempotency_keys_keep_hours: int
    audit_log_keep_days: int
    watchdog_stall_seconds: float
    stop_timeout_seconds: float
    extra: dict = field(default_factory=dict)

    @property
    def nameko_config(self) -> dict:
        """The config dict nameko containers take, derived from these settings."""
        return {
            "AMQP_URI": self.amqp_uri,
            "max_workers": self.max_workers,
            "WEB_SERVER_ADDRESS": f"{self.http_bind_address}:{self.http_port}",
            "serializer": "json",
            "SETTINGS": self,
        }


def load(service: str, env: Mapping[str, str] | None = None) -> Settings:
    """Read settings for `service` from `env` (default: the process environment)."""
    env = os.environ if env is None else env
    if service not in SERVICE_NAMES:
        raise ConfigError(f"service: unknown service {service!r}; expected one of {', '.join(SERVICE_NAMES)}")
    schema = env.get("DB_SCHEMA", service)
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", schema):
        raise ConfigError(f"DB_SCHEMA: must be a lowercase SQL identifier, got {schema!r}")
    platform_token = env.get("PLATFORM_ADMIN_TOKEN", "")
    if service == "gateway" and len(platform_token) < 16:
        raise ConfigError("PLATFORM_ADMIN_TOKEN: required by the gateway, at least 16 characters")
    # The gateway signs session credentials with a key from this secret; every replica must share
    # it. Unset: derived from PLATFORM_ADMIN_TOKEN (shared by the replicas already), so a
    # deployment works as it is and may still give sessions a secret of their own to rotate.
    credential_secret = env.get("CREDENTIAL_SECRET") or platform_token
    if service == "gateway" and env.get("CREDENTIAL_SECRET") and len(credential_secret) < 32:
        raise ConfigError("CREDENTIAL_SECRET: at least 32 characters")
    log_format = env.get("LOG_FORMAT", "json")
    if log_format not in ("json", "text"):
        raise ConfigError(f"LOG_FORMAT: expected json or text, got {log_format!r}")
    default_ports = {"gateway": 9100, "members": 9101, "activities": 9102, "points": 9103, "notify": 9104,
                     "dues": 9105}
    return Settings(
        service=service,
        amqp_uri=_require_url(env, "AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/", ("amqp", "amqps", "pyamqp")),
        database_url=_require_url(
            env, "DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/branch_rhythm",
            ("postgresql", "postgresql+psycopg2"),
        ),
        db_schema=schema,
        metrics_port=_int(env, "METRICS_PORT", default_ports[service], 0, 65535),
        # Loopback unless told otherwise: a container sets 0.0.0.0 explicitly (docker-compose.yml,
        # deploy/k8s), so a process started on a shared host is not reachable from the network.
        metrics_bind_address=_address(env, "METRICS_BIND_ADDRESS", "127.0.0.1"),
        http_port=_int(env, "HTTP_PORT", 8000, 1, 65535),
        http_bind_address=_address(env, "HTTP_BIND_ADDRESS", "127.0.0.1"),
        # The largest request body the gateway reads (a roster file travels base64 in JSON).
        max_request_bytes=_int(env, "MAX_REQUEST_BYTES", 16 << 20, 1024, 1 << 30),
        max_workers=_int(env, "MAX_WORKERS", 10, 1, 1000),
        db_pool_size=_int(env, "DB_POOL_SIZE", 10, 1, 200),
        db_ping_idle_seconds=_float(env, "DB_PING_IDLE_SECONDS", 5.0),
        default_timezone=_timezone(env, "DEFAULT_TIMEZONE", "Asia/Shanghai"),
        outbox_poll_seconds=_float(env, "OUTBOX_POLL_SECONDS", 1.0, 0.01),
        outbox_batch_size=_int(env, "OUTBOX_BATCH_SIZE", 200, 1, 10000),
        retry_delays_ms=_delays(env, "RETRY_DELAYS_MS", "1000,5000,30000"),
        delivery_limit=_int(env, "DELIVERY_LIMIT", 20, 1, 1000),
        platform_admin_token=platform_token,
        credential_secret=credential_secret,
        # Where members asks WeCom and DingTalk for the user id behind a sign-in code (a test
        # points them at stand-ins on loopback).
        wecom_api_base=_require_url(env, "WECOM_API_BASE", "https://qyapi.weixin.qq.com", ("https", "http")),
        dingtalk_api_base=_require_url(env, "DINGTALK_API_BASE", "https://oapi.dingtalk.com", ("https", "http")),
        log_level=env.get("LOG_LEVEL", "INFO").upper(),
        log_format=log_format,
        prestart_timeout_seconds=_float(env, "PRESTART_TIMEOUT_SECONDS", 60.0, 1.0),
        rpc_timeout_seconds=_float(env, "RPC_TIMEOUT_SECONDS", 10.0, 0.1),
        business_gauge_seconds=_float(env, "BUSINESS_GAUGE_SECONDS", 30.0, 0.1),
        pairing_scan_interval_seconds=_float(env, "PAIRING_SCAN_INTERVAL_SECONDS", 3600.0, 0.05),
        event_batch_size=_int(env, "EVENT_BATCH_SIZE", 100, 1, 1000),
        event_batch_wait_ms=_int(env, "EVENT_BATCH_WAIT_MS", 5, 0, 10000),
        event_batches_in_flight=_int(env, "EVENT_BATCHES_IN_FLIGHT", 2, 1, 100),
        retention_sweep_seconds=_float(env, "RETENTION_SWEEP_SECONDS", 3600.0, 1.0),
        # Floors: a day of events is within reach of a broker outage; an hour is far beyond any
        # RPC timeout, and a client retrying with its Idempotency-Key does so within minutes.
        # See services.common.retention.
        processed_events_keep_days=_int(env, "PROCESSED_EVENTS_KEEP_DAYS", 30, 1, 3650),
        idempotency_keys_keep_hours=_int(env, "IDEMPOTENCY_KEYS_KEEP_HOURS", 24, 1, 24 * 3650),
        # The audit log members keeps for reading: five years unless a deployment says otherwise.
        audit_log_keep_days=_int(env, "AUDIT_LOG_KEEP_DAYS", 1826, 1, 36500),
        # The watchdog ends a process whose event loop stood still this long, or whose stop took
        # longer than STOP_TIMEOUT_SECONDS (below the 30 s grace compose and Kubernetes give).
        watchdog_stall_seconds=_float(env, "WATCHDOG_STALL_SECONDS", 30.0, 2.0),
        stop_timeout_seconds=_float(env, "STOP_TIMEOUT_SECONDS", 25.0, 1.0),
    )


def from_container(container) -> Settings:
    """The Settings a nameko container was started with (see `Settings.nameko_config`)."""
    settings = container.config.get("SETTINGS")
    if settings is None:
        raise ConfigError("SETTINGS: the nameko config carries no Settings; start services through services.launch")
    return settings
