"""The JSON API for accounts, frameworks and departments (the rest is :mod:`jixiao.web.routes.api`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData

from jixiao.store import Viewer
from jixiao.web import schemas as S
from jixiao.web import services
from jixiao.web.accounts import add_user, do_login, do_logout, update_user
from jixiao.web.deps import allowed_to, csrf_header, read_form, viewer, wb
from jixiao.web.errors import api_error
from jixiao.web.routes.admin import department_fields, department_or_404
from jixiao.web.routes.frameworks import delete_framework, read_framework_upload
from jixiao.web.views import department_json, user_json

router = APIRouter(prefix="/api", responses=S.ERROR_RESPONSES)
CSRF = [Depends(csrf_header)]


# -- 账户 -----------------------------------------------------------------------------------------------
@router.post("/login", tags=["账户"], summary="登录，返回 CSRF token", response_model=S.LoginOut)
def api_login(request: Request, body: S.LoginIn):
    # No CSRF token exists yet: FastAPI reads JSON bodies only when the request says application/json,
    # which a cross-site form cannot send, so a forged login from another site is refused (422).
    user, error, status = do_login(request, body.username, body.password)
    if user is None:
        raise api_error(status, error or "登录失败")
    return S.respond(S.LoginOut(user=user_json(user), csrf_token=request.state.session.csrf))


@router.post("/logout", tags=["账户"], summary="退出：会话作废（复制的 Cookie 也不再有效）", dependencies=CSRF,
             response_model=S.Ok)
def api_logout(request: Request):
    do_logout(request)
    return S.respond(S.Ok())


@router.get("/me", tags=["账户"], response_model=S.LoginOut)
def api_me(request: Request, v: Viewer = Depends(viewer)):
    return S.respond(S.LoginOut(user=user_json(wb(request).store.user(v.id)), csrf_token=request.state.session.csrf))


@router.get("/users", tags=["账户"], summary="用户列表（管理员）", response_model=S.UserListOut)
def api_users(request: Request, _v: Viewer = Depends(allowed_to("see", "user", everywhere=True))):
    return S.respond(S.UserListOut(users=[user_json(u) for u in wb(request).store.users()]))


@router.post("/users", tags=["账户"], summary="新建用户（管理员；密码规则同命令行）", dependencies=CSRF,
             status_code=201, response_model=S.UserCreated)
def api_user_add(request: Request, body: S.UserIn, _v: Viewer = Depends(allowed_to("create", "user"))):
    try:
        user = add_user(request, body.name, body.password, body.role, body.department, body.region)
    except ValueError as exc:
        raise api_error(422, str(exc)) from None
    return S.respond(S.UserCreated(user=user_json(user)), 201)


@router.get("/users/{user_id}", tags=["账户"], summary="一个用户（管理员；其他人只能看自己）",
            response_model=S.UserItemOut)
def api_user(request: Request, user_id: S.PathId, v: Viewer = Depends(viewer)):
    from jixiao.store import policy

    user = wb(request).store.user(user_id)
    if user is None or not policy.can(v, "see", "user", user):
        raise api_error(404, "用户不存在")
    return S.respond(S.UserItemOut(user=user_json(user, active=True)))


@router.patch("/users/{user_id}", tags=["账户"], dependencies=CSRF, response_model=S.UserItemOut,
              summary="修改用户：密码、启用（本人可改自己的密码，需 current_password）；角色、部门、地区（管理员）")
def api_user_update(request: Request, user_id: S.PathId, body: S.UserPatch, v: Viewer = Depends(viewer)):
    fields = body.model_dump(exclude_unset=True)
    current = fields.pop("current_password", None)
    user = update_user(request, v, user_id, fields, current_password=current)
    csrf = request.state.session.csrf if user.id == v.id else None
    return S.respond(S.UserItemOut(user=user_json(user, active=True), csrf_token=csrf))


@router.delete("/users/{user_id}", tags=["账户"], summary="删除用户（管理员；不能删除自己）", dependencies=CSRF,
               response_model=S.Ok)
def api_user_delete(request: Request, user_id: S.PathId, v: Viewer = Depends(allowed_to("delete", "user"))):
    if user_id == v.id:
        raise api_error(400, "不能删除自己的账户")
    if not wb(request).store.delete_user(user_id):
        raise api_error(404, "用户不存在")
    return S.respond(S.Ok())


# -- 指标体系 ---------------------------------------------------------------------------------------------
@router.get("/frameworks", tags=["指标体系"], response_model=S.FrameworkListOut)
def api_frameworks(request: Request, _v: Viewer = Depends(viewer)):
    return S.respond(S.FrameworkListOut(frameworks=services.frameworks(wb(request).library.paths())))


@router.get("/frameworks/{name}", tags=["指标体系"], response_model=S.FrameworkOut)
def api_framework(request: Request, name: str, _v: Viewer = Depends(viewer)):
    detail = services.framework_detail(name, wb(request).library.paths())
    if detail is None:
        raise api_error(404, "指标体系不存在")
    return S.respond(S.FrameworkOut(framework=detail))


async def _framework_form(request: Request, _v: Viewer = Depends(allowed_to("create", "framework"))) -> FormData:
    return await read_form(request, max_files=2)


@router.post("/frameworks", tags=["指标体系"], summary="上传指标体系 YAML（multipart，字段 file；同 id 则替换）",
             dependencies=CSRF, status_code=201, response_model=S.FrameworkUploadOut,
             openapi_extra=S.multipart({"file": ("file", "指标体系 YAML（.yaml/.yml，不得使用锚点和别名）")},
                                       required=("file",)))
def api_framework_upload(request: Request, v: Viewer = Depends(allowed_to("create", "framework")),
                         form: FormData = Depends(_framework_form)):
    """Validated by the scoring engine's loader; its ``file:line: key: problem`` lines come back in
    ``errors`` (422) and nothing is stored. A shipped framework's id is refused (409)."""
    row, created = read_framework_upload(request, form.get("file"), v)
    detail = services.framework_detail(row.framework_id, wb(request).library.paths())
    return S.respond(S.FrameworkUploadOut(created=created, framework=detail), 201 if created else 200)


