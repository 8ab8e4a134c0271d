"""Dependencies shared by the routers: who is asking, CSRF, rendering a page.

The dependencies that touch the database are plain functions, so FastAPI runs them in its thread
pool and never on the event loop; only reading a request body is ``async``.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from jixiao.store import User, Viewer
from jixiao.web.auth import CSRF_FIELD, CSRF_HEADER, csrf_ok
from jixiao.web.context import Workbench
from jixiao.web.errors import NotLoggedIn, api_error


def wb(request: Request) -> Workbench:
    """The running workbench of the app serving ``request``."""
    return request.app.state.wb


def current_user(request: Request) -> User | None:
    """The logged-in user (looked up once per request), or None."""
    if hasattr(request.state, "user"):
        return request.state.user
    uid = request.state.session.get("uid")
    user = wb(request).store.user(uid) if uid else None
    if user is not None and not user.active:
        user = None
    request.state.user = user
    return user


def viewer(request: Request) -> Viewer:
    """Dependency: the logged-in user's scope; raises NotLoggedIn (redirect / 401)."""
    user = current_user(request)
    if user is None:
        raise NotLoggedIn()
    return Viewer.of(user)


def admin(request: Request) -> Viewer:
    """Dependency: like :func:`viewer`, 403 for anyone but an administrator."""
    v = viewer(request)
    if v.role != "admin":
        raise api_error(403, "需要管理员权限")
    return v


def csrf_header(request: Request) -> None:
    """Dependency of every API call that changes something: the token in ``X-CSRF-Token``."""
    if not csrf_ok(request.state.session, request.headers.get(CSRF_HEADER)):
        raise api_error(403, "CSRF 校验失败，请刷新页面后重试")


async def csrf_form(request: Request) -> FormData:
    """Dependency of every page POST: the form, refused (403) without the session's token."""
    form = await request.form(max_files=500, max_fields=5000)
    token = request.headers.get(CSRF_HEADER) or form.get(CSRF_FIELD)
    if not csrf_ok(request.state.session, token if isinstance(token, str) else None):
        raise api_error(403, "CSRF 校验失败，请刷新页面后重试")
    return form


def page(request: Request, name: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    """Render a template with the user, the CSRF token and the navigation."""
    user = current_user(request)
    ctx.update(request=request, user=user, csrf_token=request.state.session["csrf"], nav=ctx.get("nav", ""))
    return wb(request).templates.TemplateResponse(request, name, ctx, status_code=status_code)


def report_or_404(request: Request, report_id: int, v: Viewer, full: bool = True) -> Any:
    report = wb(request).store.report(report_id, v, full=full)
    if report is None:
        raise api_error(404, "报告不存在或无权查看")
    return report


def evaluation_or_404(request: Request, evaluation_id: int, v: Viewer) -> Any:
    form = wb(request).store.evaluation(evaluation_id, v)
    if form is None:
        raise api_error(404, "填报记录不存在或无权查看")
    return form
