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
import json
import smtplib
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
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


def send_robot(settings: NotifySettings, kind: str, webhook_url: str, secret: str | None,
               title: str, body: str) -> None:
    url = dingtalk_signed_url(webhook_url, secret) if kind == "dingtalk" and secret else webhook_url
    data = json.dumps(robot_payload(title, body), ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=settings.http_timeout_seconds) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        status = exc.code
        if status == 429:
            raise SendFailed("robot rate-limited us (HTTP 429)", permanent=False, rate_limited=True) from None
        raise SendFailed(f"robot answered HTTP {status}", permanent=status < 500) from None
    except (urllib.error.URLError, socket.timeout, OSError) as exc:
        raise SendFailed(f"robot unreachable: {getattr(exc, 'reason', exc)}", permanent=False) from None
    try:
        answer = json.loads(raw or b"{}")
        errcode = int(answer.get("errcode", 0))
    except (ValueError, TypeError, AttributeError):
        raise SendFailed(f"robot answered something that is not its JSON: {raw[:200]!r}", permanent=False) from None
    if errcode in ROBOT_RATE_LIMIT_CODES:
        raise SendFailed(f"robot rate-limited us (errcode {errcode})", permanent=False, rate_limited=True)
    if errcode != 0:
        raise SendFailed(f"robot refused the message: errcode {errcode} {answer.get('errmsg', '')}", permanent=True)
