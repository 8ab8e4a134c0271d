"""Dependencies shared by the routers: who is asking, CSRF, rendering a page.

The dependencies that touch the database are plain functions, so FastAPI runs them in its thread
pool and never on the event loop; only reading a request body is ``async``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from jixiao.store import User, Viewer, policy
from jixiao.web.auth import CSRF_FIELD, CSRF_HEADER, csrf_ok
from jixiao.web.context import Workbench
from jixiao.web.errors import NotLoggedIn, api_error


def wb(request: Request) -> Workbench:
    """The running workbench of the app serving ``request``."""
    return request.app.state.wb


def current_user(request: Request) -> User | None:
    """The user of the request's session record (looked up once per request, blocking), or None.

    A token whose record is gone (logged out, password changed, expired) is dropped from the cookie.
    """
    if hasattr(request.state, "user"):
        return request.state.user
    session = request.state.session
    user = None
    if session.token:
        got = wb(request).store.session_user(session.token)
        if got is None:
            session.token, session.csrf, session.dirty = None, secrets.token_urlsafe(32), True
        else:
            user, session.csrf = got
    request.state.user = user
    return user


def viewer(request: Request) -> Viewer:
    """Dependency: the logged-in user's scope; raises NotLoggedIn (redirect / 401)."""
    user = current_user(request)
    if user is None:
        raise NotLoggedIn()
    return Viewer.of(user)


ACTION_LABELS = {"see": "查看", "create": "新建", "edit": "修改", "move": "移动", "delete": "删除"}
OBJECT_LABELS = {"report": "报告", "evaluation": "填报", "framework": "指标体系", "user": "用户", "department": "部门"}


def require(request: Request, v: Viewer, action: str, obj: str, target: Any = None, message: str | None = None) -> Any:
    """403 unless the policy table lets ``v`` do ``action`` to ``obj`` (to ``target`` when given); returns
    ``target``. Whether the viewer may *see* the target is the caller's 404."""
    if not policy.allowed(v, action, obj) or (target is not None and not policy.can(v, action, obj, target)):
        raise api_error(403, message or f"无权{ACTION_LABELS[action]}{OBJECT_LABELS[obj]}")
    return target


def allowed_to(action: str, obj: str, *, everywhere: bool = False) -> Callable[..., Viewer]:
    """A dependency: the viewer, when the policy table lets them do ``action`` to some ``obj`` (else 403);
    ``everywhere``: to every ``obj`` (a list of all users, say)."""

    def dependency(request: Request) -> Viewer:
        v = viewer(request)
        if everywhere and policy.scope(v.role, action, obj) != "all":
            raise api_error(403, "需要管理员权限")
        require(request, v, action, obj, message="需要管理员权限" if v.role != "admin" else None)
        return v

    dependency.__name__ = f"may_{action}_{obj}"
    return dependency


def csrf_header(request: Request) -> None:
    """Dependency of every API call that changes something: the token in ``X-CSRF-Token``."""
    current_user(request)  # a logged-in session's token is the record's
    if not csrf_ok(request.state.session, request.headers.get(CSRF_HEADER)):
        raise api_error(403, "CSRF 校验失败，请刷新页面后重试")


async def csrf_form(request: Request) -> FormData:
    """Dependency of every page POST: the form, refused (403) without the session's token.

    A token sent as a header (htmx) is checked before the body is read; a form field only after.
    """
    await run_in_threadpool(current_user, request)
    header = request.headers.get(CSRF_HEADER)
    if header is not None and not csrf_ok(request.state.session, header):
        raise api_error(403, "CSRF 校验失败，请刷新页面后重试")
    form = await read_form(request)
    token = header or form.get(CSRF_FIELD)
    if not csrf_ok(request.state.session, token if isinstance(token, str) else None):
        raise api_error(403, "CSRF 校验失败，请刷新页面后重试")
    return form


async def read_form(request: Request, max_files: int = 500) -> FormData:
    """The request's form with the parser's own limits (fields, files, size of a non-file field)."""
    return await request.form(max_files=max_files, max_fields=5000, max_part_size=1024 * 1024)


def page(request: Request, name: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    """Render a template with the user, the CSRF token and the navigation."""
    user = current_user(request)
    ctx.update(request=request, user=user, csrf_token=request.state.session.csrf, nav=ctx.get("nav", ""))
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
