"""Stand-ins on loopback for the WeCom and DingTalk server APIs members calls to sign someone in.

One HTTP server answers both: WeCom's /cgi-bin/gettoken and /cgi-bin/auth/getuserinfo, DingTalk's
/gettoken and /topapi/v2/user/getuserinfo, with the real shapes and error codes. A test sets which
sign-in codes stand for which user ids, and which error a step answers.
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

APP_SECRET = "app-secret-0123456789"
ACCESS_TOKEN = "stand-in-access-token"


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _answer(self, body: dict) -> None:
        raw = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _token(self, query, secret_name: str) -> None:
        stand_in: ProviderStandIn = self.server.owner
        if stand_in.token_error:
            return self._answer(stand_in.token_error)
        if query.get(secret_name, [""])[0] != APP_SECRET:
            return self._answer({"errcode": 40001, "errmsg": "invalid credential"})
        self._answer({"errcode": 0, "errmsg": "ok", "access_token": ACCESS_TOKEN, "expires_in": 7200})

    def _user(self, query, code: str, wecom: bool) -> None:
        stand_in: ProviderStandIn = self.server.owner
        if query.get("access_token", [""])[0] != ACCESS_TOKEN:
            return self._answer({"errcode": 40014, "errmsg": "invalid access_token"})
        if code not in stand_in.codes:
            return self._answer({"errcode": 40029 if wecom else 40078,
                                 "errmsg": "invalid code" if wecom else "不存在的临时授权码"})
        user_id = stand_in.codes.pop(code)  # one use, as the providers do
        if wecom:
            return self._answer({"errcode": 0, "errmsg": "ok", "userid": user_id})
        self._answer({"errcode": 0, "errmsg": "ok", "result": {"userid": user_id, "name": "stand-in"}})

    def do_GET(self):
        url = urlparse(self.path)
        query = parse_qs(url.query)
        if url.path == "/cgi-bin/gettoken":
            return self._token(query, "corpsecret")
        if url.path == "/gettoken":
            return self._token(query, "appsecret")
        if url.path == "/cgi-bin/auth/getuserinfo":
            return self._user(query, query.get("code", [""])[0], wecom=True)
        self.send_error(404)

    def do_POST(self):
        url = urlparse(self.path)
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        if url.path == "/topapi/v2/user/getuserinfo":
            return self._user(parse_qs(url.query), body.get("code", ""), wecom=False)
        self.send_error(404)


class ProviderStandIn:
    def __init__(self):
        self.codes: dict[str, str] = {}
        self.token_error: dict | None = None
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.owner = self
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
