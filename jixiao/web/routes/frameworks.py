"""指标体系: every framework with its tree and rules; administrators upload and delete their own."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException

from jixiao.store import Viewer, policy
from jixiao.web import services
from jixiao.web.deps import allowed_to, csrf_form, page, viewer, wb
from jixiao.web.errors import api_error
from jixiao.web.frameworks import MAX_FRAMEWORK_BYTES, FrameworkInvalid, UploadRefused

router = APIRouter(include_in_schema=False)
NOTICES = {"added": "指标体系已上传", "replaced": "指标体系已更新", "deleted": "指标体系已删除"}


def frameworks_page_(request: Request, name: str = "", *, status_code: int = 200, upload_error: str | None = None,
                     problems: list[str] | None = None, notice: str | None = None) -> HTMLResponse:
    paths = wb(request).library.paths()
    items = services.frameworks(paths)
    chosen = name or (items[0]["id"] if items else "")
    detail = services.framework_detail(chosen, paths) if chosen else None
    if name and detail is None:
        raise api_error(404, "指标体系不存在")
    return page(request, "frameworks.html", status_code=status_code, nav="frameworks", items=items,
                detail=detail, chosen=chosen, upload_error=upload_error, problems=problems or [], notice=notice)


def read_framework_upload(request: Request, file: Any, v: Viewer) -> tuple[Any, bool]:
    """(row, created); api_error 400/413 (refused), 422 (the loader's problems), 409 (a shipped id). Blocking."""
    if not isinstance(file, UploadFile):
        raise api_error(400, "请选择指标体系 YAML 文件")
    file.file.seek(0)
    data = file.file.read(MAX_FRAMEWORK_BYTES + 1)
    try:
        return wb(request).library.upload(file.filename or "", data, v,
                                          may_replace=policy.allowed(v, "edit", "framework"))
    except FrameworkInvalid as exc:
        raise api_error(422, "指标体系文件有误，未保存", exc.problems) from None
    except UploadRefused as exc:
        raise api_error(413 if len(data) > MAX_FRAMEWORK_BYTES else 400, str(exc)) from None
    except PermissionError as exc:
        raise api_error(409, str(exc)) from None


def delete_framework(request: Request, name: str) -> None:
    library = wb(request).library
    if library.is_builtin(name) and name not in library.paths():
        raise api_error(400, "内置指标体系不能删除")
    if not library.delete(name):
        if services.framework_detail(name) is not None:
            raise api_error(400, "只能删除管理员上传的指标体系")
        raise api_error(404, "指标体系不存在")


@router.get("/frameworks")
def frameworks_page(request: Request, name: str = "", saved: str = "", _v: Viewer = Depends(viewer)):
    return frameworks_page_(request, name, notice=NOTICES.get(saved))


@router.post("/frameworks/upload")
def frameworks_upload(request: Request, v: Viewer = Depends(allowed_to("create", "framework")), form: FormData = Depends(csrf_form)):
    try:
        row, created = read_framework_upload(request, form.get("file"), v)
    except HTTPException as exc:
        return frameworks_page_(request, status_code=exc.status_code if exc.status_code != 422 else 400,
                                upload_error=str(exc.detail), problems=getattr(exc, "errors", []))
    return RedirectResponse(f"/frameworks?name={quote(row.framework_id)}&saved={'added' if created else 'replaced'}",
                            status_code=303)


@router.post("/frameworks/{name}/delete")
def frameworks_delete(request: Request, name: str, _v: Viewer = Depends(allowed_to("delete", "framework")), _form: FormData = Depends(csrf_form)):
    delete_framework(request, name)
    return RedirectResponse("/frameworks?saved=deleted", status_code=303)
