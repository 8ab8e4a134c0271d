"""Account operations both the pages and the JSON API use: log in, start and end a session, add and change
an account as the policy table allows. Blocking (database, argon2): call them from handlers in the thread pool."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import Request

from jixiao.store import User, Viewer, policy
from jixiao.web.deps import require, wb
from jixiao.web.errors import api_error


def client_address(request: Request) -> str:
    """The peer's address as the server saw it: proxy headers count only when ``jixiao serve`` was told
    to trust the proxy (``--trusted-proxy``); see :mod:`jixiao.web.server`."""
    return request.client.host if request.client else "-"


def do_login(request: Request, name: str, password: str) -> tuple[User | None, str | None, int]:
    """(user, None, 200) and a new session record, or (None, reason, 401 / 429). Blocking (argon2)."""
    bench = wb(request)
    address = client_address(request)
    wait = bench.throttle.blocked(name, address)
    if wait:
        return None, f"登录失败次数过多，请 {int(wait // 60) + 1} 分钟后再试", 429
    user = bench.store.authenticate(name, password) if name and password else None
    if user is None:
        bench.throttle.fail(name, address)
        return None, "用户名或密码不正确", 401
    bench.throttle.success(name, address)
    start_session(request, user)
    return user, None, 200


def start_session(request: Request, user: User) -> None:
    """A new session record for ``user`` (the old token of this client, if any, ends)."""
    bench = wb(request)
    session = request.state.session
    if session.token:
        bench.store.end_session(session.token)
    session.token, session.csrf = bench.store.create_session(user.id, max_age=bench.sessions.max_age,
                                                             address=client_address(request))
    session.dirty = True
    request.state.user = user


def do_logout(request: Request) -> None:
    """End the session record: every copy of the cookie stops working."""
    session = request.state.session
    if session.token:
        wb(request).store.end_session(session.token)
    session.token, session.csrf, session.dirty = None, secrets.token_urlsafe(32), True
    request.state.user = None


def add_user(request: Request, name: str, password: str, role: str, department: Any, region: Any) -> User:
    """A new account; a department from the directory lends its region when none is given."""
    store = wb(request).store
    department = str(department or "").strip() or None
    region = str(region or "").strip() or None
    if department and not region:
        known = store.department_named(department)
        region = known.region if known is not None else None
    return store.add_user(name, password, role, department=department, region=region)


USER_EDIT = ("password", "active")
USER_MOVE = ("role", "department", "region")


def update_user(request: Request, v: Viewer, user_id: int, fields: dict[str, Any],
                current_password: str | None = None) -> User:
    """Change an account as the policy table allows: ``password`` / ``active`` are an edit, ``role`` /
    ``department`` / ``region`` a move. One's own password needs the current one; any change ends the
    account's sessions (one's own: a new session is started for this client). Blocking."""
    store = wb(request).store
    target = store.user(user_id)
    if target is None or not policy.can(v, "see", "user", target):
        raise api_error(404, "用户不存在")
    if set(fields) & set(USER_EDIT):
        require(request, v, "edit", "user", target)
    if set(fields) & set(USER_MOVE):
        require(request, v, "move", "user", target)
    own = target.id == v.id
    if own and "password" in fields and store.authenticate(target.name, current_password or "") is None:
        raise api_error(403, "当前密码不正确")
    if own and (fields.get("active") is False or fields.get("role", target.role) != target.role):
        raise api_error(400, "不能停用自己的账户或更改自己的角色")
    if fields.get("department") and "region" not in fields:
        known = store.department_named(str(fields["department"]))
        if known is not None and known.region:
            fields["region"] = known.region
    try:
        user = store.update_user(user_id, **fields)
    except ValueError as exc:
        raise api_error(422, str(exc)) from None
    if user is None:
        raise api_error(404, "用户不存在")
    if own:
        start_session(request, user)
    return user
