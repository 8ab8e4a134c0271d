"""The JSON API under ``/api/``: typed bodies (:mod:`jixiao.web.schemas`), one error shape, the same rules
as the pages. Handlers that touch the database are plain functions (run in the thread pool)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData

from jixiao.store import Viewer
from jixiao.web import schemas as S
from jixiao.web import services
from jixiao.web.deps import admin, csrf_header, evaluation_or_404, report_or_404, viewer, wb
from jixiao.web.errors import api_error
from jixiao.web.routes.admin import add_user, department_fields, department_or_404
from jixiao.web.routes.compare import comparison
from jixiao.web.routes.frameworks import delete_framework, read_framework_upload
from jixiao.web.routes.reports import report_export
from jixiao.web.routes.session import do_login, do_logout
from jixiao.web.uploads import accept_uploads, refuse_huge
from jixiao.web.views import department_json, form_json, report_json, review_json, row_json, user_json

router = APIRouter(prefix="/api", responses=S.ERROR_RESPONSES)
CSRF = [Depends(csrf_header)]
ReportId = int
EvaluationId = int
DepartmentId = int


# -- 账户 -----------------------------------------------------------------------------------------------
@router.post("/login", tags=["账户"], summary="登录，返回 CSRF token", response_model=S.LoginOut)
def api_login(request: Request, body: S.LoginIn):
    # No CSRF token exists yet: FastAPI reads JSON bodies only when the request says application/json,
    # which a cross-site form cannot send, so a forged login from another site is refused (422).
    user, error, status = do_login(request, body.username, body.password)
    if user is None:
        raise api_error(status, error or "登录失败")
    return S.respond(S.LoginOut(user=user_json(user), csrf_token=request.state.session["csrf"]))


@router.post("/logout", tags=["账户"], dependencies=CSRF, response_model=S.Ok)
def api_logout(request: Request):
    do_logout(request)
    return S.respond(S.Ok())


@router.get("/me", tags=["账户"], response_model=S.LoginOut)
def api_me(request: Request, v: Viewer = Depends(viewer)):
    return S.respond(S.LoginOut(user=user_json(wb(request).store.user(v.id)), csrf_token=request.state.session["csrf"]))


@router.get("/users", tags=["账户"], response_model=S.UserListOut)
def api_users(request: Request, _v: Viewer = Depends(admin)):
    return S.respond(S.UserListOut(users=[user_json(u) for u in wb(request).store.users()]))


@router.post("/users", tags=["账户"], dependencies=CSRF, status_code=201, response_model=S.UserCreated)
def api_user_add(request: Request, body: S.UserIn, _v: Viewer = Depends(admin)):
    try:
        user = add_user(request, body.name, body.password, body.role, body.department, body.region)
    except ValueError as exc:
        raise api_error(422, str(exc)) from None
    return S.respond(S.UserCreated(user=user_json(user)), 201)


# -- 报告 -----------------------------------------------------------------------------------------------
@router.get("/reports", tags=["报告"], summary="报告列表（按角色可见）", response_model=S.ReportListOut)
def api_reports(request: Request, region: str | None = None, year: int | None = None,
                department: str | None = None, status: str | None = None, batch: str | None = None,
                limit: int = 100, offset: int = 0, v: Viewer = Depends(viewer)):
    store = wb(request).store
    rows = store.reports(v, region=region, year=year, department=department, status=status, batch=batch,
                         limit=min(max(limit, 1), 1000), offset=max(offset, 0))
    total = store.count_reports(v, region=region, year=year, department=department, status=status, batch=batch)
    return S.respond(S.ReportListOut(reports=[row_json(r) for r in rows], total=total))


def _upload_viewer(request: Request, v: Viewer = Depends(viewer)) -> Viewer:
    refuse_huge(request, wb(request).max_bytes)
    return v


async def _upload_form(request: Request, _v: Viewer = Depends(_upload_viewer)) -> FormData:
    return await request.form(max_files=500, max_fields=5000)


@router.post("/reports", tags=["报告"], summary="上传报告（multipart，字段 files，可多个；可选 region、year、dept_type）",
             dependencies=CSRF, status_code=202, response_model=S.UploadOut,
             openapi_extra=S.multipart({"files": ("files", "报告文件（txt/docx/pdf/xlsx/html/图片/评价文件），可多个"),
                                        "region": ("string", "地区"), "year": ("integer", "年度"),
                                        "dept_type": ("string", "单位类型")}, required=("files",)))
def api_upload(request: Request, v: Viewer = Depends(_upload_viewer), form: FormData = Depends(_upload_form)):
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
def api_report(request: Request, report_id: ReportId, text: bool = False, v: Viewer = Depends(viewer)):
    """``text=true`` adds the document text the evidence offsets index."""
    report = report_or_404(request, report_id, v)
    out = report_json(report)
    if text:
        out["text"] = report.text
    return S.respond(S.ReportOut(report=out))


@router.post("/reports/{report_id}/reviews", tags=["报告"], summary="确认 / 驳回一条问题", dependencies=CSRF,
             response_model=S.ReviewCreated)
def api_review(request: Request, report_id: ReportId, body: S.ReviewIn, v: Viewer = Depends(viewer)):
    if v.role not in ("admin", "reviewer"):
        raise api_error(403, "只有审核人可以确认或驳回")
    try:
        review = wb(request).store.add_review(report_id, body.finding_index, body.decision, body.comment, v)
    except LookupError:
        raise api_error(404, "报告或问题不存在") from None
    return S.respond(S.ReviewCreated(review=review_json(review)))


@router.delete("/reports/{report_id}", tags=["报告"], summary="删除报告（管理员）", dependencies=CSRF,
               response_model=S.Ok)
def api_report_delete(request: Request, report_id: ReportId, v: Viewer = Depends(admin)):
    report_or_404(request, report_id, v, full=False)
    wb(request).store.delete_report(report_id)
    return S.respond(S.Ok())


router.add_api_route("/reports/{report_id}/export/{fmt}", report_export, methods=["GET"], tags=["报告"],
                     summary="导出自评表 xlsx/docx/pdf/html", response_class=S.JSONResponse)


# -- 填报 -----------------------------------------------------------------------------------------------
@router.get("/evaluations", tags=["填报"], response_model=S.EvaluationListOut)
def api_evaluations(request: Request, v: Viewer = Depends(viewer)):
    return S.respond(S.EvaluationListOut(evaluations=[form_json(f) for f in wb(request).store.evaluations(v)]))


@router.post("/evaluations", tags=["填报"], summary="新建填报（评价文件 JSON 结构）", dependencies=CSRF,
             status_code=201, response_model=S.EvaluationOut)
def api_evaluation_create(request: Request, body: S.EvaluationIn, v: Viewer = Depends(viewer)):
    try:
        saved = wb(request).store.save_evaluation(body.data(), v, framework=body.framework or None)
    except ValueError as exc:
        raise api_error(422, str(exc)) from None
    return S.respond(S.EvaluationOut(evaluation=form_json(saved)), 201)


@router.get("/evaluations/{evaluation_id}", tags=["填报"], response_model=S.EvaluationScoredOut)
def api_evaluation(request: Request, evaluation_id: EvaluationId, v: Viewer = Depends(viewer)):
    form = evaluation_or_404(request, evaluation_id, v)
    scored = services.score_data(form.data, form.framework, wb(request).library.paths())
    return S.respond(S.EvaluationScoredOut(evaluation=form_json(form), scored=scored))


@router.put("/evaluations/{evaluation_id}", tags=["填报"], summary="保存填报（整体替换）", dependencies=CSRF,
            response_model=S.EvaluationOut)
def api_evaluation_update(request: Request, evaluation_id: EvaluationId, body: S.EvaluationIn,
                          v: Viewer = Depends(viewer)):
    evaluation_or_404(request, evaluation_id, v)
    try:
        saved = wb(request).store.save_evaluation(body.data(), v, evaluation_id=evaluation_id,
                                                  framework=body.framework or None)
    except ValueError as exc:
        raise api_error(422, str(exc)) from None
    return S.respond(S.EvaluationOut(evaluation=form_json(saved)))


@router.delete("/evaluations/{evaluation_id}", tags=["填报"], dependencies=CSRF, response_model=S.Ok)
def api_evaluation_delete(request: Request, evaluation_id: EvaluationId, v: Viewer = Depends(viewer)):
    if not wb(request).store.delete_evaluation(evaluation_id, v):
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
def api_compare(request: Request, region: str | None = None, year: int | None = None,
                dept_type: str | None = None, v: Viewer = Depends(viewer)):
    data = comparison(request, v, region, year, dept_type)
    return S.respond(S.CompareOut(reports=[row_json(r) for r in data["rows"]], years=data["years"],
                                  departments=data["departments"]))


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


async def _framework_form(request: Request, _v: Viewer = Depends(admin)) -> FormData:
    return await request.form(max_files=2, max_fields=20)


@router.post("/frameworks", tags=["指标体系"], summary="上传指标体系 YAML（multipart，字段 file；同 id 则替换）",
             dependencies=CSRF, status_code=201, response_model=S.FrameworkUploadOut,
             openapi_extra=S.multipart({"file": ("file", "指标体系 YAML（.yaml/.yml）")}, required=("file",)))
def api_framework_upload(request: Request, v: Viewer = Depends(admin), form: FormData = Depends(_framework_form)):
    """Validated by the scoring engine's loader; its ``file:line: key: problem`` lines come back in
    ``errors`` (422) and nothing is stored. A shipped framework's id is refused (409)."""
    row, created = read_framework_upload(request, form.get("file"), v)
    detail = services.framework_detail(row.framework_id, wb(request).library.paths())
    return S.respond(S.FrameworkUploadOut(created=created, framework=detail), 201 if created else 200)


