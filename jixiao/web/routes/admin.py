"""用户管理 and 部门管理 (administrators only); the helpers the JSON API shares with these pages."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from jixiao.store import ROLES, Viewer
from jixiao.web import services
from jixiao.web.accounts import add_user
from jixiao.web.deps import allowed_to, csrf_form, page, wb
from jixiao.web.errors import api_error
from jixiao.web.schemas import MAX_ID, PathId

router = APIRouter(include_in_schema=False)
may_add_user = allowed_to("create", "user")
may_see_departments = allowed_to("see", "department")
may_add_department = allowed_to("create", "department")
may_edit_department = allowed_to("edit", "department")
may_delete_department = allowed_to("delete", "department")
DEPARTMENT_FIELDS = ("name", "region", "dept_type")


def department_fields(form: Any) -> dict[str, str]:
    """name, region and type from a form or a JSON body; ValueError for an unknown type."""
    fields = {k: str(form.get(k) or "").strip() for k in DEPARTMENT_FIELDS}
    if fields["dept_type"] and fields["dept_type"] not in services.dept_types():
        raise ValueError(f"未知部门类型 {fields['dept_type']}（可选：{'、'.join(services.dept_types())}）")
    return fields


def department_or_404(request: Request, department_id: int) -> Any:
    dept = wb(request).store.department(department_id)
    if dept is None:
        raise api_error(404, "部门不存在")
    return dept


# -- 用户管理 -----------------------------------------------------------------------------------------
def users_page_(request: Request, status_code: int = 200, error: str | None = None) -> HTMLResponse:
    store = wb(request).store
    return page(request, "users.html", status_code=status_code, nav="users", users=store.users(), roles=ROLES,
                departments=store.departments(), error=error)


@router.get("/admin/users")
def users_page(request: Request, _v: Viewer = Depends(allowed_to("see", "user", everywhere=True))):
    return users_page_(request)


@router.post("/admin/users")
def users_add(request: Request, _v: Viewer = Depends(may_add_user), form: FormData = Depends(csrf_form)):
    try:
        add_user(request, str(form.get("name") or ""), str(form.get("password") or ""), str(form.get("role") or ""),
                 form.get("department"), form.get("region"))
    except ValueError as exc:
        return users_page_(request, status_code=400, error=str(exc))
    return RedirectResponse("/admin/users", status_code=303)


# -- 部门管理 -----------------------------------------------------------------------------------------
def departments_page_(request: Request, *, status_code: int = 200, error: str | None = None,
                      edit: Any = None, values: dict[str, Any] | None = None) -> HTMLResponse:
    return page(request, "departments.html", status_code=status_code, nav="departments",
                departments=wb(request).store.departments(), dept_types=services.dept_types(), error=error,
                edit=edit, values=values or {}, saved=request.query_params.get("saved"))


@router.get("/admin/departments")
def departments_page(request: Request, edit: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
                     _v: Viewer = Depends(may_see_departments)):
    return departments_page_(request, edit=department_or_404(request, edit) if edit else None)


@router.post("/admin/departments")
def departments_add(request: Request, _v: Viewer = Depends(may_add_department), form: FormData = Depends(csrf_form)):
    try:
        wb(request).store.add_department(**department_fields(form))
    except ValueError as exc:
        return departments_page_(request, status_code=400, error=str(exc),
                                 values={k: str(form.get(k) or "") for k in DEPARTMENT_FIELDS})
    return RedirectResponse("/admin/departments?saved=1", status_code=303)


@router.post("/admin/departments/{department_id}")
def departments_edit(request: Request, department_id: PathId, _v: Viewer = Depends(may_edit_department),
                     form: FormData = Depends(csrf_form)):
    dept = department_or_404(request, department_id)
    try:
        wb(request).store.update_department(department_id, **department_fields(form))
    except ValueError as exc:
        return departments_page_(request, status_code=400, error=str(exc), edit=dept,
                                 values={k: str(form.get(k) or "") for k in DEPARTMENT_FIELDS})
    return RedirectResponse("/admin/departments?saved=1", status_code=303)


@router.post("/admin/departments/{department_id}/delete")
def departments_delete(request: Request, department_id: PathId, _v: Viewer = Depends(may_delete_department),
                       _form: FormData = Depends(csrf_form)):
    if not wb(request).store.delete_department(department_id):
        raise api_error(404, "部门不存在")
    return RedirectResponse("/admin/departments?saved=1", status_code=303)
