"""填报: fill in a 自评表 with a live score, start from a file or a stored report, save, export."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from jixiao.store import StaleVersion, Viewer, policy
from jixiao.web import jobs, services
from jixiao.web.budget import check_declared
from jixiao.web.deps import allowed_to, csrf_form, evaluation_or_404, page, report_or_404, viewer, wb
from jixiao.web.errors import api_error
from jixiao.web.processor import worker_error
from jixiao.web.schemas import PathId
from jixiao.web.uploads import read_upload
from jixiao.web.views import blank_indicators, download
from jixiao.workers import WorkerError

router = APIRouter(include_in_schema=False)
may_create = allowed_to("create", "evaluation")


def fill_page(request: Request, v: Viewer, evaluation_id: int | None, data: dict, framework: str | None,
              errors: list[str] | None = None, status_code: int = 200, notice: str | None = None,
              version: int | None = None):
    """The 填报 form with its score tree (scored from ``data`` as it stands). Blocking."""
    paths = wb(request).library.paths()
    scored = services.score_data(data, framework, paths) if data.get("indicators") or data.get("budget") else {}
    fixed = policy.file_in_scope(v, "evaluation", department=None, region=None)[2]
    return page(request, "fill.html", nav="fill", evaluation_id=evaluation_id, data=data, framework=framework,
                frameworks=services.frameworks(paths), scored=scored, errors=errors or [], status_code=status_code,
                lock_department=fixed, notice=notice, version=version)


def prefilled(v: Viewer, evaluation: dict[str, Any]) -> dict[str, Any]:
    """A new 填报's data from an extracted evaluation, its department the viewer's when it is fixed."""
    data = services.evaluation_to_fill_data(evaluation)
    department, _region, fixed = policy.file_in_scope(v, "evaluation", department=data.get("department"),
                                                      region=None)
    if fixed:
        data["department"] = department
    return data


@router.get("/fill")
def fill_list(request: Request, v: Viewer = Depends(viewer)):
    return page(request, "fill_list.html", nav="fill", forms=wb(request).store.evaluations(v))


@router.get("/fill/new")
def fill_new(request: Request, v: Viewer = Depends(may_create)):
    data = {"department": v.department or "", "scope": "project", "indicators": blank_indicators()}
    return fill_page(request, v, None, data, None)


@router.get("/fill/from-report/{report_id}")
def fill_from_report(request: Request, report_id: PathId, v: Viewer = Depends(may_create)):
    """A new 填报 prefilled from a stored report's extracted figures (nothing saved until 保存)."""
    report = report_or_404(request, report_id, v)
    if report.status != "done" or not report.evaluation_json:
        raise api_error(400, "报告尚未分析完成或无法读取，不能用于填报")
    return fill_page(request, v, None, prefilled(v, report.evaluation_json), None,
                     notice=f"已从报告“{report.file_name}”导入，请核对后保存。")


@router.post("/fill/import")
async def fill_import(request: Request, v: Viewer = Depends(may_create), form: FormData = Depends(csrf_form)):
    """A new 填报 prefilled from an uploaded file: the 填报模板, an evaluation file, last year's form or report.

    The file is read in an interactive worker (time and memory bounded, the Office expansion budget first).
    """
    bench = wb(request)
    f = form.get("file")
    if isinstance(f, UploadFile):
        name, blob, reason, status = await run_in_threadpool(read_upload, f, bench.max_bytes, bench.max_upload_mb)
        if reason is None:
            reason, status = await run_in_threadpool(check_declared, name, blob, bench.processor.budget), 400
    else:
        name, blob, reason, status = "", b"", "请选择文件", 400
    result: dict[str, Any] = {}
    if reason is None:
        try:
            result, _text = await bench.processor.run(jobs.analyse_upload, name, blob, bench.processor.budget,
                                                      tenant=v.id)
            reason = result.get("error")
        except WorkerError as exc:
            reason = worker_error(exc, "读取", bench.processor.interactive_limits)
        status = 400
    if reason:
        return await run_in_threadpool(
            lambda: page(request, "fill_list.html", nav="fill", forms=bench.store.evaluations(v),
                         status_code=status, errors=[f"{name or '文件'}：{reason}"]))
    data = prefilled(v, result.get("evaluation") or {})
    return await run_in_threadpool(fill_page, request, v, None, data, None, None, 200,
                                   f"已从文件“{name}”导入，请核对后保存。")


@router.get("/fill/{evaluation_id}")
def fill_edit(request: Request, evaluation_id: PathId, v: Viewer = Depends(viewer)):
    form = evaluation_or_404(request, evaluation_id, v)
    return fill_page(request, v, form.id, form.data, form.framework, version=form.version)


@router.post("/fill/score")
def fill_score(request: Request, _v: Viewer = Depends(viewer), form: FormData = Depends(csrf_form)):
    data, errors = services.form_to_data(form)
    framework = str(form.get("framework") or "") or None
    return page(request, "_score.html", scored=services.score_data(data, framework, wb(request).library.paths()),
                errors=errors)


def _form_int(form: FormData, key: str) -> int | None:
    raw = str(form.get(key) or "").strip()
    return int(raw) if raw.isdigit() and len(raw) <= 9 else None


@router.post("/fill/save")
def fill_save(request: Request, v: Viewer = Depends(viewer), form: FormData = Depends(csrf_form)):
    data, errors = services.form_to_data(form)
    framework = str(form.get("framework") or "") or None
    evaluation_id = _form_int(form, "evaluation_id")
    version = _form_int(form, "version")
    if evaluation_id is not None:
        evaluation_or_404(request, evaluation_id, v)
    try:
        framework = services.check_framework(framework, wb(request).library.paths())
    except services.UnknownFramework as exc:
        errors.append(str(exc))
        framework = None
    if errors:
        return fill_page(request, v, evaluation_id, data, framework, errors, status_code=400, version=version)
    try:
        saved = wb(request).store.save_evaluation(data, v, evaluation_id=evaluation_id, framework=framework,
                                                  version=version)
    except StaleVersion as exc:
        return fill_page(request, v, evaluation_id, data, framework, [str(exc)], status_code=409, version=version)
    except PermissionError as exc:
        raise api_error(403, str(exc)) from None
    except ValueError as exc:
        return fill_page(request, v, evaluation_id, data, framework, [str(exc)], status_code=400, version=version)
    except LookupError:
        raise api_error(404, "填报记录不存在或无权查看") from None
    return RedirectResponse(f"/fill/{saved.id}?saved=1", status_code=303)


@router.get("/fill/{evaluation_id}/export/{fmt}")
async def fill_export(request: Request, evaluation_id: PathId, fmt: str, draft: int = 0, v: Viewer = Depends(viewer)):
    """The 自评表 (or the report draft) of a 填报, rendered in an interactive worker."""
    if fmt not in services.EXPORT_TYPES:
        raise api_error(404, "不支持的导出格式")
    bench = wb(request)
    form = await run_in_threadpool(evaluation_or_404, request, evaluation_id, v)
    paths = await run_in_threadpool(bench.library.paths)
    try:
        data = await bench.processor.run(jobs.export_fill, form.data, fmt, form.framework,
                                         True if draft else None, {k: str(p) for k, p in paths.items()},
                                         tenant=v.id)
    except WorkerError as exc:
        raise api_error(503, worker_error(exc, "导出", bench.processor.interactive_limits)) from None
    except Exception as exc:
        raise api_error(500, f"导出失败：{services.one_line(exc)}") from None
    label = "自评报告草稿" if draft else "自评表"
    return download(data, f"{form.department}-{form.year or ''}{label}.{fmt}", services.EXPORT_TYPES[fmt])
