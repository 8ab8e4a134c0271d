"""One ASGI layer around the whole app: body limits before parsing, the session cookie, the security
headers on every response (500s included), and unexpected errors answered without dropping the connection.

It is plain ASGI (no ``BaseHTTPMiddleware``): a request body is counted as it arrives and refused (413)
the moment it passes its limit, before FastAPI or the multipart parser spool it anywhere.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException

from jixiao.web.auth import SESSION_COOKIE

log = logging.getLogger("jixiao.web")

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = ((b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"same-origin"), (b"content-security-policy", CSP.encode()))
#: Requests whose body is a multipart upload (files); every other body is a form or JSON.
UPLOAD_ROUTES = {("POST", "/upload"), ("POST", "/api/reports"), ("POST", "/fill/import"),
                 ("POST", "/frameworks/upload"), ("POST", "/api/frameworks")}
ANONYMOUS_BODY = 64 * 1024
FORM_BODY = 2 * 1024 * 1024


class BodyTooLarge(HTTPException):
    """Raised while the body is read; an HTTPException so FastAPI's body parser passes it on as a 413."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail="请求内容过大")


class Guard:
    """Wraps the FastAPI app; reads its settings from ``app.state.wb`` at each request."""

    def __init__(self, app: Any):
        self.app = app

    def body_limit(self, bench: Any, method: str, path: str, logged_in: bool) -> int:
        if not logged_in:
            return ANONYMOUS_BODY
        if (method, path) in UPLOAD_ROUTES:
            return bench.max_request_bytes
        return FORM_BODY

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        bench = scope["app"].state.wb
        path = scope.get("path", "")
        static = path.startswith("/static/")
        state = scope.setdefault("state", {})
        session = state["session"] = bench.sessions.load(_cookie(scope, SESSION_COOKIE))
        limit = self.body_limit(bench, scope["method"], path, session.token is not None)
        started = False

        async def send_wrapper(message: dict) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [(k, v) for k, v in message.get("headers", [])]
                names = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in names]
                if not static:
                    if b"cache-control" not in names:
                        headers.append((b"cache-control", b"no-store"))
                    if session.dirty or session.new:
                        headers.append((b"set-cookie", _set_cookie(bench, session).encode("latin-1")))
                message = dict(message, headers=headers)
            await send(message)

        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _error(send_wrapper, path, 413, "请求内容过大")
            return
        received = 0

        async def receive_wrapper() -> dict:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge()
            return message

        try:
            await self.app(scope, receive_wrapper, send_wrapper)
        except BodyTooLarge:
            if started:
                raise
            await _error(send_wrapper, path, 413, "请求内容过大")
        except Exception as exc:
            log.exception("unhandled error on %s", path)
            if started:
                raise
            from jixiao.web.services import one_line

            detail = f"服务器内部错误：{one_line(exc)}" if path.startswith("/api/") else "服务器内部错误"
            await _error(send_wrapper, path, 500, detail)


def _header(scope: dict, name: bytes) -> str | None:
    for k, v in scope.get("headers", []):
        if k.lower() == name:
            return v.decode("latin-1")
    return None


def _cookie(scope: dict, name: str) -> str | None:
    raw = _header(scope, b"cookie")
    if not raw:
        return None
    for part in raw.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value.strip('"')
    return None


def _set_cookie(bench: Any, session: Any) -> str:
    value = bench.sessions.dump(session)
    cookie = (f"{SESSION_COOKIE}={value}; Max-Age={bench.sessions.max_age}; Path=/; HttpOnly; SameSite=lax")
    return cookie + ("; Secure" if bench.secure_cookies else "")


async def _error(send: Any, path: str, status: int, message: str) -> None:
    """An error answered here (before or outside the app): the API's one shape, or a plain page."""
    from markupsafe import escape

    from jixiao.store import json_dumps
    from jixiao.web.errors import error_body

    if path.startswith("/api/"):
        body = json_dumps(error_body(status, message)).encode("utf-8")
        media = b"application/json"
    else:
        body = (f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>{status}</title>'
                f'<link rel="stylesheet" href="/static/app.css"><main class="page"><h1>{status}</h1>'
                f"<p>{escape(message)}</p><p><a href=\"/reports\">返回</a></p></main></html>").encode()
        media = b"text/html; charset=utf-8"
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", media), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
