"""上传审核 and 报告详情: upload many files, follow their progress, review findings, export the 自评表."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from jixiao.store import Viewer, policy
from jixiao.web import jobs, services
from jixiao.web.deps import csrf_form, page, report_or_404, require, viewer, wb
from jixiao.web.errors import api_error
from jixiao.web.highlight import layout, marks_from
from jixiao.web.processor import worker_error
from jixiao.web.schemas import PathId, PathIndex, QueryPage
from jixiao.web.uploads import accept_uploads
from jixiao.web.views import download
from jixiao.workers import WorkerError

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


@router.get("/reports")
def reports_page(request: Request, page_no: QueryPage = 1, q: str = "", status: str = "",
                 v: Viewer = Depends(viewer)):
    store = wb(request).store
    rows = store.reports(v, q=q or None, status=status or None, limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE)
    total = store.count_reports(v, status=status or None) if not q else len(rows)
    return page(request, "reports.html", nav="reports", rows=rows, page_no=page_no, total=total,
                pages=max(1, -(-total // PAGE_SIZE)), q=q, status=status)


@router.post("/upload")
def upload_page(request: Request, v: Viewer = Depends(viewer), form: FormData = Depends(csrf_form)):
    batch, _accepted, rejected = accept_uploads(request, form.getlist("files"), v, region=form.get("region"),
                                                year=form.get("year"), dept_type=form.get("dept_type"))
    return batch_fragment(request, v, batch, rejected)


def batch_fragment(request: Request, v: Viewer, batch: str, rejected: list[dict] | None = None):
    rows = wb(request).store.reports(v, batch=batch, order="dept")
    rows.sort(key=lambda r: r.id)
    done = sum(1 for r in rows if r.status in ("done", "error"))
    response = page(request, "_batch.html", batch=batch, rows=rows, done=done, total=len(rows),
                    rejected=rejected or [], finished=done == len(rows))
    if done == len(rows) and rows:
        response.headers["HX-Trigger"] = "batchDone"  # the report list reloads itself
    return response


@router.get("/upload/{batch}")
def batch_page(request: Request, batch: str, v: Viewer = Depends(viewer)):
    return batch_fragment(request, v, batch[:40])


@router.get("/reports/{report_id}")
def report_page(request: Request, report_id: PathId, v: Viewer = Depends(viewer)):
    report = report_or_404(request, report_id, v)
    ev = report.evaluation_json or {}
    findings = report.findings_json or []
    lines = layout(report.text or "", marks_from(ev.get("evidence"), findings, services.BUDGET_LABELS),
                   findings) if report.text else []
    rank = {"error": 0, "warning": 1, "info": 2}
    ordered = sorted(enumerate(findings), key=lambda p: (rank.get(p[1].get("severity"), 3), p[0]))
    reviews: dict[int, list] = defaultdict(list)
    for r in report.reviews:
        reviews[r.finding_index].append(r)
    return page(request, "report.html", nav="reports", report=report, ev=ev, findings=findings, lines=lines,
                review_map=reviews, ordered=ordered, score=report.score_json or {},
                can_review=policy.can(v, "edit", "report", report))


@router.post("/reports/{report_id}/findings/{index}/review")
def review_post(request: Request, report_id: PathId, index: PathIndex, v: Viewer = Depends(viewer),
                form: FormData = Depends(csrf_form)):
    report = require(request, v, "edit", "report", report_or_404(request, report_id, v, full=False),
                     "只有审核人可以确认或驳回")
    decision = str(form.get("decision") or "")
    if decision not in ("confirm", "reject"):
        raise api_error(400, "请选择确认或驳回")
    try:
        wb(request).store.add_review(report.id, index, decision, str(form.get("comment") or ""), v)
    except LookupError:
        raise api_error(404, "报告或问题不存在") from None
    report = report_or_404(request, report_id, v)
    findings = report.findings_json or []
    reviews = [r for r in report.reviews if r.finding_index == index]
    return page(request, "_finding.html", report=report, f=findings[index], i=index, reviews=reviews,
                can_review=True)


@router.get("/reports/{report_id}/export/{fmt}")
async def report_export(request: Request, report_id: PathId, fmt: str, v: Viewer = Depends(viewer)):
    """The 自评表 of a report, rendered in a worker from its stored analysis (never re-analysed).

    A report that failed (or was stopped) has no analysis to export: 409 with its reason.
    """
    if fmt not in services.EXPORT_TYPES:
        raise api_error(404, "不支持的导出格式")
    report = await run_in_threadpool(report_or_404, request, report_id, v)
    if report.status == "error":
        raise api_error(409, f"该报告分析失败，不能导出：{report.error or '原因未知'}")
    if report.status != "done" or not report.evaluation_json:
        raise api_error(409, "该报告尚未分析完成，请稍后再导出")
    bench = wb(request)
    try:
        data = await bench.processor.run(jobs.export_stored, report.evaluation_json,
                                         (report.score_json or {}).get("framework"), report.findings_json or [],
                                         fmt, tenant=v.id)
    except WorkerError as exc:
        raise api_error(503, worker_error(exc, "导出", bench.processor.interactive_limits)) from None
    except Exception as exc:
        raise api_error(500, f"导出失败：{services.one_line(exc)}") from None
    stem = Path(report.file_name).stem
    return download(data, f"{stem}-自评表.{fmt}", services.EXPORT_TYPES[fmt])


@router.post("/reports/{report_id}/delete")
def report_delete(request: Request, report_id: PathId, v: Viewer = Depends(viewer),
                  _form: FormData = Depends(csrf_form)):
    require(request, v, "delete", "report", report_or_404(request, report_id, v, full=False))
    wb(request).store.delete_report(report_id)
    return RedirectResponse("/reports", status_code=303)
