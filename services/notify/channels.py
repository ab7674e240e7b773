"""The outside channels: email over SMTP, WeCom and DingTalk group robots.

Each sender either returns (the far side accepted the message) or raises `SendFailed`, which
says whether trying again later can help. Transient: the server could not be reached, answered
5xx, or rate-limited us (HTTP 429, robot errcode 130101 / 45009). Permanent: anything else the
server refused (4xx, a bad address, a robot errcode such as a wrong signature).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import ipaddress
import json
import smtplib
import socket
import ssl
import time
import urllib.parse
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from services.notify.settings import NotifySettings

CHANNELS = ("inbox", "email", "wecom", "dingtalk")
ROBOT_CHANNELS = ("wecom", "dingtalk")
# 130101: DingTalk "sending too fast"; 45009: WeCom "api freq out of limit".
ROBOT_RATE_LIMIT_CODES = {130101, 45009}


class SendFailed(Exception):
    def __init__(self, reason: str, *, permanent: bool, rate_limited: bool = False):
        super().__init__(reason)
        self.reason = reason[:1000]
        self.permanent = permanent
        self.rate_limited = rate_limited


def send_email(settings: NotifySettings, to: str, subject: str, body: str) -> None:
    if not settings.email_enabled:
        raise SendFailed("email is not configured (NOTIFY_SMTP_HOST is unset)", permanent=True)
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.smtp_from.split("@", 1)[1])
    message.set_content(body, charset="utf-8")
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password or "")
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        raise SendFailed(f"recipient refused: {exc.recipients}", permanent=all(c >= 500 for c in codes)) from None
    except smtplib.SMTPResponseException as exc:
        detail = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        raise SendFailed(f"SMTP {exc.smtp_code}: {detail}", permanent=exc.smtp_code >= 500) from None
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError) as exc:
        raise SendFailed(f"SMTP server unreachable: {exc}", permanent=False) from None
    except smtplib.SMTPException as exc:
        raise SendFailed(f"SMTP: {exc}", permanent=True) from None


def dingtalk_signed_url(webhook_url: str, secret: str, timestamp_ms: int | None = None) -> str:
    """DingTalk's signature: base64(HMAC-SHA256(secret, "<timestamp>\\n<secret>")), URL-encoded."""
    timestamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    separator = "&" if urllib.parse.urlparse(webhook_url).query else "?"
    return f"{webhook_url}{separator}timestamp={timestamp}&sign={sign}"


def robot_payload(title: str, body: str) -> dict:
    # Plain text is the one message type both robots accept with the same shape.
    return {"msgtype": "text", "text": {"content": f"{title}\n{body}"}}


class RobotTargetRefused(ValueError):
    """A webhook URL this deployment will not send to; the message says why."""


class RobotTargetUnresolved(RobotTargetRefused):
    """The webhook's host did not resolve (now): may work later."""


@dataclass(frozen=True)
class RobotTarget:
    host: str
    port: int
    path: str  # with the query
    https: bool
    address: str  # the checked address the request goes to


def _resolve(host: str, port: int) -> list[str]:
    try:
        return sorted({info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})
    except (OSError, UnicodeError) as exc:
        raise RobotTargetUnresolved(f"host {host} does not resolve ({exc})") from None


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def robot_target(settings: NotifySettings, url: str, resolve=_resolve) -> RobotTarget:
    """Where a webhook URL may send, or RobotTargetRefused. A robot is a URL a branch officer
    types in, and the server then posts to it: without these rules it could reach anything the
    server reaches (loopback, the broker's management API, cloud metadata). Only the hosts in
    NOTIFY_ROBOT_HOSTS, over https, resolving to public addresses; NOTIFY_ROBOT_PRIVATE_NETWORKS
    allows plain http and loopback or private addresses (a private gateway, a test's stand-in).
    Checked when the robot is configured and again at every send, since DNS can change."""
    parsed = urllib.parse.urlsplit(url)
    scheme = parsed.scheme.lower()
    if scheme not in ("https", "http"):
        raise RobotTargetRefused("expected an https URL")
    if scheme == "http" and not settings.robot_private_networks:
        raise RobotTargetRefused("expected an https URL (plain http only on private networks)")
    if parsed.username is not None or parsed.password is not None:
        raise RobotTargetRefused("must not carry a user name or password")
    host = (parsed.hostname or "").lower()
    if host not in settings.robot_hosts:
        raise RobotTargetRefused(f"host {host[:100]!r} is not a robot host; expected {' or '.join(sorted(settings.robot_hosts))}")
    try:
        port = parsed.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise RobotTargetRefused("the port is not a number from 1 to 65535") from None
    addresses = resolve(host, port)
    for address in addresses:
        if not settings.robot_private_networks and not _public(address):
            raise RobotTargetRefused(f"host {host} resolves to {address}, which is not a public address")
    if not addresses:
        raise RobotTargetUnresolved(f"host {host} does not resolve")
    path = (parsed.path or "/") + (f"?{parsed.query}" if parsed.query else "")
    return RobotTarget(host, port, path, scheme == "https", addresses[0])


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, not to whatever the name resolves to now."""

    def __init__(self, target: RobotTarget, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self.address = target.address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: RobotTarget, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self.address = target.address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # the certificate names the host


ROBOT_ANSWER_LIMIT = 64 * 1024


def send_robot(settings: NotifySettings, kind: str, webhook_url: str, secret: str | None,
               title: str, body: str) -> None:
    url = dingtalk_signed_url(webhook_url, secret) if kind == "dingtalk" and secret else webhook_url
    try:
        target = robot_target(settings, url)
    except RobotTargetUnresolved as exc:
        raise SendFailed(f"robot unreachable: {exc}", permanent=False) from None
    except RobotTargetRefused as exc:
        raise SendFailed(f"robot address refused: {exc}", permanent=True) from None
    data = json.dumps(robot_payload(title, body), ensure_ascii=False).encode()
    connection = (_PinnedHTTPSConnection if target.https else _PinnedHTTPConnection)(
        target, settings.http_timeout_seconds)
    try:
        # http.client follows no redirect: a webhook answering 3xx is refused below.
        connection.request("POST", target.path, body=data, headers={"Content-Type": "application/json; charset=utf-8"})
        response = connection.getresponse()
        status, raw = response.status, response.read(ROBOT_ANSWER_LIMIT)
    except (OSError, http.client.HTTPException) as exc:
        raise SendFailed(f"robot unreachable: {exc}", permanent=False) from None
    finally:
        connection.close()
    if 300 <= status < 400:
        raise SendFailed(f"robot answered a redirect (HTTP {status}), which is not followed", permanent=True)
    if status == 429:
        raise SendFailed("robot rate-limited us (HTTP 429)", permanent=False, rate_limited=True)
    if status >= 400:
        raise SendFailed(f"robot answered HTTP {status}", permanent=status < 500)
    try:
        answer = json.loads(raw or b"{}")
        errcode = int(answer.get("errcode", 0))
    except (ValueError, TypeError, AttributeError):
        raise SendFailed(f"robot answered something that is not its JSON: {raw[:200]!r}", permanent=False) from None
    if errcode in ROBOT_RATE_LIMIT_CODES:
        raise SendFailed(f"robot rate-limited us (errcode {errcode})", permanent=False, rate_limited=True)
    if errcode != 0:
        raise SendFailed(f"robot refused the message: errcode {errcode} {answer.get('errmsg', '')}", permanent=True)
