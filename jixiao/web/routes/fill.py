"""填报: fill in a 自评表 with a live score, start from a file or a stored report, save, export."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData, UploadFile

from jixiao.store import Viewer
from jixiao.web import services
from jixiao.web.deps import csrf_form, evaluation_or_404, page, report_or_404, viewer, wb
from jixiao.web.errors import api_error
from jixiao.web.uploads import read_upload, refuse_huge
from jixiao.web.views import blank_indicators, download

router = APIRouter(include_in_schema=False)


def fill_page(request: Request, v: Viewer, evaluation_id: int | None, data: dict, framework: str | None,
              errors: list[str] | None = None, status_code: int = 200, notice: str | None = None):
    """The 填报 form with its score tree (scored from ``data`` as it stands)."""
    paths = wb(request).library.paths()
    scored = services.score_data(data, framework, paths) if data.get("indicators") or data.get("budget") else {}
    return page(request, "fill.html", nav="fill", evaluation_id=evaluation_id, data=data, framework=framework,
                frameworks=services.frameworks(paths), scored=scored, errors=errors or [], status_code=status_code,
                lock_department=v.role == "filler", notice=notice)


@router.get("/fill")
def fill_list(request: Request, v: Viewer = Depends(viewer)):
    return page(request, "fill_list.html", nav="fill", forms=wb(request).store.evaluations(v))


@router.get("/fill/new")
def fill_new(request: Request, v: Viewer = Depends(viewer)):
    data = {"department": v.department or "", "scope": "project", "indicators": blank_indicators()}
    return fill_page(request, v, None, data, None)


@router.get("/fill/from-report/{report_id}")
def fill_from_report(request: Request, report_id: int, v: Viewer = Depends(viewer)):
    """A new 填报 prefilled from a stored report's extracted figures (nothing saved until 保存)."""
    report = report_or_404(request, report_id, v)
    if report.status != "done" or not report.evaluation_json:
        raise api_error(400, "报告尚未分析完成或无法读取，不能用于填报")
    data = services.evaluation_to_fill_data(report.evaluation_json)
    if v.role == "filler":
        data["department"] = v.department or data.get("department")
    return fill_page(request, v, None, data, None, notice=f"已从报告“{report.file_name}”导入，请核对后保存。")


def _refuse_huge_import(request: Request, v: Viewer = Depends(viewer)) -> Viewer:
    refuse_huge(request, wb(request).max_bytes)
    return v


@router.post("/fill/import")
def fill_import(request: Request, v: Viewer = Depends(_refuse_huge_import), form: FormData = Depends(csrf_form)):
    """A new 填报 prefilled from an uploaded file: the 填报模板, an evaluation file, last year's form or report."""
    bench = wb(request)
    f = form.get("file")
    if isinstance(f, UploadFile):
        name, blob, reason, status = read_upload(f, bench.max_bytes, bench.max_upload_mb)
    else:
        name, blob, reason, status = "", b"", "请选择文件", 400
    result: dict[str, Any] = {}
    if reason is None:
        result, _ = services.analyse_bytes(name, blob)
        reason, status = result.get("error"), 400
    if reason:
        return page(request, "fill_list.html", nav="fill", forms=bench.store.evaluations(v), status_code=status,
                    errors=[f"{name or '文件'}：{reason}"])
    data = services.evaluation_to_fill_data(result.get("evaluation") or {})
    if v.role == "filler":
        data["department"] = v.department or data.get("department")
    return fill_page(request, v, None, data, None, notice=f"已从文件“{name}”导入，请核对后保存。")


@router.get("/fill/{evaluation_id}")
def fill_edit(request: Request, evaluation_id: int, v: Viewer = Depends(viewer)):
    form = evaluation_or_404(request, evaluation_id, v)
    return fill_page(request, v, form.id, form.data, form.framework)


@router.post("/fill/score")
def fill_score(request: Request, _v: Viewer = Depends(viewer), form: FormData = Depends(csrf_form)):
    data, errors = services.form_to_data(form)
    framework = str(form.get("framework") or "") or None
    return page(request, "_score.html", scored=services.score_data(data, framework, wb(request).library.paths()),
                errors=errors)


@router.post("/fill/save")
def fill_save(request: Request, v: Viewer = Depends(viewer), form: FormData = Depends(csrf_form)):
    data, errors = services.form_to_data(form)
    framework = str(form.get("framework") or "") or None
    raw_id = str(form.get("evaluation_id") or "")
    evaluation_id = int(raw_id) if raw_id.isdigit() else None
    if evaluation_id is not None:
        evaluation_or_404(request, evaluation_id, v)
    if errors:
        return fill_page(request, v, evaluation_id, data, framework, errors, status_code=400)
    try:
        saved = wb(request).store.save_evaluation(data, v, evaluation_id=evaluation_id, framework=framework)
    except ValueError as exc:
        return fill_page(request, v, evaluation_id, data, framework, [str(exc)], status_code=400)
    except LookupError:
        raise api_error(404, "填报记录不存在或无权查看") from None
    return RedirectResponse(f"/fill/{saved.id}?saved=1", status_code=303)


@router.get("/fill/{evaluation_id}/export/{fmt}")
def fill_export(request: Request, evaluation_id: int, fmt: str, draft: int = 0, v: Viewer = Depends(viewer)):
    form = evaluation_or_404(request, evaluation_id, v)
    if fmt not in services.EXPORT_TYPES:
        raise api_error(404, "不支持的导出格式")
    try:
        data = services.export_data(form.data, fmt, form.framework, draft=True if draft else None,
                                    stored=wb(request).library.paths())
    except Exception as exc:
        raise api_error(500, f"导出失败：{services.one_line(exc)}") from None
    label = "自评报告草稿" if draft else "自评表"
    return download(data, f"{form.department}-{form.year or ''}{label}.{fmt}", services.EXPORT_TYPES[fmt])