@router.delete("/frameworks/{name}", tags=["指标体系"], summary="删除上传的指标体系（内置的不可删除）",
               dependencies=CSRF, response_model=S.Ok)
def api_framework_delete(request: Request, name: str, _v: Viewer = Depends(admin)):
    delete_framework(request, name)
    return S.respond(S.Ok())


# -- 部门 -----------------------------------------------------------------------------------------------
@router.get("/departments", tags=["部门"], summary="部门列表（管理员）", response_model=S.DepartmentListOut)
def api_departments(request: Request, _v: Viewer = Depends(admin)):
    return S.respond(S.DepartmentListOut(departments=[department_json(d) for d in wb(request).store.departments()],
                                         dept_types=list(services.dept_types())))


@router.post("/departments", tags=["部门"], summary="新建部门 {name, region?, dept_type?}", dependencies=CSRF,
             status_code=201, response_model=S.DepartmentItemOut)
def api_department_add(request: Request, body: S.DepartmentIn, _v: Viewer = Depends(admin)):
    try:
        dept = wb(request).store.add_department(**department_fields(body.model_dump()))
    except ValueError as exc:
        raise api_error(422, str(exc)) from None
    return S.respond(S.DepartmentItemOut(department=department_json(dept)), 201)


@router.get("/departments/{department_id}", tags=["部门"], response_model=S.DepartmentItemOut)
def api_department(request: Request, department_id: DepartmentId, _v: Viewer = Depends(admin)):
    return S.respond(S.DepartmentItemOut(department=department_json(department_or_404(request, department_id))))


