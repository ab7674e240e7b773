"""Notify's own deployment settings, read from the environment once when the service starts.

services.common.settings covers what every service shares; the mail relay and the delivery
pacing belong to notify alone. A malformed value stops the container at start, naming the
variable. Email is optional: without NOTIFY_SMTP_HOST the email channel records its deliveries
as permanently failed ("email is not configured") instead of guessing a relay.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Mapping

from services.common.settings import ConfigError

_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# The hosts of the WeCom and DingTalk group robots' webhooks.
ROBOT_HOSTS = "qyapi.weixin.qq.com,oapi.dingtalk.com"
_HOST = re.compile(r"^[a-z0-9]([a-z0-9.:-]{0,252})$")


def _hosts(env: Mapping[str, str], name: str, default: str) -> frozenset:
    hosts = frozenset(h.strip().lower() for h in (env.get(name) or default).split(",") if h.strip())
    bad = sorted(h for h in hosts if not _HOST.match(h))
    if not hosts or bad:
        raise ConfigError(f"{name}: expected comma-separated host names, got {env.get(name)!r}")
    return hosts


@dataclass(frozen=True)
class NotifySettings:
    smtp_host: str | None
    smtp_port: int
    smtp_from: str | None
    smtp_user: str | None
    smtp_password: str | None
    smtp_starttls: bool
    smtp_timeout_seconds: float
    http_timeout_seconds: float
    poll_seconds: float
    batch_size: int
    max_attempts: int
    backoff_base_seconds: float
    backoff_max_seconds: float
    robot_limit: int
    robot_window_seconds: float
    scan_seconds: float
    duty_reminder_days: int
    robot_hosts: frozenset
    robot_private_networks: bool

    @property
    def email_enabled(self) -> bool:
        return self.smtp_host is not None


def _number(env: Mapping[str, str], name: str, default, kind, minimum, maximum=None):
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{name}: expected a {'whole ' if kind is int else ''}number, got {raw!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise ConfigError(f"{name}: must be {bound}, got {raw}")
    return value


def load(env: Mapping[str, str] | None = None) -> NotifySettings:
    env = os.environ if env is None else env
    host = env.get("NOTIFY_SMTP_HOST") or None
    sender = env.get("NOTIFY_SMTP_FROM") or None
    if host is not None and sender is None:
        raise ConfigError("NOTIFY_SMTP_FROM: required when NOTIFY_SMTP_HOST is set (the From address)")
    if sender is not None and not _ADDRESS.match(sender):
        raise ConfigError(f"NOTIFY_SMTP_FROM: expected an email address, got {sender!r}")
    starttls = env.get("NOTIFY_SMTP_STARTTLS", "false").lower()
    if starttls not in ("true", "false", "1", "0"):
        raise ConfigError(f"NOTIFY_SMTP_STARTTLS: expected true or false, got {starttls!r}")
    backoff_base = _number(env, "NOTIFY_BACKOFF_BASE_SECONDS", 5.0, float, 0.001)
    private = env.get("NOTIFY_ROBOT_PRIVATE_NETWORKS", "false").lower()
    if private not in ("true", "false", "1", "0"):
        raise ConfigError(f"NOTIFY_ROBOT_PRIVATE_NETWORKS: expected true or false, got {private!r}")
    return NotifySettings(
        smtp_host=host,
        smtp_port=_number(env, "NOTIFY_SMTP_PORT", 25, int, 1, 65535),
        smtp_from=sender,
        smtp_user=env.get("NOTIFY_SMTP_USER") or None,
        smtp_password=env.get("NOTIFY_SMTP_PASSWORD") or None,
        smtp_starttls=starttls in ("true", "1"),
        smtp_timeout_seconds=_number(env, "NOTIFY_SMTP_TIMEOUT_SECONDS", 10.0, float, 0.1),
        http_timeout_seconds=_number(env, "NOTIFY_HTTP_TIMEOUT_SECONDS", 10.0, float, 0.1),
        poll_seconds=_number(env, "NOTIFY_POLL_SECONDS", 1.0, float, 0.01),
        batch_size=_number(env, "NOTIFY_BATCH_SIZE", 50, int, 1, 10000),
        max_attempts=_number(env, "NOTIFY_MAX_ATTEMPTS", 8, int, 1, 100),
        backoff_base_seconds=backoff_base,
        backoff_max_seconds=_number(env, "NOTIFY_BACKOFF_MAX_SECONDS", max(600.0, backoff_base), float, backoff_base),
        # The robots' documented limit: 20 messages a minute per webhook.
        robot_limit=_number(env, "NOTIFY_ROBOT_LIMIT", 20, int, 1, 1000),
        robot_window_seconds=_number(env, "NOTIFY_ROBOT_WINDOW_SECONDS", 60.0, float, 0.01),
        scan_seconds=_number(env, "NOTIFY_SCAN_SECONDS", 600.0, float, 0.1),
        # "Near month end": the four-duties reminder goes out this many days before the last day.
        duty_reminder_days=_number(env, "NOTIFY_DUTY_REMINDER_DAYS", 5, int, 0, 27),
        # Where a robot's webhook may point (see services.notify.channels.check_robot_url): the
        # two robot services by default; a private gateway or a test's stand-in is added here, and
        # addresses on loopback or private networks are reachable only with the second setting.
        robot_hosts=_hosts(env, "NOTIFY_ROBOT_HOSTS", ROBOT_HOSTS),
        robot_private_networks=private in ("true", "1"),
    )