@router.delete("/frameworks/{name}", tags=["指标体系"], summary="删除上传的指标体系（内置的不可删除）",
               dependencies=CSRF, response_model=S.Ok)
def api_framework_delete(request: Request, name: str, _v: Viewer = Depends(allowed_to("delete", "framework"))):
    delete_framework(request, name)
    return S.respond(S.Ok())


# -- 部门 -----------------------------------------------------------------------------------------------
@router.get("/departments", tags=["部门"], summary="部门列表（管理员）", response_model=S.DepartmentListOut)
def api_departments(request: Request, _v: Viewer = Depends(allowed_to("see", "department"))):
    return S.respond(S.DepartmentListOut(departments=[department_json(d) for d in wb(request).store.departments()],
                                         dept_types=list(services.dept_types())))


@router.post("/departments", tags=["部门"], summary="新建部门 {name, region?, dept_type?}", dependencies=CSRF,
             status_code=201, response_model=S.DepartmentItemOut)
def api_department_add(request: Request, body: S.DepartmentIn, _v: Viewer = Depends(allowed_to("create", "department"))):
    try:
        dept = wb(request).store.add_department(**department_fields(body.model_dump()))
    except ValueError as exc:
        raise api_error(422, str(exc)) from None
    return S.respond(S.DepartmentItemOut(department=department_json(dept)), 201)


@router.get("/departments/{department_id}", tags=["部门"], response_model=S.DepartmentItemOut)
def api_department(request: Request, department_id: S.PathId, _v: Viewer = Depends(allowed_to("see", "department"))):
    return S.respond(S.DepartmentItemOut(department=department_json(department_or_404(request, department_id))))


def _update_department(request: Request, v: Viewer, department_id: int, body: S.DepartmentPatch, *, partial: bool):
    from jixiao.web.deps import require

    given = body.model_dump(exclude_unset=partial)
    if {"name", "dept_type"} & set(given):
        require(request, v, "edit", "department")
    if "region" in given:
        require(request, v, "move", "department")
    department_or_404(request, department_id)
    try:
        fields = department_fields(given)
        if partial:
            fields = {k: value for k, value in fields.items() if k in given}
        dept = wb(request).store.update_department(department_id, **fields)
    except ValueError as exc:
        raise api_error(422, str(exc)) from None
    if dept is None:
        raise api_error(404, "部门不存在")
    return S.respond(S.DepartmentItemOut(department=department_json(dept)))


@router.put("/departments/{department_id}", tags=["部门"], summary="修改部门（整体替换 {name, region?, dept_type?}）",
            dependencies=CSRF, response_model=S.DepartmentItemOut)
def api_department_replace(request: Request, department_id: S.PathId, body: S.DepartmentIn,
                           v: Viewer = Depends(allowed_to("edit", "department"))):
    return _update_department(request, v, department_id, body, partial=False)


@router.patch("/departments/{department_id}", tags=["部门"], summary="修改部门（只改给出的字段；region 为迁移）",
              dependencies=CSRF, response_model=S.DepartmentItemOut)
def api_department_update(request: Request, department_id: S.PathId, body: S.DepartmentPatch,
                          v: Viewer = Depends(allowed_to("see", "department"))):
    return _update_department(request, v, department_id, body, partial=True)


@router.delete("/departments/{department_id}", tags=["部门"], dependencies=CSRF, response_model=S.Ok)
def api_department_delete(request: Request, department_id: S.PathId,
                          _v: Viewer = Depends(allowed_to("delete", "department"))):
    if not wb(request).store.delete_department(department_id):
        raise api_error(404, "部门不存在")
    return S.respond(S.Ok())


# -- 系统 -----------------------------------------------------------------------------------------------
@router.get("/health", tags=["系统"], response_model=S.HealthOut)
def api_health(request: Request):
    return S.respond(S.HealthOut(revision=wb(request).store.revision()))
