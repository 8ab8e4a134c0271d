"""The handlers that turn exceptions into the API's one error shape (:mod:`jixiao.web.errors`) or an error page."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import escape
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from jixiao.web.deps import current_user, page
from jixiao.web.errors import NotLoggedIn, error_body, is_api
from jixiao.web.views import JSONResponse

log = logging.getLogger("jixiao.web")


async def error_page(request: Request, status: int, message: str, errors: list[Any]) -> Response:
    """The error page; the user (a database read) is looked up off the event loop."""
    await run_in_threadpool(current_user, request)
    return page(request, "error.html", status_code=status, status=status, message=message, errors=errors)


async def not_logged_in(request: Request, _exc: NotLoggedIn) -> Response:
    if is_api(request):
        return JSONResponse(error_body(401, "请先登录"), status_code=401)
    if request.headers.get("HX-Request"):
        return Response(status_code=401, headers={"HX-Redirect": "/login"})
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)


async def http_error(request: Request, exc: HTTPException) -> Response:
    message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 404 and message in ("Not Found", ""):
        message = "未找到"
    if exc.status_code == 405:
        message = "不支持的请求方法"
    errors = getattr(exc, "errors", [])
    headers = getattr(exc, "headers", None)
    if is_api(request) or request.headers.get("HX-Request"):
        if request.headers.get("HX-Request") and not is_api(request):
            return HTMLResponse(f'<div class="alert error">{escape(message)}</div>', status_code=exc.status_code,
                                headers=headers)
        return JSONResponse(error_body(exc.status_code, message, errors), status_code=exc.status_code,
                            headers=headers)
    return await error_page(request, exc.status_code, message, errors)


async def validation_error(request: Request, exc: RequestValidationError) -> Response:
    errors = [{"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", "")} for e in exc.errors()]
    if is_api(request):
        return JSONResponse(error_body(422, "请求参数不正确", errors), status_code=422)
    return await error_page(request, 422, "请求参数不正确", errors)


def install(app: FastAPI) -> None:
    app.add_exception_handler(NotLoggedIn, not_logged_in)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
