"""Stand-ins on loopback for the outside world notify talks to: an SMTP server and the robots.

Both run in this test process on real sockets; the service reaches them exactly as it would
reach a college mail relay or the WeCom / DingTalk webhooks.
"""
from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import json
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class _SmtpHandler(socketserver.StreamRequestHandler):
    def _reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())
        self.wfile.flush()

    def handle(self):
        server: SmtpServer = self.server.owner
        self._reply("220 loopback ESMTP ready")
        sender, recipients = None, []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self._reply("250-loopback\r\n250-8BITMIME\r\n250 SMTPUTF8" if verb == "EHLO" else "250 loopback")
            elif verb == "MAIL":
                sender, recipients = line.split(":", 1)[1].strip().split(" ")[0].strip("<>"), []
                self._reply("250 OK")
            elif verb == "RCPT":
                address = line.split(":", 1)[1].strip().strip("<>")
                if server.refuse_transiently:
                    self._reply("451 4.3.0 try again later")
                elif address.split("@")[0].startswith("bounce"):
                    self._reply("550 5.1.1 no such mailbox")
                else:
                    recipients.append(address)
                    self._reply("250 OK")
            elif verb == "DATA":
                self._reply("354 end with <CRLF>.<CRLF>")
                lines = []
                while True:
                    data = self.rfile.readline()
                    if data in (b".\r\n", b".\n", b""):
                        break
                    lines.append(data[1:] if data.startswith(b"..") else data)
                message = email.message_from_bytes(b"".join(lines), policy=email.policy.default)
                with server.lock:
                    server.messages.append({"from": sender, "to": list(recipients), "message": message})
                self._reply("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                self._reply("250 OK")
            elif verb == "QUIT":
                self._reply("221 bye")
                return
            else:
                self._reply("502 command not implemented")


class SmtpServer:
    def __init__(self):
        self.messages: list[dict] = []
        self.lock = threading.Lock()
        self.refuse_transiently = False
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
        self._server.daemon_threads = True
        self._server.owner = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def received_by(self, address: str) -> list:
        with self.lock:
            return [m["message"] for m in self.messages if address in m["to"]]

    def close(self):
        self._server.shutdown()
        self._server.server_close()


class Robot:
    """One webhook's behaviour: which kind, its secret, and how many requests to refuse first."""

    def __init__(self, kind: str, secret: str | None = None, rate_limit_first: int = 0, http_429_first: int = 0,
                 down: bool = False, errcode: int = 0, delay_seconds: float = 0.0, redirect_to: str | None = None):
        self.kind, self.secret, self.delay_seconds = kind, secret, delay_seconds
        self.redirect_to = redirect_to  # answer 302 to this URL (a client that follows it comes back with a GET)
        self.rate_limit_first, self.http_429_first = rate_limit_first, http_429_first
        self.down, self.errcode = down, errcode
        self.requests: list[dict] = []  # every request, accepted or not
        self.accepted: list[dict] = []


class _RobotHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        server: RobotServer = self.server.owner
        url = urlparse(self.path)
        robot = server.robots.get(url.path.strip("/"))
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if robot is None:
            return self._answer(404, {"errcode": 404, "errmsg": "no such robot"})
        request = {"at": time.monotonic(), "query": parse_qs(url.query)}
        with server.lock:
            robot.requests.append(request)
            seen = len(robot.requests)
        time.sleep(robot.delay_seconds)  # a slow webhook: the request is in flight meanwhile
        if robot.redirect_to:
            self.send_response(302)
            self.send_header("Location", robot.redirect_to)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if robot.down:
            return self._answer(503, {"errcode": -1, "errmsg": "service unavailable"})
        if seen <= robot.http_429_first:
            return self._answer(429, {"errcode": 429, "errmsg": "too many requests"})
        if seen <= robot.http_429_first + robot.rate_limit_first:
            return self._answer(200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"})
        if robot.errcode:
            return self._answer(200, {"errcode": robot.errcode, "errmsg": "refused by the test"})
        try:
            payload = json.loads(raw)
            assert payload["msgtype"] == "text" and set(payload) == {"msgtype", "text"}
            assert isinstance(payload["text"]["content"], str) and payload["text"]["content"].strip()
        except (ValueError, KeyError, TypeError, AssertionError):
            return self._answer(200, {"errcode": 40008, "errmsg": "invalid message type"})
        if robot.kind == "dingtalk" and not self._signed(robot, request["query"]):
            return self._answer(200, {"errcode": 310000, "errmsg": "sign not match"})
        request["payload"] = payload
        with server.lock:
            robot.accepted.append(request)
        self._answer(200, {"errcode": 0, "errmsg": "ok"})

    do_GET = do_POST  # recorded too: a sender that follows a redirect arrives with a GET

    @staticmethod
    def _signed(robot: Robot, query: dict) -> bool:
        try:
            timestamp, sign = query["timestamp"][0], query["sign"][0]
        except (KeyError, IndexError):
            return False
        if abs(int(timestamp) - time.time() * 1000) > 3600_000:
            return False  # DingTalk refuses timestamps more than an hour off
        expected = base64.b64encode(
            hmac.new(robot.secret.encode(), f"{timestamp}\n{robot.secret}".encode(), hashlib.sha256).digest()
        ).decode()
        return hmac.compare_digest(sign, expected)  # parse_qs already URL-decoded it


class RobotServer:
    def __init__(self):
        self.robots: dict[str, Robot] = {}
        self.lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _RobotHandler)
        self._server.daemon_threads = True
        self._server.owner = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def add(self, name: str, robot: Robot) -> str:
        self.robots[name] = robot
        return f"http://127.0.0.1:{self.port}/{name}?access_token=tok-{name}"

    def close(self):
        self._server.shutdown()
        self._server.server_close()
