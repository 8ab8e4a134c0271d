"""The JSON API under ``/api/``: reports, 填报, scoring and the comparison (accounts, frameworks and
departments are in :mod:`jixiao.web.routes.api_admin`). Typed bodies (:mod:`jixiao.web.schemas`), one
error shape, the same policy table as the pages. Handlers that touch the database are plain functions
(run in the thread pool); exports await a worker."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData

from jixiao.store import StaleVersion, Viewer
from jixiao.web import schemas as S
from jixiao.web import services
from jixiao.web.deps import csrf_header, evaluation_or_404, read_form, report_or_404, require, viewer, wb
from jixiao.web.errors import api_error
from jixiao.web.routes.compare import comparison
from jixiao.web.routes.reports import report_export
from jixiao.web.uploads import accept_uploads
from jixiao.web.views import form_json, report_json, review_json, row_json

router = APIRouter(prefix="/api", responses=S.ERROR_RESPONSES)
CSRF = [Depends(csrf_header)]


# -- 报告 -----------------------------------------------------------------------------------------------
@router.get("/reports", tags=["报告"], summary="报告列表（按角色可见）", response_model=S.ReportListOut)
def api_reports(request: Request, region: str | None = None, year: S.QueryYear = None,
                department: str | None = None, status: str | None = None, batch: str | None = None,
                limit: S.QueryLimit = 100, offset: S.QueryOffset = 0, v: Viewer = Depends(viewer)):
    store = wb(request).store
    rows = store.reports(v, region=region, year=year, department=department, status=status, batch=batch,
                         limit=limit, offset=offset)
    total = store.count_reports(v, region=region, year=year, department=department, status=status, batch=batch)
    return S.respond(S.ReportListOut(reports=[row_json(r) for r in rows], total=total))


async def _upload_form(request: Request, _v: Viewer = Depends(viewer)) -> FormData:
    return await read_form(request)


@router.post("/reports", tags=["报告"], summary="上传报告（multipart，字段 files，可多个；可选 region、year、dept_type）",
             dependencies=CSRF, status_code=202, response_model=S.UploadOut,
             openapi_extra=S.multipart({"files": ("files", "报告文件（txt/docx/pdf/xlsx/html/图片/评价文件），可多个"),
                                        "region": ("string", "地区（管理员；审核人、填报人按本人范围归档）"),
                                        "year": ("integer", "年度"), "dept_type": ("string", "单位类型")},
                                       required=("files",)))
def api_upload(request: Request, v: Viewer = Depends(viewer), form: FormData = Depends(_upload_form)):
    files = form.getlist("files") + form.getlist("file")
    if not files:
        raise api_error(400, "没有上传文件")
    batch, accepted, rejected = accept_uploads(request, files, v, region=form.get("region"), year=form.get("year"),
                                               dept_type=form.get("dept_type"))
    if not accepted:
        status = 413 if all(r["status"] == 413 for r in rejected) else 400
        raise api_error(status, rejected[0]["error"] if len(rejected) == 1 else "所有文件均被拒绝", rejected)
    return S.respond(S.UploadOut(batch=batch, accepted=accepted, rejected=rejected), 202)


@router.get("/reports/{report_id}", tags=["报告"], summary="报告详情：提取结果、评分、问题、复核记录",
            response_model=S.ReportOut)
def api_report(request: Request, report_id: S.PathId, text: bool = False, v: Viewer = Depends(viewer)):
    """``text=true`` adds the document text the evidence offsets index."""
    report = report_or_404(request, report_id, v)
    out = report_json(report)
    if text:
        out["text"] = report.text
    return S.respond(S.ReportOut(report=out))


@router.patch("/reports/{report_id}", tags=["报告"], summary="重新归档报告（部门、地区、年度、单位类型；管理员）",
              dependencies=CSRF, response_model=S.ReportOut)
def api_report_move(request: Request, report_id: S.PathId, body: S.ReportMove, v: Viewer = Depends(viewer)):
    """A moved report keeps its department and region: a later re-analysis does not re-file it."""
    require(request, v, "move", "report", report_or_404(request, report_id, v, full=False))
    wb(request).store.move_report(report_id, **body.model_dump(exclude_unset=True))
    return S.respond(S.ReportOut(report=report_json(report_or_404(request, report_id, v))))


@router.post("/reports/{report_id}/reviews", tags=["报告"], summary="确认 / 驳回一条问题", dependencies=CSRF,
             response_model=S.ReviewCreated)
def api_review(request: Request, report_id: S.PathId, body: S.ReviewIn, v: Viewer = Depends(viewer)):
    report = require(request, v, "edit", "report", report_or_404(request, report_id, v, full=False),
                     "只有审核人可以确认或驳回")
    try:
        review = wb(request).store.add_review(report.id, body.finding_index, body.decision, body.comment, v)
    except LookupError:
        raise api_error(404, "报告或问题不存在") from None
    return S.respond(S.ReviewCreated(review=review_json(review)))


@router.delete("/reports/{report_id}", tags=["报告"], summary="删除报告（管理员）", dependencies=CSRF,
               response_model=S.Ok)
def api_report_delete(request: Request, report_id: S.PathId, v: Viewer = Depends(viewer)):
    require(request, v, "delete", "report", report_or_404(request, report_id, v, full=False))
    wb(request).store.delete_report(report_id)
    return S.respond(S.Ok())


router.add_api_route("/reports/{report_id}/export/{fmt}", report_export, methods=["GET"], tags=["报告"],
                     summary="导出自评表 xlsx/docx/pdf/html（分析失败的报告：409）", response_class=S.JSONResponse)


# -- 填报 -----------------------------------------------------------------------------------------------
def _save(request: Request, v: Viewer, body: S.EvaluationIn, evaluation_id: int | None = None):
    bench = wb(request)
    try:
        framework = services.check_framework(body.framework or None, bench.library.paths())
        return bench.store.save_evaluation(body.data(), v, evaluation_id=evaluation_id, framework=framework,
                                           version=body.version)
    except StaleVersion as exc:
        raise api_error(409, str(exc), [{"loc": ["body", "version"], "msg": f"current={exc.current}"}]) from None
    except PermissionError as exc:
        raise api_error(403, str(exc)) from None
    except LookupError:
        raise api_error(404, "填报记录不存在或无权查看") from None
    except ValueError as exc:
        raise api_error(422, str(exc)) from None


@router.get("/evaluations", tags=["填报"], response_model=S.EvaluationListOut)
def api_evaluations(request: Request, v: Viewer = Depends(viewer)):
    return S.respond(S.EvaluationListOut(evaluations=[form_json(f) for f in wb(request).store.evaluations(v)]))


@router.post("/evaluations", tags=["填报"], summary="新建填报（评价文件 JSON 结构）", dependencies=CSRF,
             status_code=201, response_model=S.EvaluationOut)
def api_evaluation_create(request: Request, body: S.EvaluationIn, v: Viewer = Depends(viewer)):
    return S.respond(S.EvaluationOut(evaluation=form_json(_save(request, v, body))), 201)


@router.get("/evaluations/{evaluation_id}", tags=["填报"], response_model=S.EvaluationScoredOut)
def api_evaluation(request: Request, evaluation_id: S.PathId, v: Viewer = Depends(viewer)):
    form = evaluation_or_404(request, evaluation_id, v)
    scored = services.score_data(form.data, form.framework, wb(request).library.paths())
    return S.respond(S.EvaluationScoredOut(evaluation=form_json(form), scored=scored))


@router.put("/evaluations/{evaluation_id}", tags=["填报"], dependencies=CSRF, response_model=S.EvaluationOut,
            summary="保存填报（整体替换；带上读取时的 version，他人已保存新版本时 409）")
def api_evaluation_update(request: Request, evaluation_id: S.PathId, body: S.EvaluationIn,
                          v: Viewer = Depends(viewer)):
    evaluation_or_404(request, evaluation_id, v)
    if body.version is None:
        raise api_error(428, "保存需要带上读取时的 version（防止覆盖他人刚保存的修改）")
    return S.respond(S.EvaluationOut(evaluation=form_json(_save(request, v, body, evaluation_id))))


@router.delete("/evaluations/{evaluation_id}", tags=["填报"], dependencies=CSRF, response_model=S.Ok)
def api_evaluation_delete(request: Request, evaluation_id: S.PathId, v: Viewer = Depends(viewer)):
    try:
        found = wb(request).store.delete_evaluation(evaluation_id, v)
    except PermissionError as exc:
        raise api_error(403, str(exc)) from None
    if not found:
        raise api_error(404, "填报记录不存在或无权查看")
    return S.respond(S.Ok())


@router.post("/score", tags=["填报"], summary="按指标体系为评价数据打分（不保存）", dependencies=CSRF,
             response_model=S.ScoreOut)
def api_score(request: Request, body: S.EvaluationIn, _v: Viewer = Depends(viewer)):
    scored = services.score_data(body.data(), body.framework or None, wb(request).library.paths())
    if "error" in scored:
        raise api_error(422, scored["error"])
    return S.respond(S.ScoreOut(**scored))


# -- 对比分析 ---------------------------------------------------------------------------------------------
@router.get("/compare", tags=["对比分析"], response_model=S.CompareOut)
def api_compare(request: Request, region: str | None = None, year: S.QueryYear = None,
                dept_type: str | None = None, v: Viewer = Depends(viewer)):
    data = comparison(request, v, region, year, dept_type)
    return S.respond(S.CompareOut(reports=[row_json(r) for r in data["rows"]], years=data["years"],
                                  departments=data["departments"]))