def _update_department(request: Request, department_id: int, body: S.DepartmentPatch, *, partial: bool):
    department_or_404(request, department_id)
    given = body.model_dump(exclude_unset=partial)
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
def api_department_replace(request: Request, department_id: DepartmentId, body: S.DepartmentIn,
                           _v: Viewer = Depends(admin)):
    return _update_department(request, department_id, body, partial=False)


@router.patch("/departments/{department_id}", tags=["部门"], summary="修改部门（只改给出的字段）",
              dependencies=CSRF, response_model=S.DepartmentItemOut)
def api_department_update(request: Request, department_id: DepartmentId, body: S.DepartmentPatch,
                          _v: Viewer = Depends(admin)):
    return _update_department(request, department_id, body, partial=True)


@router.delete("/departments/{department_id}", tags=["部门"], dependencies=CSRF, response_model=S.Ok)
def api_department_delete(request: Request, department_id: DepartmentId, _v: Viewer = Depends(admin)):
    if not wb(request).store.delete_department(department_id):
        raise api_error(404, "部门不存在")
    return S.respond(S.Ok())


# -- 系统 -----------------------------------------------------------------------------------------------
@router.get("/health", tags=["系统"], response_model=S.HealthOut)
def api_health(request: Request):
    return S.respond(S.HealthOut(revision=wb(request).store.revision()))
